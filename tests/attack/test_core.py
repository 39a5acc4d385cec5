"""The installed CLI over the shared engine: in-process targets are run, gated and
compared like endpoints, and a broken function never crashes the command."""

from __future__ import annotations

import json

from tests.attack.conftest import Project
from tests.engine.helpers import write_project


def test_an_in_process_target_is_gated_like_an_endpoint(project: Project) -> None:
    cfg = write_project(project.root)
    first = project.cli("run", "--out", "r1", "--record-baseline", "-q")
    assert first.code == 0, first.err
    cfg.write_text(cfg.read_text().replace("app:answer", "app:regressed"))
    second = project.cli("run", "--out", "r2", "--json")
    assert second.code == 1, second.err
    summary = json.loads(second.out)
    assert summary["verdict"]["status"] == "fail"
    assert summary["target"]["url"] == "python:app:regressed"
    blocking = [r for r in summary["verdict"]["reasons"] if r["blocking"]]
    assert any("refund" in r["cases"] for r in blocking), blocking
    # and the stored-run path reaches the same verdict on the same results
    compared = project.cli("compare", "r1", "r2", "-q")
    assert compared.code == 1, compared.err


def test_a_function_that_raises_never_crashes_the_command(project: Project) -> None:
    goldens = "dataset: app\ncases:\n  - id: b\n    input: {message: boom}\n"
    goldens += "    expect: [{contains: x}]\n"
    write_project(project.root, goldens=goldens)
    ran = project.cli("run", "--out", "r", "-q")
    assert ran.code == 3, ran.err  # every call failed: inconclusive, never 4
    (line,) = project.results("r")
    assert line["outcome"] == "http_error" and "RuntimeError" in line["error"]


def test_a_wrong_function_is_exit_2_before_any_run_folder(project: Project) -> None:
    write_project(project.root, "app:nope")
    ran = project.cli("run", "--out", "r", "-q")
    assert ran.code == 2 and "target.python" in ran.err, ran.err
    assert not (project.root / "r" / "results.jsonl").exists()
