"""RunView: cases grouped over repeats, statuses, baseline figures, what gets flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalgate.errors import ConfigError
from evalgate.report import RunView
from tests.report.conftest import view_of
from tests.report.runs import res


def test_statuses_and_flags() -> None:
    view = view_of("regressed")
    by_id = {c.case_id: c for c in view.cases}
    assert by_id["refund-window"].status == "failed"
    assert by_id["kb-timeout"].status == "error"
    assert by_id["skipped-case"].status == "skipped"
    assert by_id["new-case"].compare == "new" and by_id["new-case"].base is None
    assert by_id["refund-window"].blocking == ("regression", "critical")
    assert [c.case_id for c in view.flagged] == [
        "close-ticket-needs-confirmation", "hostile-output", "refund-window", "kb-timeout",
    ]  # fmt: skip
    assert view.removed == ("old-case",)


def test_repeats_fold_into_one_case() -> None:
    c = {c.case_id: c for c in view_of("regressed").cases}["close-ticket-needs-confirmation"]
    assert (c.n, c.passes, len(c.repeats)) == (3, 1, 3)
    assert c.status == "failed"  # the majority of repeats failed
    assert c.repeats_note == "passed 1/3 scored repeats"
    assert c.first_failure == "tool_call: close_ticket called with permission 'auto'"
    assert c.delta == pytest.approx(-1 / 3)


def test_a_score_drop_on_a_passing_case_is_regressed() -> None:
    from evalgate.gate.verdict import CaseDelta, Verdict

    verdict = Verdict("pass", deltas=(CaseDelta("a", "shared", 1.0, 0.9, 1.0, 1.0),))
    results = [res("a", passes=("x",), fails=())]
    view = RunView.build(results, {"verdict": verdict.to_dict()}, baseline={"a": {"score": 1.5}})
    # an explicit baseline mapping wins over the verdict's figures
    assert view.cases[0].delta == pytest.approx(-0.5)
    assert view.cases[0].regressed and view.cases[0].flagged


def test_pending_cases_are_listed() -> None:
    view = RunView.build([res("a")], {"pending_cases": ["p1"], "verdict": None})
    pending = [c for c in view.cases if c.status == "pending"]
    assert [c.case_id for c in pending] == ["p1"] and pending[0].first_failure == "pending review"


def test_load_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="evalgate run"):
        RunView.load(tmp_path)


def test_a_run_without_summary_is_summarised_from_its_results(tmp_path: Path) -> None:
    from evalgate.results_writer import ResultsWriter

    with ResultsWriter(tmp_path) as w:
        w.write(res("a"))
        w.write(res("b", fails=(("contains", "missing '30 days'"),)))
    view = RunView.load(tmp_path)
    assert view.verdict is None and view.totals["failed"] == 1
    assert [c.status for c in view.cases] == ["passed", "failed"]
