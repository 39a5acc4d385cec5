"""The runner sends a worker's next request before it scores and writes the last answer,
and writes results in the order their calls were answered, nothing answered lost."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import pytest

from evalgate.model import Case, Response, ScorerSpec
from evalgate.results import CaseResult
from evalgate.runner import Runner, WorkItem
from evalgate.runner_results import Answered
from evalgate.scorers.registry import REGISTRY, ScorerDef
from evalgate.scoring import plan_of, score_case
from evalgate.target import CallResult, TemplateContext


def ok(output: str) -> CallResult:
    response = Response(output=output, latency_ms=1.0)
    return CallResult("success", response, {"q": output}, 1.0, 1, ("success",))


def failed() -> CallResult:
    return CallResult("http_error", None, {"q": "x"}, 1.0, 1, ("http_error",), 503, "HTTP 503")


def case(cid: str, scorer: str = "contains") -> Case:
    return Case(id=cid, dataset="ds", expect=(ScorerSpec(scorer, "yes"),))


class Kept:
    def __init__(self) -> None:
        self.results: list[CaseResult] = []

    def write(self, result: CaseResult) -> None:
        self.results.append(result)


class Client:
    """Answers ``answers[case id]``; notes how many results were written as each call began;
    a case id in ``gates`` waits for its event before answering."""

    def __init__(self, sink: Kept, answers: dict[str, CallResult]) -> None:
        self.sink = sink
        self.answers = answers
        self.gates: dict[str, asyncio.Event] = {}
        self.written_at_start: list[tuple[str, int]] = []

    async def call(self, ctx: TemplateContext) -> CallResult:
        self.written_at_start.append((ctx.case.id, len(self.sink.results)))
        gate = self.gates.get(ctx.case.id)
        if gate is not None:
            await gate.wait()
        answer = self.answers[ctx.case.id]
        if answer.outcome == "success":
            await asyncio.sleep(0)  # waits for its answer (a failure here comes at once)
        return answer


def items(*cases: Case) -> list[WorkItem]:
    return [WorkItem(c, 0) for c in cases]


def test_the_next_request_goes_out_before_the_last_answer_is_written() -> None:
    sink = Kept()
    client = Client(sink, {"a": ok("yes"), "b": ok("yes"), "c": ok("no")})
    asyncio.run(Runner(client, sink, "r", 1).run(items(case("a"), case("b"), case("c"))))
    # one worker: scoring first, "b" would start with "a" written; "a" is written while "b"
    # waits for its answer
    assert client.written_at_start == [("a", 0), ("b", 0), ("c", 1)]
    assert [(r.case_id, r.status) for r in sink.results] == [
        ("a", "passed"),
        ("b", "passed"),
        ("c", "failed"),
    ]


def test_results_are_the_ones_scored_at_once() -> None:
    sink = Kept()
    cases = [case(f"c{i}") for i in range(20)]
    answers = {c.id: ok("yes" if i % 3 else "no") for i, c in enumerate(cases)}
    asyncio.run(Runner(Client(sink, answers), sink, "r", 4).run(items(*cases)))
    assert [r.case_id for r in sink.results] == [c.id for c in cases]
    for c, r in zip(cases, sink.results, strict=True):
        cs = score_case(c, [answers[c.id].response])  # type: ignore[list-item]
        assert (r.scores, r.score, r.passed) == (cs.records, cs.score, cs.passed)


def test_results_are_written_in_the_order_calls_were_answered() -> None:
    """A failed call (written at once) never jumps ahead of calls answered before it."""

    async def main() -> list[str]:
        sink = Kept()
        cases = [case("slow"), case("fast1"), case("bad"), case("fast2")]
        answers = {"slow": ok("yes"), "fast1": ok("yes"), "bad": failed(), "fast2": ok("no")}
        client = Client(sink, answers)
        client.gates["slow"] = gate = asyncio.Event()
        runner = Runner(client, sink, "r", 2)
        task = asyncio.create_task(runner.run(items(*cases)))
        while len(client.written_at_start) < 4:
            await asyncio.sleep(0)
        gate.set()
        await task
        return [r.case_id for r in sink.results]

    assert asyncio.run(main()) == ["fast1", "bad", "fast2", "slow"]


def test_answered_calls_are_kept_when_the_run_is_cancelled() -> None:
    async def main() -> Kept:
        sink = Kept()
        client = Client(sink, {"a": ok("yes"), "b": ok("yes")})
        client.gates["b"] = asyncio.Event()  # never set: "b" is in flight when cut short
        run = asyncio.current_task()
        assert run is not None

        async def cut() -> None:
            while not client.written_at_start or client.written_at_start[-1][0] != "b":
                await asyncio.sleep(0)
            run.cancel()

        asyncio.get_running_loop().create_task(cut())
        with contextlib.suppress(asyncio.CancelledError):
            await Runner(client, sink, "r", 1).run(items(case("a"), case("b")))
        return sink

    sink = asyncio.run(main())
    assert [r.case_id for r in sink.results] == ["a"]


def test_a_scoring_bug_stops_the_run_and_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Answered) -> CaseResult:
        raise RuntimeError("scoring bug")

    monkeypatch.setattr(Answered, "result", broken)
    sink = Kept()
    many = [case(f"c{i}") for i in range(50)]
    client = Client(sink, {c.id: ok("yes") for c in many})
    with pytest.raises(RuntimeError, match="scoring bug"):
        asyncio.run(Runner(client, sink, "r", 2).run(items(*many)))
    assert len(client.written_at_start) < len(many)  # the run stopped early
    assert sink.results == []


@pytest.fixture
def plugin() -> Iterator[str]:
    """A custom scorer (plugin code) in the registry runs use."""
    name = "runner_finisher_plugin"

    def fn(response: Response, params: object, case: Case) -> bool:
        return True

    REGISTRY.add(ScorerDef(name, fn, None, "", origin="scorers/mine.py"))
    try:
        yield name
    finally:
        REGISTRY._defs.pop(name)  # the global registry, as it was
        REGISTRY.plans.clear()


def test_plugin_scorers_run_before_the_next_request(plugin: str) -> None:
    """Plugin code is never left for later: an interrupt in it drops only its own case."""
    assert not plan_of(case("p", plugin)).builtin
    assert plan_of(case("q")).builtin
    sink = Kept()
    client = Client(sink, {"p1": ok("yes"), "p2": ok("yes")})
    asyncio.run(Runner(client, sink, "r", 1).run(items(case("p1", plugin), case("p2", plugin))))
    assert client.written_at_start == [("p1", 0), ("p2", 1)]
    assert [r.status for r in sink.results] == ["passed", "passed"]


def test_with_a_cost_budget_each_result_counts_before_the_next_starts() -> None:
    class Meter:
        def __init__(self) -> None:
            self.seen = 0

        def see(self, result: CaseResult, done: int, total: int) -> str | None:
            self.seen += 1
            return "spent" if self.seen >= 1 else None

    sink = Kept()
    client = Client(sink, {"a": ok("yes"), "b": ok("yes")})
    runner = Runner(client, sink, "r", 1, budget=Meter())
    asyncio.run(runner.run(items(case("a"), case("b"))))
    assert runner.abort_reason == "spent"
    assert [r.case_id for r in sink.results] == ["a"]  # "b" never started
