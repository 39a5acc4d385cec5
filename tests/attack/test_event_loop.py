"""The installed command's event loop: uvloop where installed, asyncio when told, exit 2 if bad.

``EVALGATE_EVENT_LOOP`` (evalgate/eventloop.py) chooses; an in-process target reports the
loop it was called on, so the test sees the loop the run really used.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from tests.attack.conftest import Project

HAS_UVLOOP = importlib.util.find_spec("uvloop") is not None

APP = """
import asyncio


async def loop_kind(request):
    return {"answer": type(asyncio.get_running_loop()).__module__}
"""


def _project(project: Project) -> None:
    (project.root / "app.py").write_text(APP, "utf-8")
    project.write_config(
        {
            "python": "app:loop_kind",
            "body": {"message": "{{ input.message }}"},
            "response": {"output": "answer"},
        }
    )
    cases = [{"id": f"c{i}", "input": {"message": "m"}, "expect": []} for i in range(3)]
    project.write_golden("g.yaml", {"dataset": "d", "cases": cases})


def _kinds(project: Project, out: str) -> set[str]:
    lines = (project.root / out / "results.jsonl").read_text("utf-8").splitlines()
    return {json.loads(line)["response"]["output"].split(".")[0] for line in lines}


def test_the_command_uses_uvloop_where_installed_and_asyncio_when_told(
    project: Project,
) -> None:
    _project(project)
    ran = project.cli("run", "--no-gate", "--out", "r1")
    assert ran.code == 0, ran.err
    assert _kinds(project, "r1") == {"uvloop" if HAS_UVLOOP else "asyncio"}
    ran = project.cli("run", "--no-gate", "--out", "r2", env={"EVALGATE_EVENT_LOOP": "asyncio"})
    assert ran.code == 0, ran.err
    assert _kinds(project, "r2") == {"asyncio"}


def test_an_unknown_event_loop_is_a_usage_error(project: Project) -> None:
    _project(project)
    ran = project.cli("run", "--no-gate", "--out", "r", env={"EVALGATE_EVENT_LOOP": "fastest"})
    assert ran.code == 2, ran.err
    assert "EVALGATE_EVENT_LOOP: unknown value 'fastest'" in ran.err
    assert "Traceback" not in ran.err


def test_uvloop_asked_for_but_missing_is_a_usage_error(project: Project, tmp_path: Path) -> None:
    _project(project)
    # a uvloop that cannot be imported shadows any installed one
    fake = tmp_path / "shadow" / "uvloop"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('no uvloop here')\n", "utf-8")
    env = {"PYTHONPATH": str(fake.parent), "EVALGATE_EVENT_LOOP": "uvloop"}
    ran = project.cli("run", "--no-gate", "--out", "r", env=env)
    assert ran.code == 2, ran.err
    assert "uvloop is not installed" in ran.err and "evalgate-middleware[fast]" in ran.err
    # auto, with no uvloop to be had, runs on asyncio
    ran = project.cli("run", "--no-gate", "--out", "r2", env={"PYTHONPATH": str(fake.parent)})
    assert ran.code == 0, ran.err
    assert _kinds(project, "r2") == {"asyncio"}
