"""quick_init: the same records, built through their slots."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from evalgate import quickinit
from evalgate.model import Response, ToolCall
from evalgate.quickinit import quick_init
from evalgate.results import CaseResult, CaseStats, TurnRecord
from evalgate.runner import WorkItem
from evalgate.scorers.registry import ScoreRecord
from evalgate.scoring import CaseScore
from evalgate.target.client import CallResult
from evalgate.target.context import TemplateContext
from evalgate.target.mapping import Timing

# the records a run builds for every case
PER_CASE = (
    Response,
    ToolCall,
    CaseResult,
    TurnRecord,
    CaseStats,
    ScoreRecord,
    CaseScore,
    WorkItem,
    CallResult,
    TemplateContext,
    Timing,
)


def _slow(cls: type, *args: Any, **kwargs: Any) -> Any:
    """An instance built by the dataclass's own ``__init__``."""
    made = object.__new__(cls)
    _DATACLASS_INITS[cls](made, *args, **kwargs)
    return made


def _values(cls: type) -> list[Any]:
    """A value for every field, distinct from its default."""
    out: list[Any] = []
    for i, f in enumerate(dataclasses.fields(cls)):
        out.append({"k": i} if "Mapping" in str(f.type) else f"v{i}")
    return out


@dataclass(frozen=True, slots=True)
class _Plain:
    a: int
    b: str = "b"
    c: tuple[int, ...] = ()
    d: Mapping[str, int] = field(default_factory=dict)


_DATACLASS_INITS: dict[type, Any] = {_Plain: _Plain.__init__}
quick_init(_Plain)
for _cls in PER_CASE:
    _DATACLASS_INITS[_cls] = _cls.__init__.__wrapped__  # type: ignore[misc]


@pytest.mark.parametrize("cls", PER_CASE, ids=lambda c: c.__name__)
def test_every_per_case_record_is_built_quickly(cls: type) -> None:
    values = _values(cls)
    for _ in range(quickinit.WARM):  # the first ones are built the dataclass's way
        first = cls(*values)
    assert cls.__init__ is not _DATACLASS_INITS[cls]
    assert "__set0" in cls.__init__.__code__.co_freevars  # stores through the slots
    assert first == _slow(cls, *values)
    names = [f.name for f in dataclasses.fields(cls)]
    assert cls(**dict(zip(names, values, strict=True))) == first
    if not any(isinstance(v, dict) for v in values):
        assert hash(cls(*values)) == hash(first)


def test_a_class_built_a_few_times_makes_no_code() -> None:
    @quick_init
    @dataclass(frozen=True, slots=True)
    class Few:
        a: int

    own = Few.__init__
    for i in range(quickinit.WARM - 1):
        assert Few(i).a == i
    assert Few.__init__ is own
    assert Few(7) == Few(7) and Few.__init__ is not own


def test_defaults_and_factories_are_the_dataclass_ones() -> None:
    for _ in range(quickinit.WARM):
        _Plain(0)
    a, b = _Plain(1), _Plain(1)
    assert a == _slow(_Plain, 1) == _Plain(1, "b", (), {})
    assert a.d == {} and a.d is not b.d  # a new dict each time, as default_factory makes
    given: dict[str, int] = {"x": 1}
    assert _Plain(1, d=given).d is given
    assert Response().extra == {} and Response().extra is not Response().extra


def test_signature_and_errors_read_as_the_dataclass_ones() -> None:
    assert _Plain.__init__.__wrapped__ is _DATACLASS_INITS[_Plain]  # type: ignore[misc]
    sig = inspect.signature(_Plain)
    assert [p.name for p in sig.parameters.values()] == ["a", "b", "c", "d"]
    assert str(sig.parameters["d"].default) == "<factory>"
    for cls in (CaseResult, Response):
        own = inspect.signature(_DATACLASS_INITS[cls])
        assert inspect.signature(cls.__init__) == own
    with pytest.raises(TypeError, match=r"_Plain.__init__\(\) missing 1 required positional"):
        _Plain()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        _Plain(1, z=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="takes from 2 to 5 positional arguments"):
        _Plain(1, "b", (), {}, 5)  # type: ignore[call-arg]


def test_instances_stay_frozen_and_copyable() -> None:
    r = CaseResult("c", "d", 0, "passed", "success", True, 1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.score = 0.5  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(r)) == r
    assert dataclasses.replace(r, score=0.5).score == 0.5


def test_a_subclass_is_built_by_the_dataclass_init() -> None:
    """A subclass may store a field its own way (a property, as model.PackedCase does)."""
    seen: list[int] = []
    slot: Any = _Plain.__dict__["a"]

    class Doubled(_Plain):
        __slots__ = ()

        @property  # type: ignore[override]
        def a(self) -> int:
            return int(slot.__get__(self))

        @a.setter
        def a(self, value: int) -> None:
            seen.append(value)
            slot.__set__(self, value * 2)

    assert Doubled(3).a == 6 and seen == [3]
    assert _Plain(3).a == 3


@pytest.mark.parametrize(
    "make",
    [
        lambda: dataclass(frozen=True)(type("NoSlots", (), {"__annotations__": {"a": int}})),
        lambda: dataclass(slots=True)(type("NotFrozen", (), {"__annotations__": {"a": int}})),
        lambda: type("NotADataclass", (), {}),
    ],
)
def test_other_classes_are_refused_at_import(make: Any) -> None:
    with pytest.raises(TypeError, match="quick_init takes"):
        quick_init(make())


def test_post_init_and_init_false_are_refused() -> None:
    @dataclass(frozen=True, slots=True)
    class Post:
        a: int

        def __post_init__(self) -> None:
            pass

    @dataclass(frozen=True, slots=True)
    class Hidden:
        a: int
        b: int = field(default=0, init=False)

    with pytest.raises(TypeError, match="__post_init__"):
        quick_init(Post)
    with pytest.raises(TypeError, match="fields set by __init__"):
        quick_init(Hidden)
