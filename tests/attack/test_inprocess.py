"""The in-process ``cli`` of tests/attack/inprocess.py answers as the installed command does."""

from __future__ import annotations

import os
from pathlib import Path

from tests.attack.conftest import Project, clean_env
from tests.attack.inprocess import child, in_process
from tests.support.faultserver import FaultServer


def test_in_process_runs_answer_as_the_installed_command(tmp_path: Path, srv: FaultServer) -> None:
    project = in_process(tmp_path)
    project.write_config({"url": srv.url("/echo"), "body": {"message": "{{ input.message }}"}})
    cases = [{"id": f"c{i}", "input": {"message": f"m{i}"}, "expect": [{"contains": "echo"}]}
             for i in range(3)]  # fmt: skip
    project.write_golden("g.yaml", {"dataset": "d", "cases": cases})
    installed: Project = child(project)
    for args in (
        ("validate", "--json"),
        ("run", "--bogus"),  # a usage error names the command as `evalgate`
    ):
        here, there = project.cli(*args), installed.cli(*args)
        assert (here.code, here.out, here.err) == (there.code, there.out, there.err), args
    ran = project.cli("run", "--out", "a", "-q", "--no-gate", env={"EXTRA": "1"})
    assert ran.code == 0, ran.err
    assert ran.err == installed.cli("run", "--out", "b", "-q", "--no-gate").err
    assert (
        project.read_json("a/summary.json")["totals"]
        == project.read_json("b/summary.json")["totals"]
    )
    # nothing of the call stays in this process: the environment, the folder
    assert "EXTRA" not in os.environ and Path.cwd() != project.root
    assert project.env == clean_env()
