"""Endpoint JSON that Python decodes but could not keep: too deep, huge numbers, surrogates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalgate import jsonsafe
from evalgate.config.model import ResponseMapping
from evalgate.results import CaseResult, read_results
from evalgate.results_writer import ResultsWriter
from evalgate.target.mapping import ResponseMapper, Timing


def _nested(depth: int) -> str:
    return '{"output": ' + "[" * depth + '"x"' + "]" * depth + "}"


@pytest.mark.parametrize("depth", [jsonsafe.MAX_DEPTH, 1_000, 100_000])
def test_deep_answers_are_refused_before_anything_walks_them(depth: int) -> None:
    with pytest.raises(jsonsafe.TooDeep):
        jsonsafe.loads(_nested(depth))


def test_a_deep_object_is_refused_too() -> None:
    text = '{"a": ' * 200 + "1" + "}" * 200
    with pytest.raises(jsonsafe.TooDeep):
        jsonsafe.loads(text)


def test_answers_within_the_limit_load_unchanged() -> None:
    text = _nested(jsonsafe.MAX_DEPTH - 2)
    assert jsonsafe.loads(text) == json.loads(text)


def test_an_integer_python_cannot_read_is_a_huge_number() -> None:
    with pytest.raises(jsonsafe.HugeNumber):
        jsonsafe.loads('{"output": ' + "7" * 5000 + "}")


def test_lone_surrogates_become_replacement_characters_in_keys_and_values() -> None:
    value = jsonsafe.loads(
        '{"out\\udc00": ["a\\ud800b", {"k": "\\udfff"}], "ok": "\\ud83d\\ude00"}'
    )
    assert value == {"out\ufffd": ["a\ufffdb", {"k": "\ufffd"}], "ok": "\U0001f600"}
    json.dumps(value, ensure_ascii=False).encode("utf-8")  # encodable now


def test_mapped_tool_arguments_nested_too_deep_are_kept_raw() -> None:
    mapper = ResponseMapper(ResponseMapping(output="output", tool_calls="calls"))
    args = "[" * 5000 + "]" * 5000
    body = {"output": "x", "calls": [{"name": "t", "arguments": args}]}
    response = mapper.map_json(body, Timing(1.0))
    assert response.tool_calls[0].arguments == {"_raw": args}


def test_the_writer_keeps_a_line_with_a_lone_surrogate(tmp_path: Path) -> None:
    # whatever reaches the writer (a scorer's reason, a file name that is not UTF-8) is written
    result = CaseResult("c\udcff", "d", 0, "failed", "success", False, 0.0, error="bad \ud800")
    with ResultsWriter(tmp_path) as w:
        w.write(result)
    back = read_results(tmp_path)
    assert [r.error for r in back] == ["bad \ud800"]  # the JSON escape reads back the same


def test_a_results_line_nested_past_the_decoder_is_a_damaged_line(tmp_path: Path) -> None:
    from evalgate.errors import ConfigError

    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "results.jsonl").write_text('{"case_id": ' + deep + "}\n")
    with pytest.raises(ConfigError, match="damaged result line"):
        read_results(tmp_path)


def test_numbers_no_json_file_can_hold_become_null() -> None:
    value = jsonsafe.loads('{"a": 1e400, "b": -1e400, "c": NaN, "d": [Infinity, 1.5]}')
    assert value == {"a": None, "b": None, "c": None, "d": [None, 1.5]}


@pytest.mark.parametrize(
    "data",
    [
        b'{"output": "\xed\xa0\x80"}',  # a surrogate written as raw UTF-8 bytes
        '{"output": "\ud800"}'.encode("utf-16-le", "surrogatepass"),  # a UTF-16 document
        '{"output": "\ud800"}'.encode("utf-32", "surrogatepass"),
    ],
)
def test_a_lone_surrogate_in_raw_bytes_is_replaced_too(data: bytes) -> None:
    assert jsonsafe.loads(data) == {"output": "\ufffd"}


@pytest.mark.parametrize("as_bytes", [False, True])
def test_the_quick_path_loads_what_the_full_walk_loads(as_bytes: bool) -> None:
    # answers with nothing to replace skip the walk; the result must not change
    docs = [
        '{"output": "plain", "n": [1, 2.5, null, true], "o": {"k": "v"}}',
        '{"output": "caf\u00e9 \u2014 \U0001f600"}',
        '{"output": "a\\u00e9\\ud83d\\ude00"}',
        _nested(jsonsafe.MAX_DEPTH - 2),
        "[" * 32 + "]" * 32,
    ]
    for text in docs:
        data: str | bytes = text.encode() if as_bytes else text
        assert jsonsafe.loads(data) == jsonsafe.clean(json.loads(text)) == json.loads(text)


_DECODED = [
    b'{"a": 1.5}',
    "\ufeff{}",
    b"\xef\xbb\xbf{}",
    "\ufeff".encode("utf-16") + "[1]".encode("utf-16-le"),
    "[2]".encode("utf-32-be"),
    bytearray(b"[3]"),
    b"",
    " ",
    b'{"a":',
    '{"n": NaN, "x": 1e400}',
]


@pytest.mark.parametrize("text", _DECODED)
def test_the_decoder_made_once_reads_as_json_loads_does(text: str | bytes) -> None:
    def outcome(read: Any) -> str:
        try:
            return repr(read(text))
        except ValueError as e:
            return f"{type(e).__name__}: {e}"

    expected = outcome(
        lambda t: json.loads(t, parse_float=jsonsafe._finite, parse_constant=jsonsafe._no_constant)
    )
    assert outcome(jsonsafe._json_loads) == expected
