"""A frozen dataclass built by its twin is the instance its own ``__init__`` builds."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import InitVar, dataclass, field
from typing import Any

import pytest

from evalgate import runner, scoring
from evalgate.fastbuild import builder
from evalgate.model import Response, ToolCall
from evalgate.results import CaseResult
from evalgate.scorers.registry import ScoreRecord
from evalgate.target import TemplateContext


def _names(cls: Any) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _a_result() -> list[Any]:
    response = Response(output="hi", tool_calls=(ToolCall("t", {"a": 1}),), latency_ms=1.5)
    records = (ScoreRecord("contains", 1.0, True, "ok", 1.0),)
    return [
        *("c1", "ds", 2, "passed", "success", True, 0.75, records, 12.5, {"m": "x"}),
        *(response, (), None, 1, ("t",), "g.yaml", 4, "h", None, 1.0, False),
    ]


@pytest.mark.parametrize(
    ("cls", "values"),
    [
        (CaseResult, _a_result()),
        (TemplateContext, [None, {"m": "x"}, "s", 0, (), "r", 1]),
        (runner.WorkItem, [None, 3, True]),
    ],
)
def test_the_built_instance_is_the_one_init_builds(cls: Any, values: list[Any]) -> None:
    build = builder(cls, *_names(cls))
    assert build is not cls  # a twin builds it
    made, built = cls(*values), build(*values)
    assert type(built) is cls
    assert built == made and made == built
    if cls is runner.WorkItem:  # (the others hold dicts: unhashable, alike)
        assert hash(built) == hash(made)
    assert repr(built) == repr(made)
    assert [getattr(built, n) for n in _names(cls)] == values
    assert dataclasses.asdict(built) == dataclasses.asdict(made)
    assert dataclasses.replace(built) == made
    assert copy.copy(built) == made
    if cls is not TemplateContext:  # (its case may be anything; the others pickle)
        assert pickle.loads(pickle.dumps(built)) == made
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.repeat = 9
    assert build(*values) is not built  # a new instance each time


def test_a_field_added_or_moved_is_an_error_where_the_builder_is_made() -> None:
    with pytest.raises(TypeError, match="fields are"):
        builder(runner.WorkItem, "repeat", "case", "confirmation")
    with pytest.raises(TypeError, match="fields are"):
        builder(runner.WorkItem, "case", "repeat")


@dataclass(frozen=True)
class _Post:
    a: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", self.a + 1)


@dataclass(frozen=True)
class _Init:
    a: int
    b: InitVar[int]


@dataclass(frozen=True)
class _NotInit:
    a: int
    b: int = field(default=0, init=False)


@dataclass
class _Mutable:
    a: int


@dataclass(frozen=True, slots=True)
class _Base:
    a: int


@dataclass(frozen=True, slots=True)
class _Derived(_Base):
    b: int


@pytest.mark.parametrize("cls", [_Post, _Init, _NotInit, _Mutable, _Derived])
def test_a_class_the_twin_cannot_stand_for_is_built_by_its_own_init(cls: Any) -> None:
    assert builder(cls, *_names(cls)) is cls


def test_the_runs_records_are_built_by_twins() -> None:
    assert runner._case_result is not CaseResult
    assert runner._context is not TemplateContext
    assert runner._work_item is not runner.WorkItem
    assert scoring._case_score is not scoring.CaseScore
