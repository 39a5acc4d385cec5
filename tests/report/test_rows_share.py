"""A view's rows share one record of baseline figures among the cases that have equal ones."""

from __future__ import annotations

from evalgate.gate.verdict import Verdict
from evalgate.report.view import RunView
from tests.report.runs import delta, res


def test_equal_baseline_figures_are_one_record_and_a_negative_zero_is_its_own() -> None:
    ids = [f"c{i:03d}" for i in range(30)]
    results = [res(cid) for cid in ids]
    deltas = [delta(cid, 1.0 if i % 3 else 0.5, 1.0) for i, cid in enumerate(ids)]
    deltas[4] = delta(ids[4], -0.0, 1.0)
    deltas[5] = delta(ids[5], 0.0, 1.0)
    verdict = Verdict("pass", deltas=tuple(deltas))
    rows = {r.case_id: r for r in RunView.build(results, {}, verdict=verdict).cases}
    assert [rows[c].base.score if rows[c].base else None for c in ids] == [
        d.base_score for d in deltas
    ]
    distinct = {id(rows[c].base) for c in ids}
    assert len(distinct) == 4  # 1.0, 0.5, 0.0 and -0.0: not one record per case
    zero = rows[ids[4]].base
    assert zero is not None and str(zero.score) == "-0.0" and zero is not rows[ids[5]].base
    # from the baseline's own figures too
    base = {cid: {"score": 0.25, "pass_rate": 1.0} for cid in ids}
    again = RunView.build(results, {}, verdict=verdict, baseline=base).cases
    assert len({id(r.base) for r in again}) == 1 and again[0].base is not None
    assert (again[0].base.score, again[0].base.pass_rate) == (0.25, 1.0)
