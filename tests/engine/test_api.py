"""The Python API: evalgate.run / evalgate.load_project over the same engine as the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import evalgate
from evalgate.errors import ConfigError, ExitCode, UsageError
from tests.engine.helpers import write_project

PUBLIC = {
    "Case", "CaseResult", "ConfigError", "EvalResult", "EvalgateError", "ExitCode",
    "GateFailed", "Hooks", "InconclusiveError", "Project", "Reason", "Response",
    "RunOptions", "RunSummary", "Score", "ToolCall", "UsageError", "Verdict", "__version__",
    "load_project", "run", "scorer",
}  # fmt: skip


def test_the_public_names_are_exactly_these_and_all_resolve() -> None:
    assert set(evalgate.__all__) == PUBLIC
    for name in evalgate.__all__:
        assert getattr(evalgate, name) is not None, name


def test_a_run_returns_the_judged_run_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_project(tmp_path)
    first = evalgate.run(cfg, out=tmp_path / "r1", gate=False, record_baseline=True)
    assert first.passed and first.verdict is None
    second = evalgate.run(cfg, out=tmp_path / "r2")
    assert second.exit_code == ExitCode.OK and second.verdict is not None
    assert second.verdict.status == "pass"
    # the summary returned is the one written
    on_disk = json.loads((tmp_path / "r2" / "summary.json").read_text())
    assert on_disk == json.loads(json.dumps(second.summary))
    assert set(second.reports) >= {"summary"}
    out, err = capsys.readouterr()
    assert (out, err) == ("", "")


def test_a_regression_fails_the_gate_with_reasons(tmp_path: Path) -> None:
    cfg = write_project(tmp_path)
    evalgate.run(cfg, out=tmp_path / "r1", gate=False, record_baseline=True)
    cfg.write_text(cfg.read_text().replace("app:answer", "app:regressed"))
    result = evalgate.run(cfg, out=tmp_path / "r2")
    assert result.exit_code == ExitCode.GATE_FAILED and not result.passed
    assert result.verdict is not None and result.verdict.status == "fail"
    assert any("refund" in r.cases for r in result.verdict.reasons if r.blocking)


def test_hooks_see_progress_and_the_result(tmp_path: Path) -> None:
    cfg = write_project(tmp_path)
    seen: list[str] = []
    cases: list[object] = []
    hooks = evalgate.Hooks(
        on_case=(cases.append,),
        present=lambda r: seen.append(f"present {r.exit_code}"),
        on_summary=lambda s: seen.append(f"summary {bool(s.run_id)}"),
    )
    evalgate.run(cfg, out=tmp_path / "r", gate=False, hooks=hooks)
    assert seen == ["summary True", "present 0"]
    assert len(cases) == 2


def test_selection_options_are_those_of_the_cli(tmp_path: Path) -> None:
    cfg = write_project(tmp_path)
    result = evalgate.run(cfg, out=tmp_path / "r", gate=False, tags=["billing"], repeat=2)
    assert sorted((r.case_id, r.repeat) for r in result.results) == [("refund", 0), ("refund", 1)]
    with pytest.raises(UsageError, match="no case with id 'nope'"):
        evalgate.run(cfg, out=tmp_path / "r3", cases=["nope"])
    with pytest.raises(UsageError, match="lists of strings"):
        evalgate.run(cfg, tags="billing")


def test_load_project_lists_every_problem(tmp_path: Path) -> None:
    cfg = write_project(tmp_path, goldens="dataset: app\ncases:\n  - id: x\n    expect: 3\n")
    with pytest.raises(ConfigError) as err:
        evalgate.load_project(cfg)
    assert err.value.problems and err.value.exit_code == ExitCode.USAGE
    assert any("app.yaml" in p.file for p in err.value.problems)


def test_load_project_accepts_the_project_folder(tmp_path: Path) -> None:
    write_project(tmp_path)
    project = evalgate.load_project(tmp_path)
    assert sorted(c.id for c in project.goldens.cases) == ["greeting", "refund"]
