"""Reports stay bounded on large runs: the HTML page details a capped number of passing cases."""

from __future__ import annotations

import pytest

from evalgate.report import RunView
from evalgate.report import html as html_report
from evalgate.results import CaseResult
from evalgate.summary import RunMeta, build_summary


def _result(i: int, passed: bool) -> CaseResult:
    return CaseResult(
        case_id=f"c{i:03d}",
        dataset="d",
        repeat=0,
        status="passed" if passed else "failed",
        outcome="success",
        passed=passed,
        score=1.0 if passed else 0.0,
        request={"message": f"question {i}"},
    )


def test_html_details_flagged_cases_and_caps_passing_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_report, "MAX_DETAILED", 3)
    results = [_result(i, passed=i != 7) for i in range(10)]
    summary = build_summary(results, RunMeta(run_id="r", started_at=""), None)
    data = html_report.report_data(RunView.build(results, summary))
    cases = {c["id"]: c for c in data["cases"]}
    assert len(cases) == 10  # every case is still listed, with its figures
    assert cases["c007"]["repeats"][0]["request"] == {"message": "question 7"}
    assert cases["c007"]["detail"] is None
    detailed = [cid for cid, c in cases.items() if c["repeats"]]
    assert len(detailed) == 3 and "c007" in detailed  # the failure first, then two passes
    capped = [c for c in cases.values() if not c["repeats"]]
    assert len(capped) == 7
    assert all("results.jsonl" in c["detail"] and c["score"] == 1.0 for c in capped)


def test_small_runs_keep_every_detail() -> None:
    results = [_result(i, passed=True) for i in range(5)]
    summary = build_summary(results, RunMeta(run_id="r", started_at=""), None)
    data = html_report.report_data(RunView.build(results, summary))
    assert all(len(c["repeats"]) == 1 and c["detail"] is None for c in data["cases"])
