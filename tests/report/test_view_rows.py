"""A view's rows are the same however its results arrive: ordered ones are cut into cases
one at a time, others grouped whole, with or without the caller's figures."""

from __future__ import annotations

import itertools
import random
from typing import Any

from evalgate.report.view import CaseRow, RunView
from evalgate.results import CaseResult, aggregate
from evalgate.summary import RunMeta, build_summary
from tests.report.runs import res


def _results() -> list[CaseResult]:
    out = []
    for i in range(12):
        for rep in range(1 + i % 3):
            fails = (("contains", f"missing {i}"),) if (i + rep) % 4 == 0 else ()
            status = "error" if i == 6 else None
            out.append(
                res(f"c{i:02d}", repeat=rep, fails=fails, status=status, dataset=f"d{i % 2}")
            )
    return out


def _rows(results: list[CaseResult], **kw: Any) -> tuple[CaseRow, ...]:
    summary = build_summary(results, RunMeta("r", "2026-01-01T00:00:00Z"), None)
    return RunView.build(results, summary, **kw).cases


def test_rows_of_ordered_results_are_those_of_any_order() -> None:
    ordered = _results()
    shuffled = ordered[:]
    random.Random(5).shuffle(shuffled)
    want = _rows(shuffled)
    assert len(want) == 12 and any(r.status == "error" for r in want)
    assert _rows(ordered) == want
    assert _rows(ordered, stats=aggregate(ordered)) == want
    assert _rows(shuffled, stats=aggregate(ordered)) == want


def test_figures_of_other_cases_than_the_results_are_grouped_whole() -> None:
    ordered = _results()
    fewer = {k: v for k, v in aggregate(ordered).items() if k != "c03"}
    rows = _rows(ordered, stats=fewer)
    assert [r.case_id for r in rows] == list(fewer)
    assert rows == tuple(r for r in _rows(ordered) if r.case_id != "c03")


def test_each_row_has_its_cases_delta_whatever_the_order() -> None:
    from evalgate.gate.verdict import CaseDelta, Verdict

    ordered = _results()
    ids = sorted({r.case_id for r in ordered})
    deltas = [CaseDelta(cid, "shared", 0.25 * (i % 4), 1.0, 1.0, 1.0) for i, cid in enumerate(ids)]
    deltas.insert(3, CaseDelta("c02a", "removed", 0.5, None, 1.0, None))
    wanted = {d.case_id: d.base_score for d in deltas if d.status == "shared"}
    shuffled = ordered[:]
    random.Random(7).shuffle(shuffled)
    for ds in (deltas, deltas[::-1], [*deltas, CaseDelta("c05", "new", None, 1.0, None, 1.0)]):
        verdict = Verdict("pass", deltas=tuple(ds))
        for results in (ordered, shuffled):
            rows = _rows(results, verdict=verdict)
            if ds[-1].status == "new":  # the last delta written for a case is its own
                assert next(r for r in rows if r.case_id == "c05").compare == "new"
                continue
            assert {r.case_id: r.base.score for r in rows if r.base} == wanted
            assert all(r.compare == "shared" for r in rows)


def _singles() -> list[CaseResult]:
    """One repeat per case, of every status and of awkward scores (int, -0.0, nan, inf,
    none on a scored case, a failing pass)."""
    import dataclasses

    out: list[CaseResult] = []
    scores: tuple[Any, ...] = (1.0, 0.0, -0.0, 0.5, 1, 0, float("nan"), float("inf"), None, 0.3)
    statuses = ("passed", "failed", "error", "skipped")
    for i, (score, status) in enumerate(itertools.product(scores, statuses)):
        fails = (("contains", "missing"),) if status == "failed" else ()
        r = res(f"s{i:03d}", fails=fails, status=status, dataset=f"d{i % 3}", line=i, tags=("t",))
        out.append(dataclasses.replace(r, score=score, passed=bool(i % 2)))
    return out


def test_rows_of_single_repeats_hold_no_figures_and_read_aggregates_own() -> None:
    results = _singles()
    summary = build_summary(results, RunMeta("r", "2026-01-01T00:00:00Z"), None)
    made = RunView.build(results, summary).cases  # ordered, no figures given: none held
    given = RunView.build(results, summary, stats=aggregate(results)).cases
    assert all(r.figures is None for r in made) and all(r.figures is not None for r in given)
    assert len(made) == len(results)
    # equal as rows (a nan score is equal to no other nan: those are compared by repr)
    numbered = [i for i, r in enumerate(results) if r.score == r.score]
    assert [made[i] for i in numbered] == [given[i] for i in numbered]
    names = ("case_id", "dataset", "file", "line", "tags", "score", "pass_rate", "n", "passes")
    names += ("errors", "status", "latency_ms", "first_failure", "repeats_note", "flagged")
    for a, b in zip(made, given, strict=True):
        for name in names:
            x, y = getattr(a, name), getattr(b, name)
            assert (type(x), repr(x)) == (type(y), repr(y)), (a.case_id, name)
    assert {r.status for r in made} == {"passed", "failed", "error", "skipped"}


def test_reports_of_rows_without_figures_are_those_of_rows_with_them() -> None:
    from evalgate.report.html import render_html
    from evalgate.report.junit import render_junit
    from evalgate.report.markdown import render_markdown

    results = _singles()
    summary = build_summary(results, RunMeta("r", "2026-01-01T00:00:00Z"), None)
    made = RunView.build(results, summary)
    given = RunView.build(results, summary, stats=aggregate(results))
    assert made.cases[0].figures is None and given.cases[0].figures is not None
    for render in (render_junit, render_markdown, render_html):
        assert render(made) == render(given)
