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
    for args in (
        ("rescore", "r1", "--out", "r2"),
        ("merge", "r1", "--allow-unsharded", "--out", "r3"),
    ):
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
    assert "'evalgate 0.3.0' also provides the 'evalgate' import package" in ran.err
    assert "pip uninstall -y evalgate evalgate-middleware" in ran.err
    assert project.cli("--version").code == 0  # the same install without it is fine


# --- optional extras -------------------------------------------------------------------------

NO_LANGFUSE = (
    "raise ModuleNotFoundError(\"No module named 'langfuse'\", name='langfuse')\n"  # as if absent
)


def hide_langfuse(tmp_path: Path) -> dict[str, str]:
    """A path shim that makes ``import langfuse`` fail the way a missing package does."""
    shim = tmp_path / "shim" / "langfuse"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text(NO_LANGFUSE)
    return {"PYTHONPATH": str(shim.parent)}


def test_a_missing_langfuse_extra_is_a_usage_error_before_any_call(
    project: Project, srv: FaultServer, tmp_path: Path
) -> None:
    echo_project(project, srv)
    hidden = {**hide_langfuse(tmp_path), "LANGFUSE_PUBLIC_KEY": "pk", "LANGFUSE_SECRET_KEY": "sk"}
    before = srv.count("echo")
    for args in (
        ("run", "--out", "r1", "--langfuse"),
        ("import", "langfuse", "--out", "goldens/imported.yaml"),
        ("export", "langfuse", "r1"),
    ):
        ran = project.cli(*args, env=hidden)
        assert ran.code == 2, (args, ran.err)
        assert "optional 'langfuse' extra" in ran.err
        assert "pip install 'evalgate-middleware[langfuse] @ file://" in ran.err  # this checkout
        assert "internal error" not in ran.err
    assert srv.count("echo") == before  # nothing was paid for
    assert not (project.root / "r1").exists()


def test_a_failed_export_never_changes_the_gates_code(project: Project, srv: FaultServer) -> None:
    from tests.support.faultserver import closed_port

    echo_project(project, srv)
    down = {
        "LANGFUSE_PUBLIC_KEY": "pk-lf-test",
        "LANGFUSE_SECRET_KEY": "sk-lf-test",
        "LANGFUSE_BASE_URL": f"http://127.0.0.1:{closed_port()}",
    }
    before = srv.count("echo")
    ran = project.cli("run", "--out", "r1", "--langfuse", "-q", env=down, timeout=90)
    assert ran.code == 0, ran.err
    assert srv.count("echo") == before + 3  # (the count the other tests rely on)
    assert "langfuse" in ran.err.lower() and "internal error" not in ran.err
    assert "sk-lf-test" not in ran.out + ran.err
    strict = project.cli("run", "--out", "r2", "--langfuse-strict", "-q", env=down, timeout=90)
    assert strict.code == 3, strict.err
    project.write_golden("smoke.yaml", golden("refund window"))
    failed = project.cli("run", "--out", "r3", "--langfuse-strict", "-q", env=down, timeout=90)
    assert failed.code == 1, failed.err  # strict never hides a failed gate


def test_no_langfuse_key_stops_the_run_before_any_call(project: Project, srv: FaultServer) -> None:
    echo_project(project, srv)
    before = srv.count("echo")
    ran = project.cli("run", "--out", "r1", "--langfuse")
    assert ran.code == 2 and "LANGFUSE_PUBLIC_KEY" in ran.err
    assert srv.count("echo") == before


# --- run from a subfolder of the repository ------------------------------------------------


def test_annotations_and_links_point_from_the_repository_root(
    project: Project, srv: FaultServer, tmp_path: Path
) -> None:
    import subprocess

    repo = project.root.parent / "repo"
    sub = repo / "services" / "copilot"
    sub.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True, timeout=30)
    here = Project(sub, project.env)
    echo_project(here, srv, expected="refund window")
    env = {
        **github_env(here),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/mono",
        "GITHUB_SHA": "abc123",
    }
    ran = here.cli("run", "--out", "r1", env=env)
    assert ran.code == 1, ran.err
    annotations = [x for x in ran.err.splitlines() if x.startswith("::error file=")]
    assert annotations and all(
        x.startswith("::error file=services/copilot/goldens/smoke.yaml,line=") for x in annotations
    ), annotations
    md = (sub / "r1" / "report.md").read_text("utf-8") if (sub / "r1/report.md").exists() else ""
    md = md or (sub / "step-summary.md").read_text("utf-8")
    assert "https://github.com/acme/mono/blob/abc123/services/copilot/goldens/smoke.yaml#L" in md
    assert "/blob/abc123/goldens/" not in md
