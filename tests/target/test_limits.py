"""Every call ends in bounded time: Retry-After is capped, streams and redirects have a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from email.utils import formatdate

import httpx
import pytest

from evalgate.config.model import TargetConfig
from evalgate.target import CallResult, TargetClient
from evalgate.target.retry import AdaptiveLimit
from tests.support.timing import timed_variant
from tests.target.test_client import CTX, FakeSleep, answer, run, sequence


def test_retry_after_up_to_the_cap_is_obeyed_exactly() -> None:
    h, seen = sequence(answer({"e": 1}, 429, **{"Retry-After": "5"}), answer())
    sleep = FakeSleep()
    result = run(h, sleep, max_retry_after_s=5)
    assert result.outcome == "success" and len(seen) == 2
    assert sleep.delays == [5.0]  # the server's wait, not bounded by backoff_max_s (4 s)


def test_retry_after_over_a_configured_cap_fails_at_once() -> None:
    h, seen = sequence(answer({"e": 1}, 429, **{"Retry-After": "7"}), answer())
    sleep = FakeSleep()
    result = run(h, sleep, max_retry_after_s=5, retries=3)
    assert sleep.delays == [] and len(seen) == 1
    assert result.outcome == "rate_limited" and result.status_code == 429
    assert "asked to retry after 7 s" in (result.error or "")
    assert "target.max_retry_after_s (5 s)" in (result.error or "")


def test_retry_after_as_a_far_http_date_fails_at_once() -> None:
    when = formatdate(time.time() + 30 * 86400, usegmt=True)
    h, seen = sequence(answer({"e": 1}, 429, **{"Retry-After": when}), answer())
    sleep = FakeSleep()
    result = run(h, sleep)
    assert sleep.delays == [] and len(seen) == 1 and result.outcome == "rate_limited"


def test_retry_after_on_a_503_is_capped_too() -> None:
    h, seen = sequence(answer({"e": 1}, 503, **{"Retry-After": "999999"}), answer())
    sleep = FakeSleep()
    result = run(h, sleep, retries=3)
    assert sleep.delays == [] and len(seen) == 1
    assert result.outcome == "http_error" and result.status_code == 503
    assert "asked to retry after 999999 s" in (result.error or "")


def test_a_later_refusal_keeps_the_attempt_count() -> None:
    h, seen = sequence(
        answer({"e": 1}, 429, **{"Retry-After": "1"}),
        answer({"e": 1}, 429, **{"Retry-After": "3600"}),
    )
    sleep = FakeSleep()
    result = run(h, sleep, retries=3)
    assert sleep.delays == [1.0] and len(seen) == 2
    assert (result.error or "").endswith("(after 2 attempts)")


def test_zero_cap_refuses_any_wait_but_retries_an_immediate_one() -> None:
    h, seen = sequence(answer({"e": 1}, 429, **{"Retry-After": "0"}), answer())
    assert run(h, FakeSleep(), max_retry_after_s=0).outcome == "success" and len(seen) == 2
    h, seen = sequence(answer({"e": 1}, 429, **{"Retry-After": "1"}), answer())
    assert run(h, FakeSleep(), max_retry_after_s=0).outcome == "rate_limited" and len(seen) == 1


def _call(handler: httpx.MockTransport, **cfg: object) -> tuple[CallResult, float]:
    config = TargetConfig(
        url="http://mid.test/v1/ask",
        timeout_s=0.3,
        retries=0,
        **cfg,  # type: ignore[arg-type]
    )

    async def go() -> CallResult:
        async with TargetClient(config, transport=handler) as client:
            return await client.call(CTX)

    t = time.perf_counter()
    result = asyncio.run(go())
    return result, time.perf_counter() - t


class _Endless(httpx.AsyncByteStream):
    """An event stream that never ends, a small event every few milliseconds."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            await asyncio.sleep(0.005)
            yield b'data: {"delta": "x"}\n\n'


@timed_variant
def test_an_endless_event_stream_is_cut_by_the_total_deadline(timed: bool) -> None:
    def h(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=_Endless())

    result, took = _call(httpx.MockTransport(h), stream="sse")
    assert result.outcome == "timeout"  # the stream never ends: only the deadline ends it
    assert not timed or took < 1.5


@timed_variant
def test_a_redirect_loop_ends_as_an_error(timed: bool) -> None:
    def h(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": str(request.url)})

    result, took = _call(httpx.MockTransport(h), follow_redirects=True)
    assert result.outcome == "http_error" and "too many redirects" in (result.error or "")
    assert not timed or took < 1.0


@timed_variant
def test_a_slow_redirect_chain_is_cut_by_the_total_deadline(timed: bool) -> None:
    async def h(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)  # each hop is quick; together they pass timeout_s
        n = int(request.url.params.get("n", "0"))
        return httpx.Response(302, headers={"location": f"/v1/ask?n={n + 1}"})

    result, took = _call(httpx.MockTransport(h), follow_redirects=True)
    assert result.outcome == "timeout"  # the chain goes on: only the deadline ends it
    assert not timed or took < 1.0


@pytest.mark.parametrize("retries", [0, 20])
def test_backoff_never_waits_longer_than_backoff_max(retries: int) -> None:
    h, _ = sequence(answer({"e": 1}, 503))
    sleep = FakeSleep()
    run(h, sleep, retries=retries, backoff_base_s=10.0, backoff_max_s=0.5)
    assert len(sleep.delays) == retries and all(0 <= d <= 0.5 for d in sleep.delays)


def test_waiters_cancelled_while_a_slot_frees_leave_the_limit_consistent() -> None:
    """An early stop or the run budget cancels calls queued for a slot; a release in the same
    loop turn must neither crash on them nor leak a slot."""

    async def go() -> tuple[int, int]:
        lim = AdaptiveLimit(1)
        await lim.acquire()  # the one slot is taken
        waiters = [asyncio.create_task(lim.acquire()) for _ in range(3)]
        await asyncio.sleep(0)  # all three queue up
        for task in waiters:
            task.cancel()  # their futures are cancelled now, their handlers run later
        lim.release()  # _wake drops the cancelled futures before the handlers run
        results = await asyncio.gather(*waiters, return_exceptions=True)
        assert all(isinstance(r, asyncio.CancelledError) for r in results)
        await asyncio.wait_for(lim.acquire(), 1.0)  # the slot is free again
        return lim.in_flight, len(lim._waiters)

    assert asyncio.run(go()) == (1, 0)
