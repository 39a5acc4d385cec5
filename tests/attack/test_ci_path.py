"""The CI path through the installed command: parseable output, missing extras, linting without
secrets, paths from a subfolder, and another project's ``evalgate`` package in the way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.attack.conftest import Project
from tests.support.faultserver import FaultServer


def golden(expected: str, n: int = 3) -> dict[str, Any]:
    return {
        "dataset": "smoke",
        "cases": [
            {"id": f"c{i}", "input": {"message": f"m{i}"}, "expect": [{"contains": expected}]}
            for i in range(n)
        ],
    }


def echo_project(project: Project, srv: FaultServer, expected: str = "echo: m") -> None:
    project.write_config({"url": srv.url("/echo"), "body": {"message": "{{ input.message }}"}})
    project.write_golden("smoke.yaml", golden(expected))


def github_env(project: Project) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(project.root / "step-summary.md"),
    }


def test_json_stays_parseable_in_github_actions(project: Project, srv: FaultServer) -> None:
    echo_project(project, srv, expected="refund window")  # every case fails: annotations
    env = github_env(project)
    ran = project.cli("run", "--out", "r1", "--json", env=env)
    assert ran.code == 1, ran.err
    assert ran.json()["verdict"]["status"] == "fail"
    assert "::error" in ran.err and "::" not in ran.out.replace('"::', "")
    for args in (("rescore", "r1", "--out", "r2"), ("merge", "r1", "--out", "r3")):
        again = project.cli(*args, "--json", env=env)
        assert again.code == 1, again.err
        assert again.json()["verdict"]["status"] == "fail", args
        assert "::error" in again.err
    assert "evalgate" in (project.root / "step-summary.md").read_text("utf-8")


def test_another_projects_evalgate_package_stops_the_command(
    project: Project, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    info = site / "evalgate-0.3.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evalgate\nVersion: 0.3.0\n")
    (info / "RECORD").write_text("evalgate/__init__.py,,\nevalgate/cli.py,,\n")
    ran = project.cli("validate", env={"PYTHONPATH": str(site)})
    assert ran.code == 2
    assert "'evalgate 0.3.0' also provide the 'evalgate' import package" in ran.err
    assert "pip uninstall -y evalgate evalgate-middleware" in ran.err
    assert project.cli("--version").code == 0  # the same install without it is fine
