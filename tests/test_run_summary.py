"""The typed summary writes exactly the summary.json format and reads it back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import evalgate
from evalgate.errors import ConfigError
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


def test_the_one_reader_refuses_what_is_not_a_readable_summary(tmp_path: Path) -> None:
    path = tmp_path / "summary.json"
    with pytest.raises(ConfigError, match="file not found"):
        RunSummary.read(tmp_path)
    for text, why in [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not an evalgate summary"),
        ('{"format_version": 2, "run_id": "x", "totals": {}}', "format_version 2 is not supported"),
        ('{"format_version": 1, "run_id": "x", "totals": []}', "damaged summary (totals is not"),
        # passes the document check, but a case's count cannot be a list
        (
            '{"format_version": 1, "run_id": "x", "totals": {}, "cases": {"a": {"n": [null]}}}',
            "damaged summary (int() argument",
        ),
    ]:
        path.write_text(text)
        with pytest.raises(ConfigError, match=re.escape(why)) as caught:
            RunSummary.read(tmp_path)
        assert str(path) in str(caught.value)  # names the file
    path.write_text('{"format_version": 1, "run_id": "x", "totals": {"cases": 2}}')
    assert RunSummary.read(tmp_path) == RunSummary.read(path)  # a folder or the file itself
    assert RunSummary.read(path).totals.cases == 2


def test_a_damaged_summary_stops_an_export_and_a_baseline_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every reader goes through the checked one: none reads a damaged summary by key."""
    from evalgate.cli.main import main
    from evalgate.config.model import LangfuseConfig
    from evalgate.integrations.langfuse.exporter import export_run

    cfg = write_project(tmp_path)
    evalgate.run(cfg, out=tmp_path / "r", gate=False)
    (tmp_path / "r" / "summary.json").write_text(
        '{"format_version": 1, "run_id": "r", "totals": {"cases": "two"}}'
    )
    damaged = "damaged summary (totals.cases is not a whole number)"
    argv = ["baseline", "record", str(tmp_path / "r"), "--prompt-version", "v1"]
    assert main([*argv, "--config", str(cfg)]) == 2
    assert damaged in capsys.readouterr().err
    keys = {"LANGFUSE_PUBLIC_KEY": "pk-lf-x", "LANGFUSE_SECRET_KEY": "sk-lf-x"}
    keys["LANGFUSE_HOST"] = "http://127.0.0.1:9"  # never reached: the summary is read first
    with pytest.raises(ConfigError, match=re.escape(damaged)):
        export_run(tmp_path / "r", LangfuseConfig(), dict, strict=False, environ=keys)
