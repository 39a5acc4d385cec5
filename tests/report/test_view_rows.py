"""A view's rows are the same however its results arrive: ordered ones are cut into cases
one at a time, others grouped whole, with or without the caller's figures."""

from __future__ import annotations

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
