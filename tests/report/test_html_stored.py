"""Shown passing results go into the HTML page from their stored lines as they are
(report/htmlline.py), entries as JSON text written directly (report/htmltext.py): the page is
byte for byte the one the general way makes (and the one legacy.py made), on the lines
ResultsWriter writes and on hand-edited ones, with secrets, big answers, non-ASCII text and
``</script>`` in answers; a damaged shown line is reported as before."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from evalgate import masking
from evalgate.cli.main import main
from evalgate.errors import ConfigError
from evalgate.model import ToolCall
from evalgate.report import details as details_mod
from evalgate.report import html as html_mod
from evalgate.report.html import render_html
from evalgate.report.htmlline import repeat_text
from evalgate.report.view import RunView
from evalgate.results import CaseResult, read_results
from evalgate.results_check import check_result_line
from evalgate.results_line import ResultLines
from evalgate.scorers.registry import ScoreRecord
from evalgate.summary import RunMeta, build_summary
from tests.report import legacy
from tests.report.runs import HOSTILE, res, write_run

MAX = html_mod.MAX_FIELD
ODD = 'ünï \u2028\u2029 </script><!-- & \x00\x08\x0b\x1f\x7f "q" \\ \t\r\n 😀'


def _with(r: CaseResult, **answer: Any) -> CaseResult:
    assert r.response is not None
    return replace(r, response=replace(r.response, **answer))


def _written() -> dict[str, CaseResult]:
    """Passing results as a run writes them, each of a shape the page shows differently."""
    base = res("plain", passes=("contains", "citation"))
    wide = {f"k{i:05d}": 0 for i in range(1_800)}  # compact under the cap, spaced over it
    assert len(json.dumps(wide, separators=(",", ":"))) <= MAX < len(json.dumps(wide))
    return {
        "plain": base,
        "odd-text": _with(base, output=ODD, model=ODD, trace_id=ODD, citations=(ODD, "x")),
        "hostile": _with(base, output=HOSTILE, prompt_version="</script>"),
        "answer-at-cap": _with(base, output="a" * MAX),
        "answer-over-cap": _with(base, output="é" * (MAX + 1)),
        "request-big": replace(base, request={"m": "x" * (MAX - 100)}),
        "request-over-cap": replace(base, request={"m": "x" * MAX}),
        "request-spaced-over": replace(base, request=wide),
        "request-text": replace(base, request="y" * (MAX + 5)),
        "request-none": replace(base, request=None),
        "request-list": replace(base, request=[1, 2.5, None, True, {"a": ["</script>"]}]),
        "tools": _with(
            base,
            tool_calls=(
                ToolCall("lookup", {"html": "</script>", "n": [1, 2]}, "write", "t9"),
                ToolCall("plain"),
                ToolCall("only-id", id="c1"),
            ),
        ),
        "no-answer": _with(base, output=None, model=None, prompt_version=None, trace_id=None),
        "negative-zero": replace(base, score=-0.0, latency_ms=-0.0),
        "zero-latency": replace(base, latency_ms=0.0),
        "tiny": replace(base, score=1e-7, latency_ms=1e22),
        "error-text": replace(base, error=ODD),
        "no-scores": replace(base, scores=()),
        "reasons": replace(base, scores=(ScoreRecord("c", 0.5, True, ODD, weight=3.0),)),
        "reason-lookalike": replace(
            base, scores=(ScoreRecord("c", 1.0, True, '],"latency_ms":1,"request":{}'),)
        ),
        "repeat-7": replace(base, repeat=7, tags=("a", ODD)),
        "extra": _with(base, extra={"k": [1, {"x": ODD}]}, missing=("cost_usd",)),
    }


# results the general way shows: a score record with more fields, several turns, no answer
_GENERAL = {
    "judge": replace(
        res("judge"), scores=(ScoreRecord("llm_judge", 0.9, True, "ok", judge={"m": 1}),)
    ),
    "scorer-error": replace(
        res("scorer-error"), scores=(ScoreRecord("c", 1.0, True, "", error="e", turn=1),)
    ),
    "no-response": replace(res("no-response"), response=None),
    "nested-lookalike": replace(  # a record's value holds the text that ends the list
        res("nested"), scores=(ScoreRecord("j", 1.0, True, "", judge={"x": [], "latency_ms": 1}),)
    ),
    "failed": res("failed", fails=(("contains", "missing"),)),
}


def _raw(r: CaseResult) -> bytes:
    return (ResultLines().line(r) + "\n").encode("utf-8")


def _general(raw: bytes) -> str:
    """The page's text of a plain line, made the general way."""
    d = json.loads(raw.decode("utf-8", "replace"))
    check_result_line(d)
    assert details_mod.plain(d)
    return html_mod._EMBED.encode(html_mod._repeat_of_line(d))


@pytest.mark.parametrize("name", sorted(_written()))
def test_a_written_line_is_shown_from_its_text(name: str) -> None:
    raw = _raw(_written()[name])
    got = repeat_text(raw)
    assert got is not None, name  # read here, not left to the general way
    assert got == _general(raw)


@pytest.mark.parametrize("name", sorted(_GENERAL))
def test_other_results_are_left_to_the_general_way(name: str) -> None:
    assert repeat_text(_raw(_GENERAL[name])) is None


def _edit(raw: bytes, old: bytes, new: bytes) -> bytes:
    assert old in raw, old
    return raw.replace(old, new, 1)


_PLAIN = _raw(res("e", passes=("contains",)))
EDITS = {  # hand edits: shown from the text only where that is the general way's page
    "escaped-letter": (b"30 days", b"30 d\\u0061ys"),
    "escaped-slash": (b"30 days", b"30\\/days"),
    "upper-hex": (b"30 days", b"30\\u001Fdays"),
    "int-score": (b'"passed":true,"score":1.0', b'"passed":true,"score":1'),
    "int-latency": (b'"latency_ms":120.0,"request"', b'"latency_ms":120,"request"'),
    "exponent": (b'"latency_ms":120.0,"request"', b'"latency_ms":1.2E2,"request"'),
    "spaced": (b'"repeat":0,', b'"repeat": 0,'),
    "score-over": (b'"passed":true,"score":1.0', b'"passed":true,"score":2.0'),
    "huge-latency": (b'"latency_ms":120.0,"request"', b'"latency_ms":1e999,"request"'),
    "nan-request": (b'"request":{"message"', b'"request":{"n":NaN,"message"'),
    "twice-in-request": (b'"request":{"message"', b'"request":{"message":1,"message"'),
    "deep-request": (b'"request":{', b'"request":' + b"[" * 100_000 + b"]" * 100_000 + b",{"),
    "no-newline": (b"}\n", b"}"),
    "crlf": (b"}\n", b"}\r\n"),
    "bom": (b'{"format_version"', b'\xef\xbb\xbf{"format_version"'),
    "bad-utf8": (b"30 days", b"30 \xff days"),
    "raw-tab": (b"30 days", b"30\tdays"),
    "empty-id": (b'"case_id":"e"', b'"case_id":""'),
    "null-tools": (b'"tool_calls":[{"name":"search_kb"', b'"tool_calls":null,"x":[{"name":"s"'),
    "tool-order": (
        b'{"name":"search_kb","arguments":{"query":"refund"}}',
        b'{"arguments":{"query":"refund"},"name":"search_kb"}',
    ),
    "tool-null-id": (
        b'"arguments":{"query":"refund"}}',
        b'"arguments":{"query":"refund"},"id":null}',
    ),
    "tool-odd-name": (b'"name":"search_kb"', b'"name":7'),
    "extra-list": (b'"extra":{}', b'"extra":[]'),
    "weight-int": (b'"weight":1.0}]', b'"weight":1}]'),
    "turns": (b'"turns":[]', b'"turns":[{"outcome":"success"}]'),
    "failed": (b'"status":"passed"', b'"status":"failed"'),
    "outcome": (b'"outcome":"success"', b'"outcome":"exploded"'),
}
TAKEN = {
    "int-score",
    "int-latency",
    "twice-in-request",
    "tool-order",
    "tool-null-id",
    "weight-int",
    "bad-utf8",
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_edited_line_is_shown_as_the_general_way_shows_it(name: str) -> None:
    raw = _edit(_PLAIN, *EDITS[name])
    got = repeat_text(raw)
    if name in TAKEN:  # still one plain line the text says all of
        assert got == _general(raw)
    else:
        assert got is None


def _run(tmp: Path, results: list[CaseResult]) -> Path:
    summary = build_summary(results, RunMeta("run-stored", "2026-01-01T00:00:00Z"), None)
    return write_run(tmp / "run", results, summary)


def _legacy(run_dir: Path) -> str:
    summary = RunView.load(run_dir).summary
    return str(legacy.render_html(RunView.build(read_results(run_dir), summary, run_dir=run_dir)))


def _stored_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the page if any shown line is made the general way."""

    def refuse(*_: Any) -> Any:
        raise AssertionError("made the general way")

    monkeypatch.setattr(details_mod.Details, "resolve", refuse)
    monkeypatch.setattr(html_mod, "_repeat_of_line", refuse)


def test_a_run_of_written_lines_is_shown_from_them_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = [replace(r, case_id=name) for name, r in _written().items()]
    run_dir = _run(tmp_path, results)
    old = _legacy(run_dir)
    _stored_only(monkeypatch)
    assert render_html(RunView.load(run_dir)) == old


def test_mixed_runs_are_the_old_page(tmp_path: Path) -> None:
    results = [replace(r, case_id=name) for name, r in {**_written(), **_GENERAL}.items()]
    run_dir = _run(tmp_path, [*results, replace(results[0], repeat=1, latency_ms=3.0)])
    assert render_html(RunView.load(run_dir)) == _legacy(run_dir)


@pytest.mark.parametrize("secret", ["sk-inert-secret-0001", 'sk-"quoted"-secret\\0002'])
def test_a_secret_registered_after_the_run_is_masked_as_before(tmp_path: Path, secret: str) -> None:
    masking.clear()
    out = f"the key is {secret}, {ODD}"
    leaky = _with(res("leaky"), output=out)
    # its JSON-escaped form, as text: written otherwise inside the page's JSON
    escaped = _with(res("escaped"), trace_id=json.dumps(secret)[1:-1])
    run_dir = _run(tmp_path, [leaky, escaped, res("clean"), res("other", passes=("x",))])
    try:
        masking.register([secret])  # as 'evalgate report' with a config that names it
        assert masking.inert_in_json() is ('"' not in secret)
        page = render_html(RunView.load(run_dir))
        assert page == _legacy(run_dir)
        assert secret not in page and json.dumps(secret)[1:-1] not in page
        assert masking.MASK in page
    finally:
        masking.clear()
    assert masking.inert_in_json()


def test_a_damaged_shown_line_is_reported_as_before(tmp_path: Path) -> None:
    run_dir = _run(tmp_path, [res("a"), res("b"), res("c")])
    view = RunView.load(run_dir)  # as a run holds its results: read before the damage
    path = run_dir / "results.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1] = _edit(lines[1], b'"passed":true,"score":1.0', b'"passed":true,"score":2.0')
    path.write_bytes(b"".join(lines))
    with pytest.raises(ConfigError, match=r"results\.jsonl:2:1: damaged result line"):
        render_html(view)
    assert main(["report", str(run_dir), "--quiet"]) == 2  # 'evalgate report' refuses it


KEYS = [
    b'"a\\u0041b"',
    b'"\xc3\xbcn\xc3\xaf"',
    b'"\xff"',
    b'"a\tb"',
    b'"\xed\xa0\x80"',
    b'"\\ud800"',
    b'"plain-id"',
    b'"a\\"b"',
]


@pytest.mark.parametrize("quoted", KEYS)
def test_a_case_id_is_read_from_a_line_start_as_the_decoder_reads_it(quoted: bytes) -> None:
    raw = b'{"format_version":1,"case_id":' + quoted + b',"dataset":"d","repeat":3,'
    try:
        want: Any = json.loads(quoted)
    except ValueError:
        want = None
    assert details_mod._key(raw) == (None if want is None else (want, 3))


def test_results_of_an_in_memory_view_are_shown_as_before() -> None:
    results = [replace(r, case_id=name) for name, r in _written().items()]
    summary = build_summary(results, RunMeta("mem", "2026-01-01T00:00:00Z"), None)
    view = RunView.build(results, summary)
    assert render_html(view) == legacy.render_html(view)
