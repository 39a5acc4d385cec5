"""The early stop judges outage by failed calls of any kind, and never stops a healthy run."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import replace

import pytest

from evalgate.model import Case, Response
from evalgate.outage import MIN_STREAK, OutageWatch, error_budget
from evalgate.results import CaseResult
from evalgate.runner import Runner, WorkItem
from evalgate.target import CallResult, TemplateContext
from tests.support.timing import timed_variant


def res(outcome: str, i: int = 0, status: str | None = None) -> CaseResult:
    if status is None:
        status = "passed" if outcome == "success" else "error"
    return CaseResult(f"c{i}", "d", 0, status, outcome, status == "passed", None, error="boom")


def feed(watch: OutageWatch, outcomes: list[str]) -> str | None:
    for i, outcome in enumerate(outcomes):
        watch.see(res(outcome, i))
    return watch.reason


def test_mixed_kinds_of_failure_count_together() -> None:
    kinds = ["timeout", "connection_error", "http_error", "rate_limited"] * 2
    reason = feed(OutageWatch(), kinds)
    assert reason is not None and "the first 8 calls all failed" in reason
    assert "timeout ×2" in reason and "connection_error ×2" in reason
    assert "stopped early" in reason


def test_refused_credentials_are_named_as_such_not_as_an_outage() -> None:
    watch = OutageWatch()
    for i in range(MIN_STREAK):
        error = f"HTTP {401 if i % 2 else 403} Unauthorized from http://h/v1: no"
        watch.see(replace(res("http_error", i), error=error))
    assert watch.reason is not None
    assert watch.reason.startswith("the endpoint refuses the credentials: the first 8 calls")
    assert "check the key or token in target.headers" in watch.reason
    mixed = OutageWatch()
    for i in range(MIN_STREAK):
        error = "HTTP 401 Unauthorized" if i else "HTTP 503 Service Unavailable"
        mixed.see(replace(res("http_error", i), error=error))
    assert mixed.reason is not None and mixed.reason.startswith("the endpoint looks down")


def test_the_streak_before_an_answer_is_at_least_the_concurrency() -> None:
    assert feed(OutageWatch(concurrency=16), ["timeout", "connection_error"] * 7) is None
    assert feed(OutageWatch(concurrency=16), ["timeout", "connection_error"] * 8) is not None
    assert feed(OutageWatch(), ["timeout"] * (MIN_STREAK - 1)) is None


@pytest.mark.parametrize("breaker", ["success", "invalid_response"])
def test_an_answer_breaks_the_streak(breaker: str) -> None:
    watch = OutageWatch(tolerated=100)
    assert feed(watch, ["timeout"] * 7 + [breaker] + ["timeout"] * 7) is None


def test_a_scorer_error_or_skip_is_not_an_endpoint_failure() -> None:
    watch = OutageWatch(tolerated=100)
    watch.see(res("success", status="error"))  # a scorer raised: the endpoint answered
    assert feed(watch, ["timeout"] * 20) is None
    skipping = OutageWatch()
    for i in range(7):
        skipping.see(res("timeout", i))
        skipping.see(res("success", i, status="skipped"))
    assert skipping.see(res("timeout")) is not None


def test_after_an_answer_only_a_streak_beyond_the_error_budget_stops() -> None:
    watch = OutageWatch(tolerated=20)
    watch.see(res("success"))
    assert feed(watch, ["timeout", "connection_error"] * 10) is None  # 20: still tolerated
    reason = watch.see(res("timeout"))
    assert reason is not None and "the last 21 calls all failed" in reason
    assert "gate.max_error_rate" in reason


def test_after_an_answer_nothing_stops_a_run_that_tolerates_every_error() -> None:
    watch = OutageWatch(tolerated=None)
    watch.see(res("success"))
    assert feed(watch, ["timeout"] * 500) is None


def test_error_budget() -> None:
    assert error_budget(0.05, 100) == 5 and error_budget(0.05, 99) == 4
    assert error_budget(0.0, 100) == 0 and error_budget(1.0, 100) is None
    assert error_budget(0.29, 100) == 29  # no float shortfall (0.29 * 100 = 28.999999999999996)


def test_scattered_errors_never_stop_a_long_healthy_run() -> None:
    rng = random.Random(3)
    n = 2000
    # 4% of calls fail at random (below the default 5% budget), in every kind
    outcomes = [
        rng.choice(["timeout", "connection_error", "http_error"]) if rng.random() < 0.04 else "ok"
        for _ in range(n)
    ]
    watch = OutageWatch(concurrency=8, tolerated=error_budget(0.05, n))
    assert feed(watch, ["success" if o == "ok" else o for o in outcomes]) is None


# -- the runner -------------------------------------------------------------------------------


class ListSink:
    def __init__(self) -> None:
        self.results: list[CaseResult] = []

    def write(self, result: CaseResult) -> None:
        self.results.append(result)


class FlakyClient:
    """Alternately hangs (a timeout after a while) and resets; ``slow`` calls never end soon."""

    def __init__(self, slow: frozenset[str] = frozenset()) -> None:
        self.calls = 0
        self.slow = slow
        self.cancelled = 0

    async def call(self, ctx: TemplateContext) -> CallResult:
        self.calls += 1
        n = self.calls
        try:
            await asyncio.sleep(5.0 if ctx.case.id in self.slow else 0.001)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        outcome = "timeout" if n % 2 else "connection_error"
        return CallResult(outcome, None, None, 1.0, 2, (outcome, outcome), error=outcome)


def items(n: int) -> list[WorkItem]:
    return [WorkItem(Case(id=f"c{i:03d}", dataset="d", input={"m": i}), 0) for i in range(n)]


def test_the_runner_stops_an_alternating_hang_and_reset_endpoint() -> None:
    client, sink = FlakyClient(), ListSink()
    runner = Runner(client, sink, "r", concurrency=4, tolerated=5)
    asyncio.run(runner.run(items(100)))
    assert runner.abort_reason is not None and len(sink.results) == MIN_STREAK
    assert {r.outcome for r in sink.results} == {"timeout", "connection_error"}


def test_an_early_stop_drops_calls_still_in_flight() -> None:
    client, sink = FlakyClient(slow=frozenset({"c000", "c001"})), ListSink()
    runner = Runner(client, sink, "r", concurrency=3)
    loop_time = asyncio.run(_timed(runner.run(items(40))))
    assert runner.abort_reason is not None and client.cancelled == 2
    assert loop_time < 2.0  # not the 5 s the slow calls would take
    assert {r.case_id for r in sink.results}.isdisjoint({"c000", "c001"})


async def _timed(coro: object) -> float:
    loop = asyncio.get_running_loop()
    t = loop.time()
    await coro  # type: ignore[misc]
    return loop.time() - t


class Healthy:
    async def call(self, ctx: TemplateContext) -> CallResult:
        await asyncio.sleep(0)
        if int(ctx.case.id[1:]) % 25 == 3:  # a scattered 4% fail, in bursts of one
            return CallResult("timeout", None, None, 1.0, 2, ("timeout",) * 2, error="t")
        return CallResult("success", Response(output="ok"), None, 1.0, 1, ("success",))


def test_the_runner_finishes_a_healthy_run_with_scattered_errors() -> None:
    sink = ListSink()
    runner = Runner(Healthy(), sink, "r", concurrency=8, tolerated=error_budget(0.05, 200))
    asyncio.run(runner.run(items(200)))
    assert runner.abort_reason is None and len(sink.results) == 200


class Broken:
    """The first call raises (a bug, or a template that fails for one case); others are slow."""

    def __init__(self) -> None:
        self.calls = 0
        self.cancelled = 0

    async def call(self, ctx: TemplateContext) -> CallResult:
        self.calls += 1
        if self.calls == 1:
            await asyncio.sleep(0.05)  # the others are in flight when it fails
            raise ValueError("boom")
        try:
            await asyncio.sleep(5.0)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        raise AssertionError("not reached")


@timed_variant
def test_an_exception_in_one_call_ends_the_run_at_once(timed: bool) -> None:
    broken = Broken()
    runner = Runner(broken, ListSink(), "r", concurrency=4)
    started = time.monotonic()
    with pytest.raises(ValueError, match="boom"):
        asyncio.run(runner.run(items(10)))
    assert not timed or time.monotonic() - started < 2.0  # not after the other calls' 5 s
    # ended at once: every other call in flight was cancelled, not waited for
    assert broken.calls > 1 and broken.cancelled == broken.calls - 1
