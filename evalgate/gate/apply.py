"""The gate applied to a finished run: find its baseline, confirm flips, add the run-level
reasons (a failed scorer, a mapping that found nothing) to the policy's verdict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from evalgate.config.model import Config
from evalgate.gate.baseline import Baseline
from evalgate.gate.baseline_store import BaselineStore
from evalgate.gate.policy import evaluate, to_confirm
from evalgate.gate.provenance import with_baseline_context
from evalgate.gate.verdict import INCONCLUSIVE, Reason, Verdict
from evalgate.model import Case, Response
from evalgate.results import CaseResult, CaseStats, aggregate
from evalgate.runner import WorkItem
from evalgate.target.presets import apply_preset, preset_mapping


def store_for(cfg: Config) -> BaselineStore:
    return BaselineStore(cfg.resolve(cfg.gate.baseline_dir))


def versions_seen(results: Sequence[CaseResult]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for r in results:
        responses = r.responses
        for resp in responses:
            if resp.prompt_version:
                seen[resp.prompt_version] = seen.get(resp.prompt_version, 0) + 1
    return seen


def main_version(results: Sequence[CaseResult], requested: str | None) -> str | None:
    seen = versions_seen(results)
    if requested:
        return requested
    return max(seen, key=lambda v: seen[v]) if seen else None


def resolve_baseline(
    cfg: Config,
    spec: str | None,
    results: Sequence[CaseResult],
    requested: str | None,
    stats: Mapping[str, CaseStats] | None = None,
) -> Baseline | None:
    """The baseline the run is gated against (``stats``: the run's per-case figures, whose
    case-id and content-hash texts the baseline's cases share)."""
    return store_for(cfg).resolve(
        spec or cfg.gate.baseline, main_version(results, requested), stats
    )


def confirmation_items(
    cases: Sequence[Case],
    results: Sequence[CaseResult],
    baseline: Baseline | None,
    times: int,
    stats: Mapping[str, CaseStats] | None = None,
) -> list[WorkItem]:
    """Extra repeats for the cases one bad draw could block: flipped, or failing new/changed.

    ``stats``: ``aggregate`` of the results without confirmation repeats, when known."""
    if times <= 0:
        return []
    if stats is None:
        stats = aggregate(r for r in results if not r.confirmation)
    flipped = set(to_confirm(stats, baseline))
    next_repeat: dict[str, int] = {}
    for r in results:
        next_repeat[r.case_id] = max(next_repeat.get(r.case_id, 0), r.repeat + 1)
    return [
        WorkItem(c, next_repeat.get(c.id, c.repeat) + k, confirmation=True)
        for c in sorted(cases, key=lambda c: c.id)
        if c.id in flipped
        for k in range(times)
    ]


SCORER_ERROR = "scorer_error"

# which mapped fields a scorer cannot do without
_NEEDS = {
    "tool_calls": ("tool_call",),
    "citations": ("citation",),
    "retrieved": ("citation", "mentions_retrieved_title", "grounded_or_fallback"),
    "input_tokens": ("max_tokens", "max_cost_usd"),
    "output_tokens": ("max_tokens", "max_cost_usd"),
}


def mapping_reasons(cfg: Config, results: Sequence[CaseResult]) -> list[Reason]:
    """A mapped field that found nothing in *every* response is a mapping mistake, not data.

    When a scorer in this run depends on it, the run cannot be judged (a blocking reason: a
    ``tool_call: {called: false}`` check would otherwise pass without checking anything). A field
    no scorer of this run reads says nothing about this run, and a preset's own expression is
    known to be right for its API: there "nothing" is the answer (a model that called no tool).
    """
    responses: list[Response] = []
    for r in results:
        if r.outcome == "success":
            responses.extend(r.responses)
    if not responses:
        return []
    used = {s.scorer for r in results for s in r.scores}
    mapping = apply_preset(cfg.target).response  # what the client really used
    out: list[Reason] = []
    for name in sorted({m for resp in responses for m in resp.missing}):
        if not all(name in resp.missing for resp in responses):
            continue
        expr = getattr(mapping, name, None)
        dependants = sorted(used & set(_NEEDS.get(name, ())))
        if not dependants or _preset_expression(cfg, name, expr):
            continue
        cases = sorted({r.case_id for r in results for s in r.scores if s.scorer in dependants})
        where = f"target.response.{name}" + (f" (expression '{expr}')" if expr else "")
        out.append(
            Reason(
                "mapping",
                f"{where} found nothing in any of {len(responses)} responses, so"
                f" {', '.join(dependants)} checks could not see real data; fix the mapping"
                " (the 'response' of a result in results.jsonl shows what was mapped)",
                tuple(cases),
            )
        )
    return out


def _preset_expression(cfg: Config, name: str, expr: object) -> bool:
    """Whether ``name`` is mapped by the preset's own expression (not one the user wrote)."""
    mapping = preset_mapping(cfg.target.preset)
    return mapping is not None and expr is not None and getattr(mapping, name, None) == expr


def scorer_error_results(results: Sequence[CaseResult]) -> list[CaseResult]:
    """Results that could not be scored: the call succeeded, a scorer failed (raised, timed out,
    returned something that is not a result)."""
    return [r for r in results if r.status == "error" and r.outcome == "success"]


def scorer_error_reason(results: Sequence[CaseResult]) -> Reason | None:
    """The blocking reason naming the first failed scorer and every case it hit (exit 2)."""
    failed = scorer_error_results(results)
    if not failed:
        return None
    first = failed[0]
    return Reason(
        SCORER_ERROR,
        f"{len(failed)} result(s) could not be scored because a scorer failed"
        f" (first: {first.case_id}: {first.error}); fix the scorer, then"
        " 'evalgate rescore RUN' re-scores without calling the endpoint",
        tuple(sorted({r.case_id for r in failed})),
    )


def apply_gate(
    cfg: Config,
    results: Sequence[CaseResult],
    baseline: Baseline | None,
    requested: str | None,
    stats: Mapping[str, CaseStats] | None = None,
) -> Verdict:
    """Apply the gate. Confirmation repeats are judged apart (see docs/gate.md).

    ``stats``: ``aggregate`` of the results without confirmation repeats, when known."""
    main = [r for r in results if not r.confirmation]
    extra = [r for r in results if r.confirmation]
    attempted = [r for r in main if r.status != "skipped"]
    # a scorer that raised is a bug in the goldens' scorers, not in the endpoint: it is kept
    # out of the error rate and reported on its own (exit 2)
    scorer_errors = scorer_error_results(attempted)
    verdict = evaluate(
        aggregate(main) if stats is None else stats,
        baseline,
        cfg.gate,
        prompt_versions=versions_seen(results),
        requested_version=requested,
        total_results=len(attempted),
        error_results=sum(1 for r in attempted if r.status == "error") - len(scorer_errors),
        confirmations=aggregate(extra) if extra else None,
    )
    extra_reasons = mapping_reasons(cfg, main)
    scorer_reason = scorer_error_reason(attempted)
    if scorer_reason is not None:
        extra_reasons.insert(0, scorer_reason)
    if extra_reasons:
        blocking = any(r.blocking for r in extra_reasons)
        verdict = replace(
            verdict,
            status=INCONCLUSIVE if blocking else verdict.status,
            reasons=(*extra_reasons, *verdict.reasons),
        )
    return with_baseline_context(cfg, verdict, baseline)
