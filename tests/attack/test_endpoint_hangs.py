"""A run ends within its budget whatever the endpoint does, through the CLI.

Each test plays one way an endpoint can hold a run (huge Retry-After, hang and reset in turn,
dripping, endless streams, redirect loops, slow answers past the run's time budget) and asserts
a wall-clock bound, the documented exit code, and that every finished result is kept.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from tests.attack.conftest import Project
from tests.attack.inprocess import in_process
from tests.support.faultserver import FaultServer
from tests.support.timing import timed_variant


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    """Commands run in-process (tests/attack/inprocess.py): the subject is not the process."""
    return in_process(tmp_path)


_keys = itertools.count()


def key() -> str:
    return f"hang-{next(_keys)}"


def setup(
    project: Project,
    url: str,
    n: int,
    target: dict[str, Any] | None = None,
    faulty: set[int] = frozenset(),  # type: ignore[assignment]
    fault: str = "",
    **extra: Any,
) -> None:
    """``n`` cases calling ``url``; cases numbered in ``faulty`` send ``X-Fault: fault``."""
    project.write_config(
        {
            "url": url,
            "body": {"message": "{{ input.message }}"},
            "headers": {"X-Fault": "{{ case.metadata.fault | default(null) }}"},
            **(target or {}),
        },
        **extra,
    )
    cases = [
        {
            "id": f"c{i:03d}",
            "input": {"message": f"m{i}"},
            "metadata": {"fault": fault} if i in faulty else {},
            "expect": [{"contains": "echo"}],
        }
        for i in range(n)
    ]
    project.write_golden("cases.yaml", {"dataset": "hangs", "cases": cases})


@timed_variant
def test_a_huge_retry_after_fails_each_call_at_once(
    project: Project, srv: FaultServer, timed: bool
) -> None:
    setup(project, srv.url(f"/ratelimit?after=999999&key={key()}"), 6, {"retries": 3})
    ran = project.cli("run", "--out", "r", "-q", timeout=20)
    assert ran.code == 3, ran.err
    assert not timed or ran.elapsed < 8.0
    results = project.results("r")
    assert len(results) == 6
    for r in results:
        assert r["outcome"] == "rate_limited" and r["attempts"] == 1
        assert "asked to retry after 999999 s" in r["error"]
        assert "target.max_retry_after_s (60 s)" in r["error"]


@timed_variant
def test_an_endpoint_that_only_asks_to_wait_stops_early(
    project: Project, srv: FaultServer, timed: bool
) -> None:
    # concurrency 8: calls queue for slots the 429s took away when the early stop cancels them
    setup(project, srv.url(f"/ratelimit?after=999999&key={key()}"), 100, {"concurrency": 8})
    ran = project.cli("run", "--out", "r", "-q", timeout=20)
    assert ran.code == 3, ran.err
    assert not timed or ran.elapsed < 8.0
    assert 8 <= len(project.results("r")) < 20  # stopped early: a count, not a clock
    assert "the first 8 calls all failed (rate_limited ×8" in ran.err


@timed_variant
def test_a_retry_after_within_a_configured_cap_is_waited(
    project: Project, srv: FaultServer, timed: bool
) -> None:
    k = key()
    setup(
        project,
        srv.url(f"/ratelimit?after=0.3&key={k}"),
        2,
        {"retries": 1, "max_retry_after_s": 0.5},
    )
    ran = project.cli("run", "--out", "r", "-q", timeout=20)
    assert ran.code == 3 and ran.elapsed >= 0.3
    assert not timed or ran.elapsed < 8.0
    assert [r["attempts"] for r in project.results("r")] == [2, 2]
    assert srv.count("ratelimit", k) == 4


@timed_variant
def test_an_endpoint_that_hangs_and_resets_in_turn_stops_early(
    project: Project, srv: FaultServer, timed: bool
) -> None:
    setup(project, srv.url(f"/flap?key={key()}"), 100)
    ran = project.cli("run", "--out", "r", timeout=30)
    assert ran.code == 3, ran.err
    assert (
        not timed or ran.elapsed < 10.0
    )  # 100 cases of 2 × 0.5 s at concurrency 4 would take 25 s
    results = project.results("r")
    assert 8 <= len(results) < 20
    assert {r["outcome"] for r in results} == {"timeout", "connection_error"}
    summary = project.read_json("r/summary.json")
    assert "the first 8 calls all failed" in summary["aborted"]
    assert summary["verdict"]["status"] == "inconclusive"
    assert summary["verdict"]["reasons"][0]["kind"] == "stopped"
    assert "stopped early" in ran.err


def test_a_healthy_run_with_scattered_errors_is_not_stopped(
    project: Project, srv: FaultServer
) -> None:
    # 3 of 60 calls fail, each of a different kind, spread out: within max_error_rate 0.1
    faulty = {7: "reset-early", 29: "hang", 51: "status"}
    setup(project, srv.url("/echo"), 60, {"concurrency": 4}, gate={"max_error_rate": 0.1})
    cases = project.root / "goldens" / "cases.yaml"
    import yaml

    doc = yaml.safe_load(cases.read_text("utf-8"))
    for i, fault in faulty.items():
        doc["cases"][i]["metadata"] = {"fault": fault}
    cases.write_text(yaml.safe_dump(doc), "utf-8")
    ran = project.cli("run", "--out", "r", "-q", timeout=30)
    assert ran.code == 0, ran.err
    results = project.results("r")
    assert len(results) == 60
    assert sum(r["status"] == "error" for r in results) == 3
    assert project.read_json("r/summary.json")["aborted"] is None


@timed_variant
def test_a_dripping_endless_or_looping_endpoint_is_cut_per_call(
    project: Project, srv: FaultServer, timed: bool
) -> None:
    faults = {0: "drip", 1: "sse-endless", 2: "loop"}
    setup(project, srv.url("/echo?interval=0.05"), 3, {"follow_redirects": True, "stream": "sse"})
    doc = {
        "dataset": "hangs",
        "cases": [
            {
                "id": f"c{i}",
                "input": {"message": "m"},
                "metadata": {"fault": f},
                "expect": [{"contains": "echo"}],
            }
            for i, f in faults.items()
        ],
    }
    project.write_golden("cases.yaml", doc)
    ran = project.cli("run", "--out", "r", "-q", timeout=20)
    assert ran.code == 3, ran.err
    assert not timed or ran.elapsed < 8.0  # each call: 2 attempts of at most timeout_s (0.5 s)
    by_id = {r["case_id"]: r for r in project.results("r")}
    assert by_id["c0"]["outcome"] == "timeout" and by_id["c1"]["outcome"] == "timeout"
    assert by_id["c2"]["outcome"] == "http_error" and "redirects" in by_id["c2"]["error"]


@timed_variant
def test_the_run_budget_stops_calling_and_keeps_what_finished(
    project: Project, srv: FaultServer, timed: bool
) -> None:
    # the budget also covers start-up (the HTTP client's import): 1.5 s leaves room for calls
    # to finish on a loaded machine, and 80 cases x 0.1 s at concurrency 2 need 4 s
    setup(project, srv.url("/sleep?s=0.1"), 80, {"concurrency": 2, "timeout_s": 2})
    ran = project.cli("run", "--out", "r", "--run-budget", "1.5s", timeout=20)
    assert ran.code == 3, ran.err
    assert not timed or ran.elapsed < 5.0
    assert "finish with: evalgate run --resume r" in ran.err
    results = project.results("r")
    assert 2 <= len(results) < 80
    assert all(r["status"] == "passed" for r in results)  # every kept result is complete
    summary = project.read_json("r/summary.json")
    assert "time budget 1.5 s" in summary["aborted"]
    assert summary["verdict"]["status"] == "inconclusive"
    # the rest runs on --resume, which gets a fresh budget, and the run passes
    resumed = project.cli("run", "--resume", "r", "-q", timeout=30)
    assert resumed.code == 0, resumed.err
    assert sorted(r["case_id"] for r in project.results("r")) == [f"c{i:03d}" for i in range(80)]


@timed_variant
def test_the_budget_cuts_calls_in_flight(project: Project, srv: FaultServer, timed: bool) -> None:
    # every call hangs for far longer than the budget: nothing finishes, the run still ends
    setup(project, srv.url(f"/hang?key={key()}"), 8, {"timeout_s": 30, "run_budget_s": 1})
    ran = project.cli("run", "--out", "r", "--json", timeout=20)
    assert ran.code == 3, ran.err
    assert not timed or ran.elapsed < 5.0
    assert project.results("r") == []
    assert "time budget 1 s" in ran.json()["aborted"]


@timed_variant
def test_no_gate_still_reports_an_unfinished_run_as_inconclusive(
    project: Project, srv: FaultServer, timed: bool
) -> None:
    setup(project, srv.url("/sleep?s=0.3"), 20, {"concurrency": 1, "timeout_s": 2})
    # 2 s: the budget also covers start-up; 20 calls of 0.3 s one at a time need 6 s
    ran = project.cli("run", "--out", "r", "--no-gate", "--run-budget", "2", timeout=20)
    assert ran.code == 3, ran.err
    assert not timed or ran.elapsed < 7.0
    assert 1 <= len(project.results("r")) < 20


@pytest.mark.parametrize("value", ["soon", "-5", "nan", "1x"])
def test_a_bad_run_budget_is_a_usage_error(project: Project, srv: FaultServer, value: str) -> None:
    setup(project, srv.url("/echo"), 1)
    ran = project.cli("run", "--run-budget", value, timeout=20)
    assert ran.code == 2 and "--run-budget" in ran.err and "15m" in ran.err


def test_a_bad_config_budget_names_its_line(project: Project, srv: FaultServer) -> None:
    setup(project, srv.url("/echo"), 1, {"run_budget_s": -1, "max_retry_after_s": "1m"})
    ran = project.cli("run", timeout=20)
    assert ran.code == 2
    assert "evalgate.yaml:" in ran.err and "run_budget_s" in ran.err
    assert "max_retry_after_s' must be a number" in ran.err


def test_a_zero_budget_in_the_config_means_no_limit(project: Project, srv: FaultServer) -> None:
    setup(project, srv.url("/sleep?s=0.1"), 3, {"run_budget_s": 0})
    ran = project.cli("run", "--out", "r", "-q", timeout=20)
    assert ran.code == 0, ran.err
    assert len(project.results("r")) == 3
