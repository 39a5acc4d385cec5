"""The core records that flow through evalgate: cases, responses, scores.

Everything here is a frozen dataclass built at the edge (config loading, the target client);
the core never touches raw YAML or HTTP payloads.
"""

from __future__ import annotations

import marshal
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, NamedTuple

from evalgate.quickinit import quick_init

JSON = Any
"""A JSON-compatible value (dict, list, str, int, float, bool or None)."""

EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ScorerSpec:
    """One item of a case's ``expect`` list: a scorer name and its parameters.

    ``params`` is the raw parameter value from the golden file (``contains: "x"`` gives ``"x"``,
    ``citation: {...}`` gives a mapping). ``file``/``line``/``col`` point at the item.
    """

    name: str
    params: JSON
    file: str = ""
    line: int = 0
    col: int = 0
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Turn:
    """One turn of a multi-turn case: its input and the expectations on its response."""

    input: Mapping[str, JSON]
    expect: tuple[ScorerSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class Case:
    """One golden case, with defaults merged in, remembering where it was written."""

    id: str
    dataset: str
    input: Mapping[str, JSON] = field(default_factory=dict)
    expect: tuple[ScorerSpec, ...] = ()
    turns: tuple[Turn, ...] = ()
    tags: tuple[str, ...] = ()
    metadata: Mapping[str, JSON] = field(default_factory=dict)
    weight: float = 1.0
    repeat: int = 1
    threshold: float | None = None
    skip: bool = False
    skip_reason: str | None = None
    review: str | None = None
    source: Mapping[str, JSON] | None = None
    description: str | None = None
    file: str = ""
    line: int = 0
    content_hash: str = ""

    @property
    def is_multi_turn(self) -> bool:
        return bool(self.turns)

    @property
    def pending(self) -> bool:
        return self.review == "pending"

    @property
    def expect_names(self) -> tuple[str, ...]:
        """The names of the case's own scorers (``expect``, its turns' left out)."""
        return tuple(s.name for s in self.expect)


class SpecShape(NamedTuple):
    """A scorer of an expect list as cases with the same list share it: its line is relative
    to the case's own line (``relative``), or where it is (a file's default scorers)."""

    name: str
    params: JSON
    line: int
    col: int
    weight: float
    relative: bool = True


class ExpectShape(tuple[SpecShape, ...]):
    """The scorers of a case held as shapes (one object for every case whose expect list is
    the same and laid out alike); :class:`PackedCase` turns it into ScorerSpec records."""

    __slots__ = ()


_EXPECT_SLOT: Any = Case.__dict__["expect"]  # the field's own storage
_INPUT_SLOT: Any = Case.__dict__["input"]


def pack_input(value: Any) -> Any:
    """A case's input as it is held: a plain mapping as its ``marshal`` bytes (a third of
    the dict's size; read back equal: same keys in the same order, same values of the same
    types), anything else as it is: a value ``marshal`` refuses (a date from YAML, any
    subclass of a plain type), a mapping of another type."""
    if type(value) is not dict or not value:
        return value
    try:
        packed = marshal.dumps(value)
    except ValueError:
        return value
    # a copy of its exact size: marshal grows its buffer past 1 KB and shrinks it in place, so
    # the bytes it returns sit in the C heap between the set's other objects, and what is
    # freed around them cannot be given back
    return bytes(memoryview(packed))


class PackedCase(Case):
    """A :class:`Case` as the golden loader holds it, equal to the :class:`Case` with the same
    fields: ``expect`` may be held as an :class:`ExpectShape` that many cases share, and is
    then built into its :class:`ScorerSpec` records (with this case's file and lines) each
    time it is read; ``input`` may be held as bytes, read back as an equal new dict each
    time (see :func:`pack_input`). Every other field is the plain one."""

    __slots__ = ()

    @property
    def input(self) -> Mapping[str, JSON]:
        held = _INPUT_SLOT.__get__(self)
        if type(held) is bytes:
            return marshal.loads(held)  # type: ignore[no-any-return]
        return held  # type: ignore[no-any-return]

    @input.setter
    def input(self, value: Mapping[str, JSON]) -> None:  # the dataclass's __init__ only
        _INPUT_SLOT.__set__(self, pack_input(value))

    @property
    def expect(self) -> tuple[ScorerSpec, ...]:
        held = _EXPECT_SLOT.__get__(self)
        if type(held) is not ExpectShape:
            return held  # type: ignore[no-any-return]
        file, line = self.file, self.line
        return tuple(
            ScorerSpec(
                s.name, s.params, file, line + s.line if s.relative else s.line, s.col, s.weight
            )
            for s in held
        )

    @expect.setter
    def expect(self, value: tuple[ScorerSpec, ...]) -> None:  # the dataclass's __init__ only
        _EXPECT_SLOT.__set__(self, value)

    @classmethod
    def of(cls, *values: Any) -> PackedCase:
        """``PackedCase(*values)``: every field, in order, stored as given (what the
        dataclass's ``__init__`` does, without its cost per field: a golden set is built a
        case at a time); the input as it is held: :func:`pack_input` of the value."""
        case = object.__new__(cls)
        for store, value in zip(_STORES, values, strict=True):
            store(case, value)
        return case

    @property
    def expect_names(self) -> tuple[str, ...]:
        """:attr:`Case.expect_names`, without building the scorers' records."""
        held: tuple[ScorerSpec | SpecShape, ...] = _EXPECT_SLOT.__get__(self)
        return tuple(s.name for s in held)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Case):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in _FIELDS)

    __hash__ = Case.__hash__


_FIELDS = tuple(f.name for f in fields(Case))


def _store(name: str) -> Any:
    """How :meth:`PackedCase.of` stores a field: as the dataclass's ``__init__`` does, through
    PackedCase's own setter where it has one (``input`` is packed there), else the slot."""
    own = PackedCase.__dict__.get(name)
    return own.fset if isinstance(own, property) else Case.__dict__[name].__set__


_STORES: tuple[Any, ...] = tuple(_store(f) for f in _FIELDS)


def held_expect(case: Case) -> object:
    """What ``case`` holds its expect list as: one object for all the cases that share the
    list (a :class:`PackedCase`'s :class:`ExpectShape`, a :class:`Case`'s own tuple), so that
    work on the list alone is done once for all of them (see :mod:`evalgate.scoring`)."""
    return _EXPECT_SLOT.__get__(case)


@quick_init
@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool call made by the model, with decoded arguments."""

    name: str
    arguments: Mapping[str, JSON] = field(default_factory=dict)
    permission: str | None = None
    id: str | None = None

    def to_dict(self) -> dict[str, JSON]:
        d: dict[str, JSON] = {"name": self.name, "arguments": dict(self.arguments)}
        if self.permission is not None:
            d["permission"] = self.permission
        if self.id is not None:
            d["id"] = self.id
        return d


@quick_init
@dataclass(frozen=True, slots=True)
class Response:
    """The middleware's answer, mapped into one typed record.

    Fields the mapping did not find are ``None`` (or empty), never a silent empty string.
    """

    output: str | None = None
    citations: tuple[str, ...] = ()
    retrieved: tuple[str, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()
    prompt_version: str | None = None
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    latency_ms: float = 0.0
    ttft_ms: float | None = None
    trace_id: str | None = None
    refused: bool | None = None
    status_code: int | None = None
    extra: Mapping[str, JSON] = field(default_factory=dict)
    missing: tuple[str, ...] = ()  # mapped fields whose expression found nothing

    @property
    def total_tokens(self) -> int | None:
        if self.input_tokens is None and self.output_tokens is None:
            return None
        return (self.input_tokens or 0) + (self.output_tokens or 0)

    def to_dict(self) -> dict[str, JSON]:
        return {
            "output": self.output,
            "citations": list(self.citations),
            "retrieved": list(self.retrieved),
            "tool_calls": [t.to_dict() for t in self.tool_calls],
            "prompt_version": self.prompt_version,
            "model": self.model,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": self.cost_usd,
            "latency_ms": self.latency_ms,
            "ttft_ms": self.ttft_ms,
            "trace_id": self.trace_id,
            "refused": self.refused,
            "status_code": self.status_code,
            "extra": dict(self.extra),
            "missing": list(self.missing),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, JSON]) -> Response:
        tools = tuple(
            ToolCall(
                name=str(t.get("name", "")),
                arguments=dict(t.get("arguments") or {}),
                permission=t.get("permission"),
                id=t.get("id"),
            )
            for t in (d.get("tool_calls") or [])
            if isinstance(t, Mapping)
        )
        return cls(
            output=d.get("output"),
            citations=tuple(str(c) for c in d.get("citations") or ()),
            retrieved=tuple(str(c) for c in d.get("retrieved") or ()),
            tool_calls=tools,
            prompt_version=d.get("prompt_version"),
            model=d.get("model"),
            input_tokens=d.get("input_tokens"),
            output_tokens=d.get("output_tokens"),
            cost_usd=d.get("cost_usd"),
            latency_ms=float(d.get("latency_ms") or 0.0),
            ttft_ms=d.get("ttft_ms"),
            trace_id=d.get("trace_id"),
            refused=d.get("refused"),
            status_code=d.get("status_code"),
            extra=dict(d.get("extra") or {}),
            missing=tuple(str(m) for m in d.get("missing") or ()),
        )


@dataclass(frozen=True, slots=True)
class Score:
    """What a scorer returns: a value in [0, 1], pass/fail, and one actionable line."""

    value: float
    passed: bool
    reason: str = ""

    @classmethod
    def ok(cls, reason: str = "") -> Score:
        return cls(1.0, True, reason)

    @classmethod
    def fail(cls, reason: str, value: float = 0.0) -> Score:
        return cls(value, False, reason)
