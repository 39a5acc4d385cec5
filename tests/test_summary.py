"""summary.json stays strict JSON whatever the endpoint claimed."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from evalgate.model import Response
from evalgate.results import CaseResult
from evalgate.summary import RunMeta, build_summary, read_summary, write_summary


def _result(i: int, cost: float) -> CaseResult:
    response = Response(output="ok", cost_usd=cost)
    return CaseResult(f"c{i}", "d", 0, "passed", "success", True, 1.0, response=response)


def test_costs_that_add_up_past_a_float_are_no_figure(tmp_path: Path) -> None:
    summary = build_summary([_result(0, 1e308), _result(1, 1e308)], RunMeta("r", "t"), None)
    assert summary["cost_usd"] is None
    write_summary(tmp_path, summary)
    json.loads((tmp_path / "summary.json").read_text(), parse_constant=lambda c: 1 / 0)
    assert read_summary(tmp_path)["cost_usd"] is None  # and reads back, not "damaged"


def test_ordinary_costs_are_summed() -> None:
    summary = build_summary([_result(0, 0.25), _result(1, 0.5)], RunMeta("r", "t"), None)
    assert summary["cost_usd"] == 0.75


def _answered(i: int, **tokens: int | None) -> CaseResult:
    response = Response(output="ok", **tokens)  # type: ignore[arg-type]
    return CaseResult(f"c{i}", "d", 0, "passed", "success", True, 1.0, response=response)


def test_tokens_no_answer_reported_are_unknown_not_zero(tmp_path: Path) -> None:
    none = build_summary([_answered(0), _answered(1)], RunMeta("r", "t"), None)
    assert none["tokens"] == {"input": None, "output": None, "total": None}
    write_summary(tmp_path, none)
    assert read_summary(tmp_path)["tokens"]["total"] is None  # valid, not "damaged"
    some = build_summary(
        [_answered(0, input_tokens=3), _answered(1, input_tokens=4, output_tokens=5)],
        RunMeta("r", "t"),
        None,
    )
    assert some["tokens"] == {"input": 7, "output": 5, "total": 12}


def test_git_info_names_the_commit_and_branch_with_one_git_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    from evalgate import summary

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=tmp_path, capture_output=True, text=True, check=True
        ).stdout.strip()

    assert summary.git_info(tmp_path) is None  # not a repository (yet)
    git("init", "-q", "-b", "feature/x")
    assert summary.git_info(tmp_path) is None  # no commit yet
    (tmp_path / "f").write_text("x")
    git("add", "f")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    sha = git("rev-parse", "HEAD")
    calls: list[list[str]] = []
    real = subprocess.run

    def counting(args: list[str], **kw: Any) -> Any:
        calls.append(args)
        return real(args, **kw)

    fake = SimpleNamespace(run=counting, SubprocessError=subprocess.SubprocessError)
    monkeypatch.setattr(summary, "subprocess", fake)
    assert summary.git_info(tmp_path) == {"sha": sha, "branch": "feature/x"}
    git("checkout", "-q", "--detach")
    assert summary.git_info(tmp_path) == {"sha": sha, "branch": "HEAD"}
    assert len(calls) == 2  # one process per call
