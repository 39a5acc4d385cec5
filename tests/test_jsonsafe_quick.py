"""jsonsafe.loads reads most answers the short way, with the long way's value or error."""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalgate import jsonsafe


def _long(data: bytes) -> Callable[[], Any]:
    """loads without the short way."""

    def read() -> Any:
        quick = jsonsafe._quick
        jsonsafe._quick = lambda d: jsonsafe._LONG_WAY  # type: ignore[assignment]
        try:
            return jsonsafe.loads(data)
        finally:
            jsonsafe._quick = quick  # type: ignore[assignment]

    return read


def _outcome(read: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "value", _typed(read())
    except Exception as exc:  # the same class and message
        return type(exc).__name__, str(exc)


def _typed(v: Any) -> Any:
    """``v`` with every value's type spelled out (1 and 1.0 and True differ)."""
    if isinstance(v, dict):
        return ("dict", [(k, _typed(x)) for k, x in v.items()])
    if isinstance(v, list):
        return ("list", [_typed(x) for x in v])
    return (type(v).__name__, repr(v))


def _same_both_ways(data: bytes) -> None:
    assert _outcome(lambda: jsonsafe.loads(data)) == _outcome(_long(data)), data[:200]


ANSWER = {
    "answer": "Customers can ask for a refund within 30 days [kb-refunds].",
    "citations": [{"doc_id": "kb-refunds"}],
    "retrieval": {"doc_ids": ["a", "b"], "top_score": 0.82, "n": 3},
    "refused": False,
    "none": None,
}

CASES = [
    json.dumps(ANSWER).encode(),
    json.dumps(ANSWER, ensure_ascii=False).encode(),
    json.dumps({"a": "café — ☕ 한국어 \U0001f600"}, ensure_ascii=False).encode(),  # 0xED: 한
    json.dumps({"a": "café"}).encode(),  # \u escapes: the long way
    b'{"a": "\\ud800"}',  # a lone surrogate, escaped
    '{"a": "\ud800"}'.encode("utf-8", "surrogatepass"),  # ... and as bytes
    b"[1, 2.5, -0.0, 1e400, -1e400, 12345678901234567890]",
    b'{"a": NaN, "b": Infinity, "c": -Infinity}',
    b'{"a": 1}  ',  # trailing whitespace
    b'{"a": 1} {"b": 2}',  # extra data
    b'  {"a": 1}',  # leading whitespace
    b'{"a": 1',  # cut short
    b"{}",
    b"[]",
    b"[",
    b"{",
    b"",
    b"null",
    b'"text"',
    b"42",
    b'{"a": "x\x00y"}',  # a NUL inside a string
    b'{\x00"\x00a\x00"\x00:\x001\x00}\x00',  # UTF-16-LE
    '{"a": 1}'.encode("utf-16"),  # with its byte order mark
    '{"a": 1}'.encode("utf-32-le"),
    codecs.BOM_UTF8 + b'{"a": 1}',
    b'{"a": "\xff"}',  # not UTF-8
    b'{"a": 1, "a": 2}',  # a repeated key: the last wins, both ways
    b'{"a": "\t"}',  # a control character in a string
    b"[" * jsonsafe.MAX_DEPTH + b"]" * jsonsafe.MAX_DEPTH,
    b"[" * (jsonsafe.MAX_DEPTH + 1) + b"]" * (jsonsafe.MAX_DEPTH + 1),
    b'{"a": "[[[[' + b"[" * 100 + b'"}',  # brackets in a string count too
    b"[" * 5000 + b"]" * 5000,
    b'{"a": ' + b"7" * 5000 + b"}",  # an integer too long to read
]


@pytest.mark.parametrize("data", CASES)
def test_the_short_way_reads_as_the_long_way(data: bytes) -> None:
    _same_both_ways(data)


def test_most_answers_take_the_short_way() -> None:
    for data in [*CASES[:3], b"{}", b"[1, 2.5]", b'{"a": 1, "a": 2}']:
        assert jsonsafe._quick(data) is not jsonsafe._LONG_WAY, data
    for data in (CASES[3], CASES[4], b'{"a": 1} ', b"null", b"[" * 65 + b"]" * 65):
        assert jsonsafe._quick(data) is jsonsafe._LONG_WAY, data


_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(_values, st.booleans(), st.sampled_from(["", " ", "\n"]))
def test_any_json_value_reads_the_same(value: Any, ascii_only: bool, pad: str) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, separators=(",", ":"))
    _same_both_ways((text + pad).encode("utf-8", "surrogatepass"))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=40))
def test_any_bytes_after_a_bracket_read_the_same(tail: bytes) -> None:
    _same_both_ways(b"{" + tail)
    _same_both_ways(b"[" + tail)
