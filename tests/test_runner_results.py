"""Every field of the result the runner builds for each kind of case: one turn answered, one
turn failed, skipped, several turns answered, a turn failed midway, a scoring error."""

from __future__ import annotations

import asyncio
from dataclasses import fields

import pytest

from evalgate.events import CaseEvent
from evalgate.model import Case, Response, ScorerSpec, Turn
from evalgate.results import CaseResult, TurnRecord
from evalgate.runner import Runner, WorkItem
from evalgate.scoring import score_case
from evalgate.target import CallResult, TemplateContext
from evalgate.target.context import extend_history


class Scripted:
    """Answers each call with the next of ``answers``; remembers what it was asked."""

    def __init__(self, *answers: CallResult) -> None:
        self.answers = list(answers)
        self.seen: list[TemplateContext] = []

    async def call(self, ctx: TemplateContext) -> CallResult:
        self.seen.append(ctx)
        return self.answers.pop(0)


class Kept:
    def __init__(self) -> None:
        self.results: list[CaseResult] = []

    def write(self, result: CaseResult) -> None:
        self.results.append(result)


def ok(output: str, latency: float = 12.5, attempts: int = 1) -> CallResult:
    response = Response(output=output, latency_ms=latency, model="m")
    return CallResult(
        "success", response, {"q": output}, latency, attempts, ("success",) * attempts
    )


def failed(error: str | None = "HTTP 503", latency: float = 3.25) -> CallResult:
    return CallResult("http_error", None, {"q": "x"}, latency, 3, ("http_error",) * 3, 503, error)


CASE = Case(
    id="c1",
    dataset="ds",
    input={"message": "hi"},
    expect=(ScorerSpec("contains", "30 days"), ScorerSpec("not_contains", "sorry", weight=2.0)),
    tags=("refunds", "smoke"),
    metadata={"tenant": "acme"},
    weight=1.5,
    threshold=0.4,
    file="goldens/a.yaml",
    line=7,
    content_hash="abc123",
)


def run(client: Scripted, item: WorkItem, **kw: object) -> tuple[CaseResult, list[CaseEvent]]:
    sink = Kept()
    events: list[CaseEvent] = []
    runner = Runner(client, sink, "run-1", 2, on_case=[events.append], total=1, **kw)  # type: ignore[arg-type]
    asyncio.run(runner.run([item]))
    assert len(sink.results) == 1
    return sink.results[0], events


def case_fields(case: Case, item: WorkItem) -> dict[str, object]:
    return {
        "case_id": case.id,
        "dataset": case.dataset,
        "repeat": item.repeat,
        "tags": case.tags,
        "file": case.file,
        "line": case.line,
        "content_hash": case.content_hash,
        "threshold": case.threshold,
        "weight": case.weight,
        "confirmation": item.confirmation,
    }


def test_every_field_of_an_answered_case() -> None:
    answer = ok("refunds within 30 days", latency=40.75)
    client = Scripted(answer)
    item = WorkItem(CASE, 2, confirmation=True)
    got, events = run(client, item)
    cs = score_case(CASE, [answer.response])  # type: ignore[list-item]
    assert got == CaseResult(
        **case_fields(CASE, item),  # type: ignore[arg-type]
        status="passed",
        outcome="success",
        passed=True,
        score=cs.score,
        scores=cs.records,
        latency_ms=40.75,
        request=answer.request,
        response=answer.response,
        turns=(),
        error=None,
        attempts=1,
    )
    ctx = client.seen[0]
    assert (ctx.input, ctx.session_id, ctx.turn, ctx.history, ctx.run_id, ctx.repeat) == (
        CASE.input,
        "run-1:c1:2",
        0,
        (),
        "run-1",
        2,
    )
    assert events == [CaseEvent("run-1", "c1", 2, "passed", cs.score, 1, 1)]


def test_a_failing_answer_is_scored_as_failed() -> None:
    answer = ok("sorry, no idea", attempts=2)
    got, _ = run(Scripted(answer), WorkItem(CASE, 0))
    cs = score_case(CASE, [answer.response])  # type: ignore[list-item]
    assert (got.status, got.outcome, got.passed, got.score) == ("failed", "success", False, 0.0)
    assert got.scores == cs.records and got.attempts == 2 and got.error is None


def test_a_scorer_error_is_an_error_result_without_a_score() -> None:
    case = Case(id="c2", dataset="ds", expect=(ScorerSpec("no_such_scorer", None),))
    got, _ = run(Scripted(ok("x")), WorkItem(case, 0))
    assert (got.status, got.outcome, got.passed, got.score) == ("error", "success", False, None)
    assert got.error == "no_such_scorer: unknown scorer" and len(got.scores) == 1


@pytest.mark.parametrize("error", ["HTTP 503", None])
def test_every_field_of_a_failed_call(error: str | None) -> None:
    call = failed(error)
    item = WorkItem(CASE, 1)
    got, events = run(Scripted(call), item)
    assert got == CaseResult(
        **case_fields(CASE, item),  # type: ignore[arg-type]
        status="error",
        outcome="http_error",
        passed=False,
        score=None,
        scores=(),
        latency_ms=3.25,
        request=call.request,
        response=None,
        turns=(),
        error=error or "http_error",
        attempts=3,
    )
    assert events[0].status == "error" and events[0].score is None


def test_every_field_of_a_skipped_case() -> None:
    case = Case(id="c3", dataset="ds", skip=True, skip_reason="flaky upstream", tags=("t",))
    item = WorkItem(case, 0)
    client = Scripted()
    got, _ = run(client, item)
    assert client.seen == []
    assert got == CaseResult(
        **case_fields(case, item),  # type: ignore[arg-type]
        status="skipped",
        outcome="success",
        passed=False,
        score=None,
        error="flaky upstream",
    )


TURNS = Case(
    id="m1",
    dataset="ds",
    turns=(
        Turn({"message": "first"}, (ScorerSpec("contains", "one"),)),
        Turn({"message": "second"}, (ScorerSpec("contains", "two"),)),
    ),
    expect=(ScorerSpec("contains", "two"),),
    file="goldens/m.yaml",
    line=3,
)


def test_every_field_of_a_multi_turn_case() -> None:
    a, b = ok("one", latency=1.5, attempts=2), ok("two", latency=2.25)
    client = Scripted(a, b)
    item = WorkItem(TURNS, 0)
    got, _ = run(client, item)
    responses = [a.response, b.response]
    cs = score_case(TURNS, responses)  # type: ignore[arg-type]
    assert got == CaseResult(
        **case_fields(TURNS, item),  # type: ignore[arg-type]
        status="passed",
        outcome="success",
        passed=True,
        score=cs.score,
        scores=cs.records,
        latency_ms=3.75,
        request=None,
        response=b.response,
        turns=(
            TurnRecord(a.request, a.response, "success", 1.5),
            TurnRecord(b.request, b.response, "success", 2.25),
        ),
        error=None,
        attempts=3,
    )
    first, second = client.seen
    assert (first.turn, first.history, second.turn) == (0, (), 1)
    assert second.history == extend_history((), {"message": "first"}, "one")
    assert first.session_id == second.session_id == "run-1:m1:0"


def test_every_field_of_a_multi_turn_case_failing_midway() -> None:
    a, b = ok("one"), failed("timed out after 30 s")
    got, _ = run(Scripted(a, b), WorkItem(TURNS, 0))
    assert got == CaseResult(
        **case_fields(TURNS, WorkItem(TURNS, 0)),  # type: ignore[arg-type]
        status="error",
        outcome="http_error",
        passed=False,
        score=None,
        latency_ms=12.5 + 3.25,
        request=None,
        response=None,
        turns=(
            TurnRecord(a.request, a.response, "success", 12.5),
            TurnRecord(b.request, None, "http_error", 3.25, "timed out after 30 s"),
        ),
        error="turns[1]: timed out after 30 s",
        attempts=4,
    )


def test_the_fields_compared_are_all_the_fields() -> None:
    """A field added to CaseResult must be set by the runner, and checked above."""
    assert {f.name for f in fields(CaseResult)} == set(case_fields(CASE, WorkItem(CASE, 0))) | {
        "status",
        "outcome",
        "passed",
        "score",
        "scores",
        "latency_ms",
        "request",
        "response",
        "turns",
        "error",
        "attempts",
    }
