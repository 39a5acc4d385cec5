"""GitLab pieces of the reporters: blob links, the repository root, the metrics file."""

from __future__ import annotations

from pathlib import Path

from evalgate.fsutil import repo_path
from evalgate.report.gitlab import render_codequality, render_metrics
from evalgate.report.mdsafe import source_url
from evalgate.report.view import RunView


def test_golden_links_point_at_the_tested_commit_on_gitlab() -> None:
    env = {"CI_PROJECT_URL": "https://gitlab.example/acme/copilot", "CI_COMMIT_SHA": "abc123"}
    assert source_url("goldens/a b.yaml", 7, env) == (
        "https://gitlab.example/acme/copilot/-/blob/abc123/goldens/a%20b.yaml#L7"
    )
    assert source_url("goldens/a.yaml", 7, {}) == "goldens/a.yaml#L7"


def test_the_project_dir_is_the_repository_root_without_a_git_folder(tmp_path: Path) -> None:
    sub = tmp_path / "services" / "copilot"
    sub.mkdir(parents=True)
    env = {"CI_PROJECT_DIR": str(tmp_path)}
    assert repo_path("goldens/g.yaml", env, cwd=sub) == "services/copilot/goldens/g.yaml"
    assert repo_path("goldens/g.yaml", {}, cwd=sub) == "goldens/g.yaml"


def test_metrics_leave_unknown_figures_out_and_end_in_eof() -> None:
    summary = {
        "totals": {"pass_rate": 0.5, "cases": 4, "failed": 2, "errors": 0, "mean_score": None},
        "tokens": {"total": None},
        "cost_usd": None,
        "latency_ms": {"p50": 12.5, "p95": float("nan")},
    }
    text = render_metrics(RunView(summary=summary, verdict=None))
    lines = text.splitlines()
    assert "evalgate_pass_rate 0.5" in lines and "evalgate_cases 4" in lines
    assert "evalgate_latency_p50_ms 12.5" in lines and "evalgate_errored_results 0" in lines
    names = {line.split()[0] for line in lines if not line.startswith("#")}
    assert not names & {"evalgate_mean_score", "evalgate_tokens_total", "evalgate_cost_usd",
                        "evalgate_latency_p95_ms", "evalgate_gate_passed"}  # fmt: skip
    assert lines[-1] == "# EOF" and text.endswith("\n")
    for line in lines[:-1]:  # every figure has its TYPE and HELP lines before it
        assert line.startswith(("# TYPE evalgate_", "# HELP evalgate_", "evalgate_"))


def test_nothing_flagged_is_an_empty_code_quality_report() -> None:
    assert render_codequality(RunView(summary={}, verdict=None), {}) == "[]\n"
