"""The runner's async scoring phase: judge-graded scorers are awaited, the rest run as before."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from evalgate.gate.verdict import INFO, Reason
from evalgate.llmjudge import JUDGE_ERROR_PREFIX, JUDGE_SCORERS
from evalgate.model import Case, Response, ScorerSpec
from evalgate.results import CaseResult
from evalgate.scorers.registry import REGISTRY, Registry, ScoreRecord, apply_scorer
from evalgate.scoring import CaseScore, combine, score_case, scoring_plan
from evalgate.status import Outcome, ResultStatus

if TYPE_CHECKING:  # the grader and its client only when a run has a judge
    from evalgate.llmjudge.grader import Judge


def scored_outcome(cs: CaseScore) -> Outcome:
    """The outcome of a case whose call succeeded: ``judge_error`` when only the judge failed
    (an outage or garbage verdicts: counted in the error rate, exit 3 past it), else ``success``
    (a scorer bug, if any, stays a scorer error: exit 2)."""
    errors = [r.error for r in cs.records if r.error is not None]
    if errors and all(e.startswith(JUDGE_ERROR_PREFIX) for e in errors):
        return "judge_error"
    return "success"


def scored_fields(cs: CaseScore) -> tuple[ResultStatus, Outcome, bool, float | None]:
    """A scored case's ``status``, ``outcome``, ``passed`` and ``score`` (its call succeeded):
    a scoring error is an ``error`` result without a score."""
    if cs.error is not None:
        return "error", scored_outcome(cs), False, None
    return ("passed" if cs.passed else "failed"), "success", cs.passed, cs.score


def result_fields(cs: CaseScore) -> dict[str, Any]:
    """The fields of a ``CaseResult`` that a case's scoring decides (its call succeeded)."""
    status, outcome, passed, score = scored_fields(cs)
    return {
        "status": status,
        "outcome": outcome,
        "passed": passed,
        "score": score,
        "scores": cs.records,
        "error": cs.error,
    }


def uses_judge(case: Case) -> bool:
    """Whether a scorer of ``case`` (its own or a turn's) is graded by the LLM judge.

    Asked of every case when a run opens (and closes) the judge: the case's own scorers by
    their names alone (a golden case's records are built each time they are read)."""
    if not JUDGE_SCORERS.isdisjoint(case.expect_names):
        return True
    return any(s.name in JUDGE_SCORERS for t in case.turns for s in t.expect)


async def score_case_async(
    case: Case,
    responses: Sequence[Response],
    judge: Judge | None,
    registry: Registry = REGISTRY,
) -> CaseScore:
    """Like :func:`evalgate.scoring.score_case`, awaiting the judge for its scorers.

    Without a judge (or a case that uses none) it is exactly ``score_case``: a judge scorer
    then gives an ``error`` record saying that no judge is configured.
    """
    if judge is None or not uses_judge(case):
        return score_case(case, responses, registry)
    if not responses:
        return CaseScore(0.0, False, (), error="no response to score")

    async def one(s: ScorerSpec, response: Response, turn: int | None) -> ScoreRecord:
        if s.name in JUDGE_SCORERS and registry.get(s.name) is REGISTRY.get(s.name):
            return await judge.grade(s, response, case, turn)
        return apply_scorer(s, response, case, registry, turn=turn)

    plan, missing = scoring_plan(case, responses)
    records = [await one(s, resp, turn) for s, resp, turn in plan]
    if missing is not None:
        return CaseScore(0.0, False, tuple(records), error=missing)
    return combine(records, case.threshold)


ADVISORY = " [advisory: "  # how the grader marks an advisory failure's reason


def advisory_notes(results: Iterable[CaseResult]) -> list[Reason]:
    """One informational verdict reason per cause of advisory judge failures: which cases, and
    why the judge could not block them (not calibrated, too few labels for the criterion, ...)."""
    by_why: dict[str, list[str]] = {}
    for r in results:
        for s in r.scores:
            if s.advisory and ADVISORY in s.reason:
                why = s.reason.rsplit(ADVISORY, 1)[1].removesuffix("]")
                ids = by_why.setdefault(why, [])
                if r.case_id not in ids:
                    ids.append(r.case_id)
    out = []
    for why, ids in by_why.items():
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        out.append(
            Reason(
                INFO,
                f"LLM judge failures in {len(ids)} case(s) are advisory, not blocking"
                f" ({shown}): {why}",
                tuple(ids),
                blocking=False,
            )
        )
    return out
