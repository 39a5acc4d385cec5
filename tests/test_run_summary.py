"""The typed summary writes exactly the summary.json format and reads it back."""

from __future__ import annotations

import json
from pathlib import Path

import evalgate
from evalgate.run_summary import RunSummary
from evalgate.summary import read_run_summary
from tests.engine.helpers import write_project


def test_a_written_summary_reads_back_to_the_same_document_key_for_key(tmp_path: Path) -> None:
    cfg = write_project(tmp_path)
    evalgate.run(cfg, out=tmp_path / "r1", gate=False, record_baseline=True, repeat=2)
    result = evalgate.run(cfg, out=tmp_path / "r2")
    text = (tmp_path / "r2" / "summary.json").read_text()
    typed = read_run_summary(tmp_path / "r2")
    assert json.dumps(typed.to_dict(), indent=2) == json.dumps(json.loads(text), indent=2)
    assert typed == result.run_summary
    assert typed.totals.cases == 2 and typed.cases["refund"].n == 1
    assert typed.verdict is not None and typed.verdict.status == "pass"
    assert typed.scorers["contains"].pass_rate == 1.0


def test_an_older_or_partial_summary_reads_with_defaults() -> None:
    typed = RunSummary.from_dict({"format_version": 1, "run_id": "x", "totals": {"cases": 3}})
    assert typed.totals.cases == 3 and typed.totals.pass_rate is None
    assert typed.verdict is None and typed.cases == {}
