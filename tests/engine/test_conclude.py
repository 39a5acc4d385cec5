"""The one exit-status decision: the gate's verdict, then what an export may change."""

from __future__ import annotations

import pytest

from evalgate.config.model import Config, TargetConfig
from evalgate.engine.conclude import ExportOutcome, exit_status
from evalgate.errors import ExitCode
from evalgate.gate.verdict import Reason, Verdict
from evalgate.run_summary import RunSummary, Totals

CFG = Config(target=TargetConfig(url="http://127.0.0.1:9/x"))
CLEAN = RunSummary(run_id="r")
PASS = Verdict("pass")
FAIL = Verdict("fail", reasons=(Reason("regression", "dropped", ("a",)),))
INCONCLUSIVE = Verdict("inconclusive", reasons=(Reason("errors", "too many errors"),))


@pytest.mark.parametrize(
    ("verdict", "lost", "strict", "code"),
    [
        (PASS, False, False, ExitCode.OK),
        (PASS, True, False, ExitCode.OK),  # a lost export never changes the gate's exit...
        (PASS, False, True, ExitCode.OK),
        (PASS, True, True, ExitCode.INCONCLUSIVE),  # ...unless strict: a pass becomes 3
        (FAIL, True, True, ExitCode.GATE_FAILED),  # and a failed gate stays failed
        (INCONCLUSIVE, True, True, ExitCode.INCONCLUSIVE),
        (None, True, True, ExitCode.INCONCLUSIVE),  # not gated, but strict: still 3
        (None, True, False, ExitCode.OK),
    ],
)
def test_an_export_changes_the_exit_only_when_strict_and_lost(
    verdict: Verdict | None, lost: bool, strict: bool, code: ExitCode
) -> None:
    status = exit_status(verdict, CLEAN, CFG, export=ExportOutcome(lost=lost, strict=strict))
    assert status.code == code
    changed = code != exit_status(verdict, CLEAN, CFG).code
    assert (status.note is not None and "--langfuse-strict" in status.note) is changed


def test_the_typed_summary_decides_an_ungated_run() -> None:
    aborted = RunSummary(run_id="r", aborted="the endpoint is down")
    assert exit_status(None, aborted, CFG).code == ExitCode.INCONCLUSIVE
    errors = RunSummary(run_id="r", totals=Totals(error_rate=CFG.gate.max_error_rate + 0.01))
    assert exit_status(None, errors, CFG).code == ExitCode.INCONCLUSIVE
    at_limit = RunSummary(run_id="r", totals=Totals(error_rate=CFG.gate.max_error_rate))
    assert exit_status(None, at_limit, CFG).code == ExitCode.OK
