"""The result the runner builds for a work item, at once or once its answer is scored."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalgate.llmjudge.phase import scored_fields
from evalgate.model import JSON, Case, Response
from evalgate.results import CaseResult, TurnRecord
from evalgate.scorers.registry import ScoreRecord
from evalgate.scoring import CaseScore, Plan
from evalgate.status import Outcome, ResultStatus
from evalgate.target import CallResult

if TYPE_CHECKING:
    from evalgate.runner import WorkItem


class Answered:
    """A single-turn call that was answered, whose scoring can wait for the runner's finisher:
    its scorers are all built-ins (no plugin code, no judge, nothing awaited), so when it is
    scored changes nothing it says. The runner keeps these in the order they were answered."""

    __slots__ = ("case", "item", "last", "latency", "plan", "response")

    def __init__(
        self,
        plan: Plan,
        case: Case,
        item: WorkItem,
        last: CallResult,
        latency: float,
        response: Response,
    ) -> None:
        self.plan = plan
        self.case = case
        self.item = item
        self.last = last
        self.latency = latency
        self.response = response

    def result(self) -> CaseResult:
        """The result, as the runner would have built it at once."""
        case, last = self.case, self.last
        cs = self.plan.score(self.response, case)
        return scored_result(
            case, self.item, cs, self.latency, last.request, self.response, (), last.attempts
        )


def case_result(
    case: Case,
    item: WorkItem,
    status: ResultStatus,
    outcome: Outcome,
    passed: bool,
    score: float | None,
    scores: tuple[ScoreRecord, ...] = (),
    error: str | None = None,
    latency_ms: float = 0.0,
    request: JSON = None,
    response: Response | None = None,
    turns: tuple[TurnRecord, ...] = (),
    attempts: int = 1,
) -> CaseResult:
    """A case's result: what the run decided, with the case's own fields copied in."""
    return CaseResult(
        case_id=case.id,
        dataset=case.dataset,
        repeat=item.repeat,
        status=status,
        outcome=outcome,
        passed=passed,
        score=score,
        scores=scores,
        latency_ms=latency_ms,
        request=request,
        response=response,
        turns=turns,
        error=error,
        attempts=attempts,
        tags=case.tags,
        file=case.file,
        line=case.line,
        content_hash=case.content_hash,
        threshold=case.threshold,
        weight=case.weight,
        confirmation=item.confirmation,
    )


def scored_result(
    case: Case,
    item: WorkItem,
    cs: CaseScore,
    latency_ms: float,
    request: JSON,
    response: Response,
    turns: tuple[TurnRecord, ...],
    attempts: int,
) -> CaseResult:
    """The result of a case whose calls succeeded, as its scoring decided."""
    status, outcome, passed, score = scored_fields(cs)
    return case_result(
        case,
        item,
        status,
        outcome,
        passed,
        score,
        cs.records,
        cs.error,
        latency_ms,
        request,
        response,
        turns,
        attempts,
    )
