"""One timer for all of a client's attempt deadlines (target/deadlines.py).

Each attempt's deadline must cancel that attempt and no other, in the order they fall due,
with one timer on the loop however many attempts are in flight, and must hold nothing of an
attempt that has ended.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from evalgate.config.model import TargetConfig
from evalgate.model import Case
from evalgate.target import TargetClient, TemplateContext
from evalgate.target.deadlines import Deadlines
from tests.target.test_client import CTX


def _client(handler: httpx.MockTransport, timeout_s: float) -> TargetClient:
    cfg = TargetConfig(
        url="http://mid.test/v1/ask", timeout_s=timeout_s, retries=0, concurrency=100
    )
    return TargetClient(cfg, transport=handler)


def _slow_for(slow: set[str]) -> httpx.MockTransport:
    async def answer(request: httpx.Request) -> httpx.Response:
        if request.headers.get("x-n") in slow:
            await asyncio.sleep(10)
        return httpx.Response(200, json={"output": "ok"})

    return httpx.MockTransport(answer)


def test_only_the_attempts_past_their_deadline_time_out() -> None:
    slow = {"3", "17", "40"}
    timers = 0

    async def go() -> list[str]:
        nonlocal timers
        loop = asyncio.get_running_loop()
        call_at = loop.call_at

        def counted(*a: Any, **k: Any) -> asyncio.TimerHandle:
            nonlocal timers
            timers += getattr(a[1], "__func__", None) is Deadlines._expire
            return call_at(*a, **k)

        loop.call_at = counted  # type: ignore[method-assign]
        cfg = TargetConfig(
            url="http://mid.test/v1/ask",
            timeout_s=0.2,
            retries=0,
            concurrency=100,
            headers={"X-N": "{{ case.id }}"},
        )
        async with TargetClient(cfg, transport=_slow_for(slow)) as client:
            calls = []
            for i in range(60):
                case = Case(id=str(i), dataset="d", input={"message": "hi"})
                ctx = TemplateContext(case=case, input=case.input, run_id="r")
                calls.append(asyncio.create_task(client.call(ctx)))
                if i % 20 == 19:
                    await asyncio.sleep(0.05)  # three waves, due 0.05 s apart
            results = await asyncio.gather(*calls)
        return [r.outcome for r in results]

    outcomes = asyncio.run(go())
    assert {i for i, o in enumerate(outcomes) if o == "timeout"} == {3, 17, 40}
    assert outcomes.count("success") == 57
    assert timers <= 6  # one per deadline the timer was set for, not one per attempt


def test_ended_attempts_are_not_held() -> None:
    deadlines = Deadlines(30.0)

    async def go() -> tuple[int, int, bool]:
        task = asyncio.current_task()
        assert task is not None
        for _ in range(1000):  # attempts that end in turn leave nothing behind
            Deadlines.end(deadlines.start(task))
        after_quick = deadlines.waiting
        hung = deadlines.start(task)  # one that hangs keeps those behind it queued...
        behind = [deadlines.start(task) for _ in range(100)]
        for d in behind:
            Deadlines.end(d)
        queued = deadlines.waiting
        Deadlines.end(hung)
        Deadlines.end(deadlines.start(task))  # ...until it ends
        return after_quick, queued, all(d.task is None for d in behind)

    after_quick, queued, released = asyncio.run(go())
    assert after_quick == 1
    assert queued == 101
    assert released  # ...but none holds its task (nor what the task returned)
    assert deadlines.waiting == 1


def test_a_client_used_on_a_second_loop_still_times_out() -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(10)
        return httpx.Response(200, json={"output": "late"})

    client = _client(httpx.MockTransport(hang), 0.05)

    async def once() -> str:
        result = await client.call(CTX)
        await client.aclose()
        return result.outcome

    assert asyncio.run(once()) == "timeout"
    assert asyncio.run(once()) == "timeout"
