"""target.timeout_s per attempt: a timeout is the attempt's, any other cancellation the caller's.

The attempt's deadline cancels its own task, as ``asyncio.timeout`` does; when it passes, the
task must be left as it was (no cancellation pending or counted), and a cancellation from
outside (an interrupt, the run's budget, an early stop) must reach the caller even when the
deadline passes at the same moment.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from evalgate.config.model import TargetConfig
from evalgate.target import CallResult, TargetClient
from tests.target.test_client import CTX


def _client(handler: httpx.MockTransport, timeout_s: float, retries: int = 0) -> TargetClient:
    cfg = TargetConfig(url="http://mid.test/v1/ask", timeout_s=timeout_s, retries=retries)
    return TargetClient(cfg, transport=handler)


def test_a_timed_out_call_leaves_its_task_uncancelled() -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(10)
        return httpx.Response(200, json={"output": "late"})

    async def go() -> tuple[CallResult, int]:
        async with _client(httpx.MockTransport(hang), 0.05, retries=1) as client:
            result = await client.call(CTX)
        task = asyncio.current_task()
        assert task is not None
        left = task.cancelling()
        await asyncio.sleep(0.01)  # no cancellation is pending either
        return result, left

    result, left = asyncio.run(go())
    assert result.attempt_outcomes == ("timeout", "timeout")
    assert left == 0


def test_a_cancellation_from_outside_reaches_the_caller() -> None:
    started = asyncio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        started.set()
        await asyncio.sleep(10)
        return httpx.Response(200, json={"output": "late"})

    async def go() -> None:
        async with _client(httpx.MockTransport(hang), 5.0) as client:
            call = asyncio.create_task(client.call(CTX))
            await started.wait()
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call

    asyncio.run(go())


def test_a_cancellation_from_outside_as_the_deadline_passes_reaches_the_caller() -> None:
    async def late(request: httpx.Request) -> httpx.Response:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().call_soon(task.cancel)  # the outside cancellation
        time.sleep(0.1)  # blocks past the deadline: both land in the same loop iteration
        await asyncio.sleep(10)
        return httpx.Response(200, json={"output": "late"})

    async def go() -> None:
        async with _client(httpx.MockTransport(late), 0.02, retries=2) as client:
            with pytest.raises(asyncio.CancelledError):
                await client.call(CTX)

    asyncio.run(go())
