"""Async orchestration: bounded concurrency, repeats, turns, shards, resume, progress events.

The runner knows nothing of HTTP (the target client does) nor of presentation (listeners do).
Results are written as they finish; the caller orders them by case id when it reads them back.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from evalgate.events import CallEvent, CallListener, CaseEvent, CaseListener
from evalgate.llmjudge.phase import score_case_async, uses_judge
from evalgate.model import JSON, Case, Response
from evalgate.outage import OutageWatch
from evalgate.quickinit import quick_init
from evalgate.results import CaseResult, TurnRecord
from evalgate.runner_results import Answered, case_result, scored_result
from evalgate.scoring import plan_of
from evalgate.target import CallResult, TemplateContext, extend_history


class Client(Protocol):
    async def call(self, ctx: TemplateContext) -> CallResult: ...


class Sink(Protocol):
    def write(self, result: CaseResult) -> None: ...


@quick_init
@dataclass(frozen=True, slots=True)
class WorkItem:
    case: Case
    repeat: int
    confirmation: bool = False


def shard_of(case_id: str, n: int) -> int:
    """The shard (0-based) a case belongs to: a stable hash of its id, the same on every machine."""
    digest = hashlib.sha256(case_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> ``(1, 4)`` (0-based index, count); ValueError with a readable message."""
    try:
        i_s, n_s = text.split("/")
        i, n = int(i_s), int(n_s)
    except ValueError:
        raise ValueError(f"--shard must look like i/n (e.g. 1/4), got {text!r}") from None
    if n < 1 or not 1 <= i <= n:
        raise ValueError(f"--shard {text}: i must be between 1 and n")
    return i - 1, n


def work_items(
    cases: Iterable[Case],
    repeat_override: int | None = None,
    done: frozenset[tuple[str, int]] = frozenset(),
) -> Iterator[WorkItem]:
    """Every (case, repeat) still to run, in case-id order."""
    for case in sorted(cases, key=lambda c: c.id):
        n = repeat_override or case.repeat
        for r in range(n):
            if (case.id, r) not in done:
                yield WorkItem(case, r)


def count_work_items(
    cases: Iterable[Case],
    repeat_override: int | None = None,
    done: frozenset[tuple[str, int]] = frozenset(),
) -> int:
    """How many items :func:`work_items` yields, without building them (for progress)."""
    return sum(
        1
        for case in cases
        for r in range(repeat_override or case.repeat)
        if (case.id, r) not in done
    )


@dataclass
class Runner:
    """Runs work items against a client with at most ``concurrency`` calls in flight."""

    client: Client
    sink: Sink
    run_id: str
    concurrency: int = 8
    on_call: Sequence[CallListener] = ()
    on_case: Sequence[CaseListener] = ()
    total: int = 0
    done: int = 0
    stats: dict[str, int] = field(default_factory=dict)
    # errors the gate tolerates in this run (outage.error_budget): a longer streak of failed
    # calls stops a run whose endpoint had answered; None: only a never-answering one stops
    tolerated: int | None = None
    abort_reason: str | None = None  # set when the endpoint looks down: stop early
    judge: Any = None  # an evalgate.llmjudge Judge: judge-graded scorers are awaited
    # an evalgate.engine.budget CostMeter: once spent, no item starts (those in flight finish)
    budget: Any = None

    async def run(self, items: Iterable[WorkItem]) -> None:
        it = iter(items)
        watch = OutageWatch(max(1, self.concurrency), self.tolerated)
        tasks: list[asyncio.Task[None]] = []
        # answered calls whose scoring waits (see Answered): a worker sends its next request
        # first, and the finisher scores and writes them, in the order they were answered
        answered: deque[Answered] = deque()
        waiting: list[asyncio.Future[None]] = []  # the finisher's, while it waits
        live = max(1, self.concurrency)

        def stop_others() -> None:
            for task in tasks:
                if task is not asyncio.current_task():
                    task.cancel()

        def finish(result: CaseResult) -> None:
            self.sink.write(result)
            self.done += 1
            self.stats[result.status] = self.stats.get(result.status, 0) + 1
            if self.abort_reason is None and watch.see(result) is not None:
                self.abort_reason = watch.reason
                # calls still in flight would only fail too (after all their retries):
                # they are dropped unfinished, and --resume would run them
                stop_others()
            if self.abort_reason is None and self.budget is not None:
                self.abort_reason = self.budget.see(result, self.done, self.total)
            if self.on_case:
                ev = CaseEvent(
                    self.run_id,
                    result.case_id,
                    result.repeat,
                    result.status,
                    result.score,
                    self.done,
                    self.total,
                )
                for listener in self.on_case:
                    listener(ev)

        def drain() -> None:
            """Score and write every answered call waiting, in order."""
            while answered:
                finish(answered.popleft().result())

        def wake() -> None:
            if waiting and not waiting[0].done():
                waiting[0].set_result(None)

        async def finisher() -> None:
            loop = asyncio.get_running_loop()
            try:
                while True:
                    drain()
                    if not live:  # every worker has ended: nothing more will be answered
                        return
                    waiting.append(loop.create_future())
                    await waiting[0]
                    waiting.clear()
            except Exception:
                stop_others()  # a bug in scoring or writing ends the run now
                raise

        async def guarded() -> None:
            nonlocal live
            try:
                await worker()
            except Exception:
                stop_others()  # a bug or a bad template ends the run now, not after the rest
                raise
            finally:
                live -= 1
                if not live:  # the last worker: the finisher writes what is left and ends
                    wake()

        async def worker() -> None:
            for item in it:  # a shared iterator: each item is taken by exactly one worker
                if self.abort_reason is not None:
                    return
                result = await self.run_item(item)
                if isinstance(result, Answered):
                    answered.append(result)
                    wake()
                    continue
                drain()  # the calls answered before this one are written first
                finish(result)

        tasks.extend(asyncio.create_task(guarded()) for _ in range(live))
        tasks.append(asyncio.create_task(finisher()))
        try:
            # a cancelled run() cancels every worker; workers stopped by another end quietly
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            drain()  # answered calls are kept when the run is cut short too (no await here)
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not isinstance(
                outcome, asyncio.CancelledError
            ):
                raise outcome

    async def run_item(self, item: WorkItem) -> CaseResult | Answered:
        """The item's result, or its answered call when scoring it can wait (see Answered)."""
        case = item.case
        if case.skip:
            return case_result(
                case, item, "skipped", "success", False, None, error=case.skip_reason
            )
        session_id = f"{self.run_id}:{case.id}:{item.repeat}"
        if not case.turns:  # one call, no history: most cases
            ctx = TemplateContext(
                case=case,
                input=case.input,
                session_id=session_id,
                turn=0,
                history=(),
                run_id=self.run_id,
                repeat=item.repeat,
            )
            last = await self.client.call(ctx)
            if self.on_call:
                self._emit(case, item.repeat, 0, last)
            # the latency as the multi-turn sum gives it for one turn
            latency = 0 + last.latency_ms
            response = last.response
            if last.outcome != "success" or response is None:
                return case_result(
                    case,
                    item,
                    "error",
                    last.outcome,
                    False,
                    None,
                    error=last.error or last.outcome,
                    latency_ms=latency,
                    request=last.request,
                    response=response,
                    attempts=last.attempts,
                )
            if self.judge is None or not uses_judge(case):
                plan = plan_of(case)
                # scored by the finisher, after the next request is sent; a cost budget
                # counts each result before the next item starts
                if plan.builtin and self.budget is None:
                    return Answered(plan, case, item, last, latency, response)
                cs = plan.score(response, case)
            else:
                cs = await score_case_async(case, [response], self.judge)
            return scored_result(case, item, cs, latency, last.request, response, (), last.attempts)
        return await self._run_turns(case, item, session_id)

    async def _run_turns(self, case: Case, item: WorkItem, session_id: str) -> CaseResult:
        history: tuple[Mapping[str, JSON], ...] = ()
        responses: list[Response] = []
        turns: list[TurnRecord] = []
        attempts = 0
        last: CallResult | None = None
        for t, turn in enumerate(case.turns):
            turn_input = turn.input
            ctx = TemplateContext(
                case=case,
                input=turn_input,
                session_id=session_id,
                turn=t,
                history=tuple(history),
                run_id=self.run_id,
                repeat=item.repeat,
            )
            last = await self.client.call(ctx)
            attempts += last.attempts
            self._emit(case, item.repeat, t, last)
            turns.append(
                TurnRecord(last.request, last.response, last.outcome, last.latency_ms, last.error)
            )
            if last.outcome != "success" or last.response is None:
                break
            responses.append(last.response)
            history = extend_history(history, turn_input, last.response.output)
        assert last is not None
        latency = sum(tr.latency_ms for tr in turns)
        if last.outcome != "success" or last.response is None:
            where = f"turns[{len(turns) - 1}]: "  # as results.jsonl counts
            return case_result(
                case,
                item,
                "error",
                last.outcome,
                False,
                None,
                error=f"{where}{last.error or last.outcome}",
                latency_ms=latency,
                response=last.response,
                turns=tuple(turns),
                attempts=attempts,
            )
        cs = await score_case_async(case, responses, self.judge)
        return scored_result(case, item, cs, latency, None, last.response, tuple(turns), attempts)

    def _emit(self, case: Case, repeat: int, turn: int, res: CallResult) -> None:
        if not self.on_call:
            return
        ev = CallEvent(
            self.run_id,
            case.id,
            case.dataset,
            repeat,
            turn,
            res.outcome,
            res.latency_ms,
            res.attempts,
            res.response,
            res.error,
            case.tags,
            case.metadata,
        )
        for listener in self.on_call:
            listener(ev)
