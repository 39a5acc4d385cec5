"""Baselines grown over recorded runs, through the CLI.

Recording on main adds a run to the baseline's history; the gate then tells a stable case that
broke from noise, critical or not, and a single-run baseline still holds critical cases to the
strict rule. An old (format 1) baseline keeps working.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.attack.conftest import CliRun, Project
from tests.attack.inprocess import in_process
from tests.support.faultserver import FaultServer


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    """Commands run in-process (tests/attack/inprocess.py): the subject is not the process."""
    return in_process(tmp_path)


BODY = {"message": "{{ input.message }}"}
N = 60


def golden(repeat: int) -> dict[str, Any]:
    """N cases expecting the echo of their message; c7 asks about "zeta", c0 is critical."""
    cases = []
    for i in range(N):
        word = "zeta" if i == 7 else "login" if i == 0 else f"topic{i:02d}x"
        case: dict[str, Any] = {
            "id": f"c{i:02d}",
            "input": {"message": f"{word} question"},
            "expect": [{"contains": f"echo: {word}"}],
        }
        if i == 0:
            case["tags"] = ["critical"]
        cases.append(case)
    return {"dataset": "hist", "defaults": {"repeat": repeat}, "cases": cases}


def configure(project: Project, srv: FaultServer, path: str, **gate: Any) -> None:
    project.write_config({"url": srv.url(path), "body": BODY}, gate={"confirm": 2, **gate})


def record(project: Project, out: str) -> CliRun:
    return project.cli(
        "run", "--no-gate", "--record-baseline", "--prompt-version", "v1", "--out", out, "-q"
    )


def baseline(project: Project) -> dict[str, Any]:
    doc: dict[str, Any] = project.read_json(".evalgate/baselines/v1.json")
    return doc


def blocking(project: Project, run_dir: str) -> dict[str, list[str]]:
    v = project.read_json(f"{run_dir}/summary.json")["verdict"]
    return {r["kind"]: r["cases"] for r in v["reasons"] if r["blocking"]}


def test_recording_grows_the_history_and_a_stable_case_that_breaks_is_blocked(
    project: Project, srv: FaultServer
) -> None:
    project.write_golden("hist.yaml", golden(repeat=3))
    configure(project, srv, "/echo")
    for i in range(6):
        rec = record(project, f"base{i}")
        assert rec.code == 0, rec.err
    assert "(6 of at most 10 runs in its history)" in rec.err
    doc = baseline(project)
    assert doc["format_version"] == 2 and doc["samples"] == 6
    assert doc["cases"]["c07"]["history"] == [[3, 3, 1.0]] * 6
    assert (doc["cases"]["c07"]["n"], doc["cases"]["c07"]["passes"]) == (18, 18)
    same = project.cli("run", "--baseline", "v1", "--out", "same", "-q")
    assert same.code == 0, same.err
    # c07 (not critical) now fails every repeat and both confirmation re-runs
    configure(project, srv, "/regress?bad=zeta")
    bad = project.cli("run", "--baseline", "v1", "--out", "cand", "-q")
    assert bad.code == 1, bad.err
    kinds = blocking(project, "cand")
    assert kinds.get("broken") == ["c07"]
    assert "regression" not in kinds  # 1 of 60 cases is below max_drop: the case rule caught it
    v = project.read_json("cand/summary.json")["verdict"]
    msg = next(r["message"] for r in v["reasons"] if r["kind"] == "broken")
    assert "c07 (baseline 18/18 over 6 runs, now 0/5)" in msg


def test_a_single_run_baseline_keeps_critical_cases_strict(
    project: Project, srv: FaultServer
) -> None:
    project.write_golden("hist.yaml", golden(repeat=1))
    configure(project, srv, "/echo")
    assert record(project, "base").code == 0
    configure(project, srv, "/regress?bad=login")
    bad = project.cli("run", "--baseline", "v1", "--out", "cand", "-q")
    assert bad.code == 1, bad.err
    assert blocking(project, "cand") == {"critical": ["c00"]}


def test_a_format_1_baseline_is_still_read(project: Project, srv: FaultServer) -> None:
    project.write_golden("hist.yaml", golden(repeat=1))
    configure(project, srv, "/echo", baseline_samples=1)
    assert record(project, "base").code == 0
    path = project.root / ".evalgate/baselines/v1.json"
    doc = json.loads(path.read_text("utf-8"))
    doc["format_version"] = 1
    del doc["samples"]
    for case in doc["cases"].values():
        del case["history"]
    path.write_text(json.dumps(doc), "utf-8")
    same = project.cli("run", "--baseline", "v1", "--out", "same", "-q")
    assert same.code == 0, same.err
    configure(project, srv, "/regress?bad=login", baseline_samples=1)
    assert project.cli("run", "--baseline", "v1", "--out", "cand", "-q").code == 1
