"""Integers too large for a float in stored files are damage (exit 2), never a crash (exit 4).

JSON allows integers of any length; Python reads them exactly and only fails when one is turned
into a float. Every stored file a command reads back is edited here by hand, as a user or a
broken tool might, and each command that reads it must refuse it naming the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.attack.conftest import CliRun, Project
from tests.attack.inprocess import in_process
from tests.support.faultserver import FaultServer


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    """Commands run in-process (tests/attack/inprocess.py): the subject is not the process."""
    return in_process(tmp_path)


HUGE = "1" + "0" * 400  # beyond a float's range (about 1.8e308)


def _setup(project: Project, srv: FaultServer) -> None:
    project.write_config({"url": srv.url("/echo"), "body": {"message": "{{ input.message }}"}})
    cases = [
        {"id": f"c{i}", "input": {"message": f"m{i}"}, "expect": [{"contains": "echo"}]}
        for i in range(3)
    ]
    project.write_golden("g.yaml", {"dataset": "d", "cases": cases})
    done = project.cli("run", "--out", "r", "-q", "--record-baseline", "--prompt-version", "p1")
    assert done.code == 0, done.out + done.err


def _refused(run: CliRun, name: str) -> None:
    assert run.code != 4 and "Traceback" not in run.err, run.err
    assert run.code == 2, (run.code, run.out, run.err)
    assert name in run.err, run.err


def _swap_first(path: Path, key: str) -> None:
    """The first numeric ``key`` in ``path`` becomes a 401-digit integer."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf'("{key}":\s*)-?[0-9][0-9.eE+-]*')
    changed, n = pattern.subn(lambda m: m.group(1) + HUGE, text, count=1)
    assert n == 1, f"{key} not found in {path}"
    path.write_text(changed, encoding="utf-8")


@pytest.mark.parametrize("key", ["latency_ms", "score", "weight"])
@pytest.mark.parametrize(
    "command",
    [
        ("report", "r"),
        ("rescore", "r", "--out", "again"),
        ("compare", "r", "r"),
        ("baseline", "record", "r", "--prompt-version", "p2"),
    ],
)
def test_a_huge_integer_in_results_is_a_damaged_line(
    project: Project, srv: FaultServer, key: str, command: tuple[str, ...]
) -> None:
    _setup(project, srv)
    _swap_first(project.root / "r" / "results.jsonl", key)
    quiet = () if command[0] == "baseline" else ("-q",)
    _refused(project.cli(*command, *quiet), "results.jsonl")


def test_a_huge_integer_in_results_stops_a_resume_cleanly(
    project: Project, srv: FaultServer
) -> None:
    _setup(project, srv)
    _swap_first(project.root / "r" / "results.jsonl", "latency_ms")
    _refused(project.cli("run", "--resume", "r", "-q"), "results.jsonl")


@pytest.mark.parametrize("key", ["mean_score", "pass_rate", "score"])
def test_a_huge_integer_in_the_summary_is_refused(
    project: Project, srv: FaultServer, key: str
) -> None:
    _setup(project, srv)
    _swap_first(project.root / "r" / "summary.json", key)
    for command in (("report", "r", "-q"), ("compare", "r", "r", "-q")):
        _refused(project.cli(*command), "summary.json")


@pytest.mark.parametrize("key", ["pass_rate", "score", "latency_p95_ms"])
def test_a_huge_integer_in_a_baseline_is_refused(
    project: Project, srv: FaultServer, key: str
) -> None:
    _setup(project, srv)
    (baseline,) = (project.root / ".evalgate" / "baselines").glob("*.json")
    _swap_first(baseline, key)
    run = project.cli("run", "--out", "again", "-q", "--prompt-version", "p1")
    _refused(run, baseline.name)
    assert json.loads((project.root / "r" / "summary.json").read_text())["cases"]
