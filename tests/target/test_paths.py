"""Direct path accessors give jmespath's results, and the mapping built on them is unchanged."""

from __future__ import annotations

from typing import Any

import jmespath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalgate.config.model import Pricing, ResponseMapping
from evalgate.target import mapping as mapping_module
from evalgate.target.mapping import MappingFailure, ResponseMapper, Timing
from evalgate.target.paths import accessor

KEYS = ["a", "b", "doc_id", "id", "x-y"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.sampled_from(["", "s", "a", "0"]),
)
bodies = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=14,
)


def _field() -> st.SearchStrategy[str]:
    return st.sampled_from(["a", "b", "doc_id", "id", '"x-y"', "missing"])


def _step() -> st.SearchStrategy[str]:
    return st.one_of(
        _field().map(lambda f: "." + f),
        st.integers(-3, 3).map(lambda i: f"[{i}]"),
        st.just("[]"),
        st.just("[*]"),
    )


expressions = st.builds(
    lambda head, rest: head + "".join(rest), _field(), st.lists(_step(), max_size=4)
)

# forms the mappings in the docs and presets use, and the shapes around them
PLAIN = [
    "answer",
    "output",
    "usage.input_tokens",
    "citations[].doc_id",
    "retrieval.doc_ids",
    "choices[0].message.content",
    "choices[0].message.tool_calls",
    "choices[-1].message",
    "a[0][1]",
    "a[].b[].c",
    "a[*].b",
    "a[*]",
    "a[]",
    '"x-y".a',
    "a.b[0].c",
    "@",
]
OTHER = ["a[0:2]", "length(a)", "a || b", "a[?b == `1`]", "a.*", "{x: a}", "[a, b]", "a | b"]


def same(a: Any, b: Any) -> bool:
    return repr(a) == repr(b) and type(a) is type(b)


@pytest.mark.parametrize("expr", PLAIN)
def test_the_plain_forms_get_a_direct_accessor(expr: str) -> None:
    assert accessor(jmespath.compile(expr).parsed) is not None


@pytest.mark.parametrize("expr", OTHER)
def test_other_forms_stay_with_jmespath(expr: str) -> None:
    assert accessor(jmespath.compile(expr).parsed) is None


@settings(max_examples=300, deadline=None)
@given(expr=st.one_of(expressions, st.sampled_from(PLAIN)), body=bodies)
def test_a_direct_accessor_reads_what_jmespath_reads(expr: str, body: Any) -> None:
    compiled = jmespath.compile(expr)
    direct = accessor(compiled.parsed)
    assert direct is not None, expr
    # also inside the shapes the mappings expect (an object holding the value)
    for value in (body, {"a": body}, {"a": [body, {"b": body}]}, [body, [body]]):
        assert same(direct(value), compiled.search(value)), (expr, value)


FULL = ResponseMapping(
    output="a",
    citations="a[].doc_id",
    retrieved="b.doc_id",
    tool_calls="a",
    prompt_version="b.a",
    model="id",
    input_tokens="a[0]",
    output_tokens="b.a[-1]",
    trace_id='"x-y"',
    refused="b.b",
    extra={"n": "a[*].id", "w": "length(a)", "z": "doc_id"},
)


def _mapped(direct: bool, body: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(mapping_module, "_DIRECT", direct)
    mapper = ResponseMapper(FULL, {"m": Pricing(1.0, 2.0)})
    try:
        return repr(mapper.map_json(body, Timing(1.0, 200)))
    except MappingFailure as e:
        return f"MappingFailure: {e}"


@settings(max_examples=200, deadline=None)
@given(body=st.one_of(bodies, st.dictionaries(st.sampled_from(KEYS), bodies, max_size=5)))
def test_the_mapping_is_the_same_with_or_without_direct_accessors(body: Any) -> None:
    # the whole Response (every field, the "missing" list, the cost) or the failure message
    with pytest.MonkeyPatch.context() as mp:
        assert _mapped(True, body, mp) == _mapped(False, body, mp)


def test_missing_fields_are_reported_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    body = {"a": "text", "b": {"a": [1, None]}, "id": "m"}
    assert _mapped(True, body, monkeypatch) == _mapped(False, body, monkeypatch)
    missing = ("citations", "retrieved", "input_tokens", "output_tokens", "trace_id", "refused")
    assert f"missing={missing!r}" in _mapped(True, body, monkeypatch)
