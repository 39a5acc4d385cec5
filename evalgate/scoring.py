"""Score one case: apply its scorers to its response(s) and combine them into a CaseScore."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evalgate.model import Case, Response, ScorerSpec
from evalgate.scorers.registry import REGISTRY, Registry, ScoreRecord, apply_scorer


@dataclass(frozen=True, slots=True)
class CaseScore:
    """A case's combined score: weighted mean of its scorers, pass/fail, and each record."""

    score: float
    passed: bool
    records: tuple[ScoreRecord, ...]
    error: str | None = None


def score_case(
    case: Case, responses: Sequence[Response], registry: Registry = REGISTRY
) -> CaseScore:
    """Apply ``case``'s expectations to its responses.

    Single-turn: ``case.expect`` applies to ``responses[0]``. Multi-turn: each turn's
    ``expect`` applies to that turn's response (``ScoreRecord.turn`` is its index) and
    ``case.expect`` to the last response. The score is the weighted mean of scorer values
    (1.0 with no scorers); the case passes when every scorer passes and, if
    ``case.threshold`` is set, the score reaches it. A scorer that raised sets ``error``.
    """
    if not responses:
        return CaseScore(0.0, False, (), error="no response to score")
    if not case.turns:  # the plan of a single-turn case: its expect on its one response
        response = responses[0]
        return combine(
            [apply_scorer(s, response, case, registry) for s in case.expect], case.threshold
        )
    plan, missing = scoring_plan(case, responses)
    records = [apply_scorer(s, resp, case, registry, turn=turn) for s, resp, turn in plan]
    if missing is not None:
        return CaseScore(0.0, False, tuple(records), error=missing)
    return combine(records, case.threshold)


def scoring_plan(
    case: Case, responses: Sequence[Response]
) -> tuple[list[tuple[ScorerSpec, Response, int | None]], str | None]:
    """Which scorer reads which response, in order (see :func:`score_case`), and why scoring
    stops early: a turn without its response (the scorers planned before it still run)."""
    if not case.turns:
        return [(s, responses[0], None) for s in case.expect], None
    plan: list[tuple[ScorerSpec, Response, int | None]] = []
    for i, turn in enumerate(case.turns):
        if i >= len(responses):
            return plan, f"turn {i} has no response ({len(responses)} for {len(case.turns)} turns)"
        plan.extend((s, responses[i], i) for s in turn.expect)
    last = responses[len(case.turns) - 1]
    plan.extend((s, last, None) for s in case.expect)
    return plan, None


def combine(records: Sequence[ScoreRecord], threshold: float | None = None) -> CaseScore:
    """Weighted mean and pass/fail of a case's score records.

    Advisory records (an uncalibrated judge's failures) are kept but neither score nor fail.
    """
    errors: list[str] = []
    scored: list[ScoreRecord] = []
    passed = True
    for r in records:  # one pass over the records (this runs once per case and repeat)
        if r.error is not None:
            errors.append(r.error if r.error.startswith("scorer '") else f"{r.scorer}: {r.error}")
        if not r.advisory:
            scored.append(r)
            if not r.passed:
                passed = False
    if not scored:
        score = 1.0
    else:
        weights = [max(r.weight, 0.0) for r in scored]
        total_weight = sum(weights)
        if total_weight > 0:
            score = sum([r.score * w for r, w in zip(scored, weights, strict=True)]) / total_weight
        else:
            score = sum([r.score for r in scored]) / len(scored)
    passed = passed and not errors
    if threshold is not None and score < threshold:
        passed = False
    return CaseScore(score, passed, tuple(records), error="; ".join(errors) or None)
