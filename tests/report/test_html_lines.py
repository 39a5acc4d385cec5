"""The HTML page's entries of plain passing cases are made from the stored lines' objects,
without rebuilding results: the page stays byte for byte the old one on odd stored lines too
(hand-edited figures, other layouts, missing fields, bad UTF-8, hostile text, secrets)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from evalgate import masking
from evalgate.engine.stored import present_stored
from evalgate.errors import ConfigError
from evalgate.model import Response, ToolCall
from evalgate.report.details import Details, plain
from evalgate.report.html import render_html
from evalgate.report.view import RunView
from evalgate.results import CaseResult, TurnRecord, read_results
from evalgate.summary import RunMeta, build_summary
from tests.report import legacy
from tests.report.runs import HOSTILE, res, write_run

SECRET = "sk-lines-secret-0077"
Edit = Callable[[dict[str, Any]], dict[str, Any]]


def _ints(d: dict[str, Any]) -> dict[str, Any]:
    d["score"], d["latency_ms"] = 1, 5
    d["response"]["latency_ms"] = 3
    for s in d["scores"]:
        s["score"], s["weight"] = 1, 2
    return d


def _reversed(d: dict[str, Any]) -> dict[str, Any]:
    return dict(reversed(list(d.items())))


def _no_response(d: dict[str, Any]) -> dict[str, Any]:
    d["response"] = None
    return d


def _sparse(d: dict[str, Any]) -> dict[str, Any]:
    for k in ("outcome", "repeat", "error", "request", "tags", "turns"):
        d.pop(k, None)
    for k in ("missing", "citations", "tool_calls", "extra"):
        d["response"].pop(k, None)
    d["response"]["retrieved"] = None
    for s in d["scores"]:
        s["reason"] = None
        s.pop("weight", None)
    return d


def _tools(d: dict[str, Any]) -> dict[str, Any]:
    d["response"]["tool_calls"] = [
        {"name": "search_kb", "arguments": None, "permission": "read", "id": "c1", "x": 1},
        {"arguments": {"q": f"<b>{SECRET}</b>"}},
    ]
    return d


def _no_version(d: dict[str, Any]) -> dict[str, Any]:
    d.pop("format_version")
    return d


def _odd_weight(d: dict[str, Any]) -> dict[str, Any]:
    d["scores"][0]["weight"] = True  # read as 1.0: kept, but not taken as a plain line
    return d


def _turns(d: dict[str, Any]) -> dict[str, Any]:
    turn = TurnRecord({"m": "hi"}, Response(output="turn answer"), "success", 3.0)
    d["turns"] = [turn.to_dict()]
    return d


EDITS: dict[str, Edit] = {
    "ints": _ints,
    "reversed": _reversed,
    "no-response": _no_response,
    "sparse": _sparse,
    "tools": _tools,
    "no-version": _no_version,
    "odd-weight": _odd_weight,
    "turns": _turns,
}
PLAIN = {"ints", "reversed", "no-response", "sparse", "tools", "as-written", "bad-utf8", "request"}


def _results() -> list[CaseResult]:
    out = [res(name, output=f"{HOSTILE} {SECRET} ünï \u2028") for name in EDITS]
    out += [res("as-written", repeat=k, latency=10.0 * k) for k in range(3)]
    out += [res("bad-utf8"), res("failed", fails=(("contains", f"<i>{SECRET}</i>"),))]
    tool = ToolCall("lookup", {"id": 7, "html": "</script>"}, permission="write", id="t9")
    return [*out, _with_request(res("request"), tool)]


def _with_request(r: CaseResult, tool: ToolCall) -> CaseResult:
    assert r.response is not None
    resp = replace(r.response, tool_calls=(tool,), trace_id="tr-1")
    return replace(r, request={"message": f"<!-- {SECRET} -->", "n": [1, 2.5]}, response=resp)


def _write(tmp: Path) -> Path:
    results = _results()
    summary = build_summary(results, RunMeta("run-lines", "2026-01-01T00:00:00Z"), None)
    run_dir = write_run(tmp / "run", results, summary)
    path = run_dir / "results.jsonl"
    lines = []
    for raw in path.read_bytes().splitlines(keepends=True):
        d = json.loads(raw)
        edit = EDITS.get(d["case_id"])
        if edit is not None:
            d = edit(d)
        text = json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        if d["case_id"] == "bad-utf8":  # a byte that is not UTF-8, inside the answer
            text = text.replace(b"30 days", b"30 \xff days")
        lines.append(text)
    path.write_bytes(b"".join(lines))
    return run_dir


@pytest.mark.parametrize("secret", [False, True])
def test_the_page_is_the_old_one_on_odd_lines(tmp_path: Path, secret: bool) -> None:
    masking.clear()
    if secret:
        masking.register([SECRET])
    try:
        run_dir = _write(tmp_path)
        summary = RunView.load(run_dir).summary
        old = legacy.render_html(RunView.build(read_results(run_dir), summary, run_dir=run_dir))
        assert render_html(RunView.load(run_dir)) == old
        assert render_html(present_stored(run_dir)) == old
        assert (SECRET in old) is not secret
    finally:
        masking.clear()


def test_plain_lines_come_as_objects_that_rebuild_to_the_results(tmp_path: Path) -> None:
    run_dir = _write(tmp_path)
    ids = sorted({r.case_id for r in _results()})
    details = Details(run_dir, set(ids))
    as_lines = dict(zip(ids, details.read_lines(ids), strict=True))
    as_results = dict(zip(ids, details.read(ids), strict=True))
    assert {i for i, got in as_lines.items() if isinstance(got[0], dict)} == PLAIN
    for case_id, got in as_lines.items():
        rebuilt = [x if isinstance(x, CaseResult) else CaseResult.from_dict(x) for x in got]
        assert rebuilt == as_results[case_id]
    by_key = {(r.case_id, r.repeat): r for r in read_results(run_dir)}
    assert all(r == by_key[(r.case_id, r.repeat)] for rs in as_results.values() for r in rs)


def _line(d: dict[str, Any]) -> str:
    return json.dumps(d, separators=(",", ":")) + "\n"


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(score=2),  # fails the line check
        lambda d: d["scores"][0].update(weight="heavy"),  # fails the rebuild
        lambda d: d["response"].update(missing=7),
        lambda d: d["turns"].append({"outcome": "exploded"}),
    ],
)
def test_a_damaged_shown_line_is_reported_as_before(tmp_path: Path, damage: Any) -> None:
    path = tmp_path / "results.jsonl"
    d = res("a").to_dict()
    damage(d)
    path.write_text(_line(res("b").to_dict()) + _line(d) + _line(res("c").to_dict()))
    with pytest.raises(ConfigError, match=r"results\.jsonl:2:1: damaged result line"):
        list(Details(path, {"a"}).read_lines(["a"]))
    assert not plain(d) or d.get("score") == 2


def test_only_passing_single_turn_lines_are_plain() -> None:
    assert plain(res("a").to_dict())
    assert not plain(res("a", fails=(("contains", "x"),)).to_dict())
    assert not plain(res("a", status="error", error="boom").to_dict())
    assert not plain(_turns(res("a").to_dict()))
    assert not plain(_odd_weight(res("a").to_dict()))
