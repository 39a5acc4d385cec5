"""Score one case: apply its scorers to its response(s) and combine them into a CaseScore.

A single-turn case is scored by the plan of its expect list (:class:`Plan`), made once for
all the cases that share the list: the scorers are looked up and the built-ins' params
prepared once (:func:`evalgate.scorers.registry.prepared`), and a passing record that says
the same as the last one is that record again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from types import CodeType

from evalgate import guard
from evalgate.model import Case, Response, ScorerSpec, held_expect
from evalgate.quickinit import quick_init
from evalgate.scorers.outcome import coerce_score, failure_message
from evalgate.scorers.registry import (
    REGISTRY,
    Check,
    Registry,
    ScoreRecord,
    apply_scorer,
    preparer,
)

# plans kept per registry: goldens hold few distinct expect lists (cases share them); a run
# whose every case has its own list makes a plan per case and keeps only the last ones
PLANS_KEPT = 256


@quick_init
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
        return plan_of(case, registry).score(responses[0], case)
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


Step = Callable[[Response, Case], ScoreRecord]


class Plan:
    """How a single-turn case with a given expect list is scored: one step per scorer.

    :meth:`score` gives what ``combine([apply_scorer(s, response, case) for s in expect],
    case.threshold)`` gives, for every case with that list.
    """

    __slots__ = ("builtin", "held", "steps", "total_weight", "weights")

    def __init__(self, held: object, expect: Sequence[ScorerSpec], registry: Registry) -> None:
        self.held = held  # what the cases hold their list as (kept: its id is the plan's key)
        self.steps = [_step(s, registry) for s in expect]
        # every scorer is evalgate's own (an unknown name too: it only gives an error record):
        # scoring runs no plugin code, so the runner may do it after sending the next request
        self.builtin = all(_builtin(s, registry) for s in expect)
        # as combine weighs a record: by its spec's weight, never below zero
        self.weights = [max(s.weight, 0.0) for s in expect]
        self.total_weight = sum(self.weights)

    def score(self, response: Response, case: Case) -> CaseScore:
        records = [step(response, case) for step in self.steps]
        for r in records:
            if not r.passed or r.error is not None or r.advisory:
                return combine(records, case.threshold)
        # every scorer passed: combine's weighted mean, the same sums in the same order
        if not records:
            score = 1.0
        elif self.total_weight > 0:
            weights = self.weights
            score = sum([r.score * w for r, w in zip(records, weights, strict=True)])
            score /= self.total_weight
        else:
            score = sum([r.score for r in records]) / len(records)
        threshold = case.threshold
        return CaseScore(score, threshold is None or not score < threshold, tuple(records))


def plan_of(case: Case, registry: Registry = REGISTRY) -> Plan:
    """The plan of ``case``'s expect list, made on first use and kept in ``registry``."""
    held = held_expect(case)
    plans = registry.plans
    plan = plans.get(id(held))
    if plan is None or plan.held is not held:
        if len(plans) >= PLANS_KEPT:
            plans.clear()
        plan = plans[id(held)] = Plan(held, case.expect, registry)
    return plan


def _step(spec: ScorerSpec, registry: Registry) -> Step:
    """``spec`` on a response, as :func:`apply_scorer` gives it."""
    d = registry.get(spec.name)
    prepare = None if d is None else preparer(d)
    if d is None or prepare is None:  # unknown, a plugin, or a built-in with nothing to prepare
        return partial(_applied, spec, registry)
    try:
        check = prepare(spec.params)
    except Exception:  # params it cannot take: each response gets the error apply_scorer gives
        return partial(_applied, spec, registry)
    return partial(_prepared, check, spec.name, spec.weight, d.code, [None])


def _builtin(spec: ScorerSpec, registry: Registry) -> bool:
    d = registry.get(spec.name)
    return d is None or d.origin == "builtin"


def _applied(spec: ScorerSpec, registry: Registry, response: Response, case: Case) -> ScoreRecord:
    return apply_scorer(spec, response, case, registry)


def _prepared(
    check: Check,
    name: str,
    weight: float,
    code: CodeType | None,
    last: list[tuple[object, ScoreRecord] | None],
    response: Response,
    case: Case,
) -> ScoreRecord:
    """A prepared built-in on a response: what apply_scorer gives for it (a built-in is ours:
    called directly, as apply_scorer calls it). ``last``: the last score and its record."""
    try:
        s = check(response, case)
        held = last[0]  # one read: another thread scoring with this plan swaps the pair whole
        if held is not None and held[0] is s:  # the last score (checked then) once more
            return held[1]
        s = coerce_score(s, name)
    except Exception as exc:
        msg = failure_message(name, code, guard.PluginFailed(exc, False, None))
        return ScoreRecord(name, 0.0, False, msg, weight, error=msg)
    record = ScoreRecord(name, s.value, s.passed, s.reason, weight)
    last[0] = (s, record)
    return record
