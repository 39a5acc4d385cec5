"""``read_outline`` reads a summary as ``RunSummary.read`` does, without its per-case entries."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from evalgate.errors import ConfigError
from evalgate.gate.verdict import CaseDelta, Reason, Verdict
from evalgate.run_summary import RunSummary
from evalgate.summary import RunMeta, build_run_summary, write_summary
from evalgate.summary_outline import OUTLINED, read_outline
from tests.perf.test_memory import _result


def _doc(n: int = 6, gated: bool = True) -> dict[str, Any]:
    rng = random.Random(3)
    results = [_result(i, rng) for i in range(n)]
    meta = RunMeta(
        run_id="r1",
        started_at="2026-01-01T00:00:00+00:00",
        git={"sha": "abc", "branch": "main"},
        config_hash="h",
    )
    verdict = None
    if gated:
        deltas = tuple(
            CaseDelta(r.case_id, "shared", 0.5, r.score, 1.0, 0.0, "old" if i % 2 else None)
            for i, r in enumerate(results)
        )
        verdict = Verdict("fail", (Reason("regression", "worse", ("q000001",)),), deltas=deltas)
    return build_run_summary(results, meta, verdict).to_dict()


def _outcome(read: Callable[[Path], RunSummary], path: Path) -> RunSummary | str:
    try:
        return read(path)
    except ConfigError as exc:
        return f"ConfigError: {exc}"


def _same_but_entries(full: RunSummary, outline: RunSummary) -> None:
    assert list(outline.cases) == list(full.cases)
    assert all(v is OUTLINED for v in outline.cases.values())
    if full.verdict is not None:
        assert outline.verdict == replace(full.verdict, deltas=())
    assert replace(outline, cases={}, verdict=None) == replace(full, cases={}, verdict=None)


@pytest.mark.parametrize("gated", [True, False])
def test_a_written_summary_reads_as_read_does_without_its_entries(
    tmp_path: Path, gated: bool
) -> None:
    write_summary(tmp_path, _doc(gated=gated))
    full = RunSummary.read(tmp_path)
    assert full.cases and (full.verdict is None or full.verdict.deltas)
    _same_but_entries(full, read_outline(tmp_path))


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(d: dict[str, Any]) -> None:
        at: Any = d
        for k in path[:-1]:
            at = at[k]
        at[path[-1]] = value

    return edit


FIGURES = {"dataset": "d", "content_hash": "h", "file": "f", "line": 1, "tags": [], "n": 1,
           "errors": 0, "skipped": False, "score": 1.0, "pass_rate": 1.0}  # fmt: skip
DELTA = {"case_id": "x", "status": "shared", "base_score": 1.0, "score": 1.0,
         "base_pass_rate": 1.0, "pass_rate": 1.0, "delta": 0.0}  # fmt: skip

DAMAGE: dict[str, Callable[[dict[str, Any]], None]] = {
    "as written": lambda d: None,
    "case score not a number": _set(["cases", "q000002", "score"], "high"),
    "case score infinite": _set(["cases", "q000002", "score"], float("inf")),
    "case line not a number": _set(["cases", "q000003", "line"], "seven"),
    "case tags not a list": _set(["cases", "q000003", "tags"], 5),
    "case not an object": _set(["cases", "q000001"], [1]),
    "case is a delta": _set(["cases", "q000001"], dict(DELTA)),
    "two damaged cases": lambda d: (
        _set(["cases", "q000004", "line"], "x")(d),
        _set(["cases", "q000001", "score"], "y")(d),
    ),
    "delta without case id": _set(["verdict", "deltas", 2, "case_id"], 3),
    "delta score not a number": _set(["verdict", "deltas", 1, "score"], "low"),
    "delta status missing": _set(["verdict", "deltas", 0, "status"], None),
    "delta is figures": _set(["verdict", "deltas", 0], dict(FIGURES)),
    "deltas not a list": _set(["verdict", "deltas"], {"a": 1}),
    "verdict status": _set(["verdict", "status"], "maybe"),
    "totals": _set(["totals", "cases"], "many"),
    "target shaped as figures": _set(["target"], dict(FIGURES)),
    "git shaped as a delta": _set(["git"], dict(DELTA)),
    "stats holding figures": _set(["verdict", "stats", "x"], dict(FIGURES)),
    "rates": _set(["tags", "t"], {"passed": "x", "total": 1}),
    "cases not an object": _set(["cases"], [dict(FIGURES)]),
    "a case and a later field": lambda d: (
        _set(["cases", "q000002", "n"], "x")(d),
        _set(["reports", "junit"], {"a": 1})(d),
    ),
    "the whole file shaped as figures": lambda d: (d.clear(), d.update(FIGURES)),
    "format version": _set(["format_version"], 9),
}


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_outline_refuses_what_read_refuses_with_the_same_message(tmp_path: Path, name: str) -> None:
    doc = copy.deepcopy(_doc())
    DAMAGE[name](doc)
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    full, outline = _outcome(RunSummary.read, path), _outcome(read_outline, path)
    if isinstance(full, str) or isinstance(outline, str):
        assert outline == full
    else:
        _same_but_entries(full, outline)


@pytest.mark.parametrize("text", ["", "{", "[1, 2]", '{"format_version": 1}', "null"])
def test_outline_refuses_what_is_not_a_summary_as_read_does(tmp_path: Path, text: str) -> None:
    path = tmp_path / "summary.json"
    path.write_text(text, encoding="utf-8")
    assert _outcome(read_outline, path) == _outcome(RunSummary.read, path)
    assert _outcome(read_outline, tmp_path / "none") == _outcome(RunSummary.read, tmp_path / "none")


def _doc_outcome(read: Callable[[Path], Any], path: Path) -> Any:
    try:
        return read(path)
    except ConfigError as exc:
        return f"ConfigError: {exc}"


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_the_shown_summary_is_the_document_without_figures_and_refused_alike(
    tmp_path: Path, name: str
) -> None:
    from evalgate.run_summary import read_summary_document
    from evalgate.summary_outline import read_shown

    doc = copy.deepcopy(_doc())
    DAMAGE[name](doc)
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    whole, shown = _doc_outcome(read_summary_document, path), _doc_outcome(read_shown, path)
    if isinstance(whole, str) or isinstance(shown, str):
        assert shown == whole
        return
    assert list(shown["cases"]) == list(whole["cases"])
    # each entry is the placeholder or, where it is not one evalgate wrote, as written
    assert all(v in ({}, whole["cases"][k]) for k, v in shown["cases"].items())
    assert {**shown, "cases": None} == {**whole, "cases": None}
    if name in ("as written", "verdict status"):
        assert all(v == {} for v in shown["cases"].values())


def test_reports_of_a_stored_run_are_the_same_bytes(tmp_path: Path) -> None:
    from evalgate.report import write_reports
    from evalgate.report.view import RunView
    from evalgate.results_compact import read_compact
    from evalgate.run_summary import read_summary_document
    from evalgate.summary_outline import read_shown

    rng = random.Random(3)
    results = [_result(i, rng) for i in range(30)]
    with open(tmp_path / "results.jsonl", "w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r.to_dict()) + "\n")
    doc = _doc(30)
    write_summary(tmp_path, doc)
    compact = read_compact(tmp_path)
    out: dict[str, dict[str, bytes]] = {}
    for name, read in (("whole", read_summary_document), ("shown", read_shown)):
        view = RunView.build(compact, read(tmp_path), run_dir=tmp_path, details=tmp_path)
        where = tmp_path / name
        where.mkdir()
        written = write_reports(
            view, junit=where / "j.xml", markdown=where / "r.md", html=where / "r.html"
        )
        out[name] = {k: p.read_bytes() for k, p in written.items()}
    assert out["shown"] == out["whole"] and len(out["whole"]) == 3
