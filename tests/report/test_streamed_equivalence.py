"""The streamed reporters write what the whole-document ones wrote, byte for byte, on varied
runs: failures, errors, skips, pending cases, repeats, confirmation repeats, re-written
results, regressions, baselines with answers, advisory judge failures, hostile text, secrets,
and the cap on the cases shown in detail. The old renderers are kept in ``legacy.py``."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from evalgate import masking
from evalgate.engine.stored import present_stored
from evalgate.fsutil import atomic_write_text
from evalgate.gate.verdict import CaseDelta, Reason, Verdict
from evalgate.report import html as html_mod
from evalgate.report import markdown as markdown_mod
from evalgate.report import view as view_mod
from evalgate.report import write_reports
from evalgate.report.html import render_html
from evalgate.report.junit import render_junit
from evalgate.report.view import RunView
from evalgate.results import CaseResult, read_results
from evalgate.scorers.registry import ScoreRecord
from evalgate.summary import RunMeta, build_summary
from tests.report import legacy
from tests.report.runs import HOSTILE, res, write_run

SECRET = "sk-streamed-secret-0042"
DATASETS = ("support", "security", "ünï & <x>")
OUTPUTS = ("You have 30 days [kb-refunds].", HOSTILE, "", f"the key is {SECRET}", "ok\r\n\ttab")


def _case_results(rng: random.Random, i: int) -> list[CaseResult]:
    cid = f"case-{i:03d}" if rng.random() < 0.9 else f"case-{i:03d} <&\"'>"
    ds = rng.choice(DATASETS)
    tags = rng.sample(("a", "b", "<t>"), rng.choice((0, 1, 2)))
    out: list[CaseResult] = []
    for rep in range(rng.choice((1, 1, 2, 3))):
        kind = rng.choice(("pass", "pass", "fail", "error", "scorer-error", "skip", "advisory"))
        common: dict[str, Any] = {
            "dataset": ds, "line": i + 1, "repeat": rep, "tags": tags,
            "output": rng.choice(OUTPUTS), "latency": rng.uniform(1, 900),
        }  # fmt: skip
        if kind == "fail":
            why = rng.choice(("missing '30 days'", HOSTILE, 'tab\there\r\nnext & "q"'))
            r = res(cid, fails=(("contains", why),), **common)
        elif kind == "error":
            r = res(cid, status="error", outcome="timeout", error=f"timed out {SECRET}", **common)
        elif kind == "scorer-error":
            r = res(cid, status="error", error="scorer raised ValueError", **common)
        elif kind == "skip":
            r = res(cid, status="skipped", error="skipped: needs a tool", **common)
        else:
            r = res(cid, **common)
            if kind == "advisory":
                judge = ScoreRecord("llm_judge", 0.2, False, "too terse", advisory=True)
                r = replace(r, scores=(*r.scores, judge))
        out.append(r)
    if rng.random() < 0.15:  # a confirmation repeat of a flip
        out.append(replace(out[0], repeat=len(out), confirmation=True))
    return out


def _run(seed: int, tmp: Path) -> tuple[Path, dict[str, dict[str, Any]] | None]:
    rng = random.Random(seed)
    n = rng.randint(1, 40)
    results = [r for i in range(n) for r in _case_results(rng, i)]
    ids = list(dict.fromkeys(r.case_id for r in results))
    deltas, base = [], {}
    for cid in ids:
        kind = rng.choice(("shared", "shared", "new", "changed", None))
        if kind is None:
            continue
        answer = rng.choice((None, "The old answer.", HOSTILE, f"old {SECRET}"))
        score = rng.choice((None, 0.0, 0.5, 1.0))
        deltas.append(CaseDelta(cid, kind, score, rng.random(), 1.0, 0.5, base_answer=answer))
        if kind == "shared" and rng.random() < 0.5:
            base[cid] = {"score": score, "pass_rate": rng.choice((None, 1.0))}
    deltas.append(CaseDelta("gone-case", "removed", 1.0, None, 1.0, None))
    status = rng.choice(("pass", "fail", "inconclusive", None))
    verdict = None
    if status is not None:
        named = tuple(rng.sample(ids, min(len(ids), 3)))
        reasons = (
            Reason("regression", "score dropped", named, blocking=status == "fail"),
            Reason("info", "p-value 0.03", (), blocking=False),
            Reason("known_failures", "failing in the baseline too", named[:1], blocking=False),
        )
        source = {"kind": "file", "path": "b.json"}
        verdict = Verdict(status, reasons, "v1", 0.5, 0.7, 0.6, 0.03, "paired", 0.1,
                          tuple(deltas), baseline_source=source)  # fmt: skip
    pending = tuple(f"pending-{k}" for k in range(rng.choice((0, 0, 2))))
    meta = RunMeta(f"run-{seed}", "2026-01-01T00:00:00Z", pending_cases=pending)
    summary = build_summary(results, meta, verdict)
    rewritten = [replace(r, latency_ms=r.latency_ms + 1) for r in rng.sample(results, 2)]
    run_dir = write_run(tmp / f"run-{seed}", [*rewritten, *results], summary)
    return run_dir, (base or None) if rng.random() < 0.7 else None


def _old_view(run_dir: Path, base: dict[str, dict[str, Any]] | None) -> RunView:
    """The view the reports were made from before: every result complete, in memory."""
    summary = RunView.load(run_dir).summary
    return RunView.build(read_results(run_dir), summary, baseline=base, run_dir=run_dir)


def _compare(new_view: RunView, old_view: RunView, where: Path, mp: pytest.MonkeyPatch) -> None:
    new, old = where / "new", where / "old"
    names = {"junit": new / "j.xml", "markdown": new / "r.md", "html": new / "r.html"}
    write_reports(new_view, **names)
    atomic_write_text(old / "j.xml", legacy.render_junit(old_view))
    atomic_write_text(old / "r.html", legacy.render_html(old_view))
    with mp.context() as m:
        m.setattr(markdown_mod, "side_by_side", legacy.side_by_side)
        atomic_write_text(old / "r.md", markdown_mod.render_markdown(old_view))
    for path in names.values():
        assert path.read_bytes() == (old / path.name).read_bytes(), (where, path.name)


@pytest.mark.parametrize("seed", range(24))
def test_streamed_reports_are_the_old_ones(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if seed % 3 == 0:  # a small detail cap, so some passing cases are listed without details
        monkeypatch.setattr(view_mod, "DETAIL_ROWS", 4)
        for mod in (html_mod, legacy):
            monkeypatch.setattr(mod, "MAX_DETAILED", 4)
    masking.clear()
    if seed % 2:
        masking.register([SECRET])
    run_dir, base = _run(seed, tmp_path)
    # as 'evalgate run' writes them (compact results, with the baseline's figures) ...
    view = RunView.load(run_dir, baseline=base)
    _compare(view, _old_view(run_dir, base), tmp_path / "run", monkeypatch)
    # ... and as 'evalgate report' writes them from the run folder
    _compare(present_stored(run_dir), _old_view(run_dir, None), tmp_path / "report", monkeypatch)


def test_the_secret_never_reaches_a_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    masking.register([SECRET])
    run_dir, base = _run(5, tmp_path)
    paths = [run_dir / "j.xml", run_dir / "r.md", run_dir / "r.html"]
    write_reports(
        RunView.load(run_dir, baseline=base), junit=paths[0], markdown=paths[1], html=paths[2]
    )
    for p in paths:
        assert SECRET not in p.read_text(encoding="utf-8")


@pytest.mark.parametrize("seed", range(6))
def test_in_memory_views_render_as_before(seed: int, tmp_path: Path) -> None:
    """A view of complete results (the Python API's), no results file behind it."""
    run_dir, base = _run(seed, tmp_path)
    summary = RunView.load(run_dir).summary
    view = RunView.build(read_results(run_dir), summary, baseline=base)
    assert render_junit(view) == legacy.render_junit(view)
    assert render_html(view) == legacy.render_html(view)


@pytest.mark.parametrize("seed", range(4))
def test_rows_are_the_same_whatever_the_order_of_the_results(seed: int, tmp_path: Path) -> None:
    run_dir, base = _run(seed, tmp_path)
    results = read_results(run_dir)
    summary = RunView.load(run_dir).summary
    shuffled = list(results)
    random.Random(seed).shuffle(shuffled)
    ordered = RunView.build(results, summary, baseline=base).cases
    by_id = {r.case_id: r for r in RunView.build(shuffled, summary, baseline=base).cases}
    assert len(by_id) == len(ordered)  # rows come in the order cases first appear
    assert all(by_id[r.case_id] == r for r in ordered)
    assert all(list(r.repeats) == sorted(r.repeats, key=lambda x: x.repeat) for r in ordered)
