"""The run's time budget at the pipeline: calls stop at the deadline, finished results stay."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from evalgate.config.model import Config, TargetConfig
from evalgate.engine.execution import RunRequest, run_items
from evalgate.model import Case
from evalgate.results import read_results
from evalgate.runner import WorkItem
from tests.support.timing import timed_variant


def _setup(tmp_path: Path, deadline: float | None) -> tuple[RunRequest, list[int]]:
    calls: list[int] = []

    async def slow(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) > 2:  # the first two answer at once: done long before the deadline
            await asyncio.sleep(0.05)
        return httpx.Response(200, json={"output": "ok"})

    cfg = Config(
        target=TargetConfig(url="http://mid.test/ask", concurrency=2, retries=0), root=tmp_path
    )
    cases = tuple(Case(id=f"c{i:02d}", dataset="d", input={"m": i}) for i in range(20))
    req = RunRequest(
        cfg, cases, transport=httpx.MockTransport(slow), deadline=deadline, budget_s=0.2
    )
    return req, calls


def _items(req: RunRequest) -> list[WorkItem]:
    return [WorkItem(c, 0) for c in req.cases]


@timed_variant
def test_calls_stop_at_the_deadline_and_finished_results_stay(tmp_path: Path, timed: bool) -> None:
    req, calls = _setup(tmp_path, time.monotonic() + 0.2)
    started = time.monotonic()
    done = run_items(req, tmp_path, "r", _items(req))
    # 18 calls of 0.05 s, 2 at a time, take 0.45 s (the counts below hold on a loaded machine)
    assert not timed or time.monotonic() - started < 0.4
    assert done.aborted is not None and "time budget 0.2 s" in done.aborted
    assert f"--resume {tmp_path}" in done.aborted and not done.interrupted
    results = read_results(tmp_path)
    assert 2 <= len(results) < 20 and all(r.outcome == "success" for r in results)
    assert f"{len(results)} of 20 results finished" in done.aborted
    assert len(calls) <= len(results) + 2  # at most the calls in flight were dropped


def test_a_spent_budget_makes_no_call(tmp_path: Path) -> None:
    """Confirmation re-runs share the run's deadline: after it, they make no call."""
    req, calls = _setup(tmp_path, time.monotonic() - 1.0)
    done = run_items(req, tmp_path, "r", _items(req))
    assert done.aborted is not None and calls == []


def test_without_a_deadline_everything_runs(tmp_path: Path) -> None:
    req, calls = _setup(tmp_path, None)
    done = run_items(req, tmp_path, "r", _items(req))
    assert done.aborted is None and len(read_results(tmp_path)) == 20 == len(calls)
