"""Compare a canary run with the baseline (scores) and a reference (latency, tokens).

Pure logic: no I/O, no clock. Rules, each a one-line finding that names the metric, the
reference value, the current value, the tolerance and the cases behind it:

- ``down``: more than half of the calls errored after retries (endpoint down): no other rule
  is judged, the numbers would mean nothing.
- ``errors``: some calls errored, above ``max_error_rate``.
- ``latency_p95``: p95 latency of successful calls above the reference p95 times
  ``latency_p95_ratio`` (but at least 100 ms above it) or plus ``latency_p95_abs_ms`` (each set
  tolerance is a limit; crossing any is drift; ``None`` turns a tolerance off).
- ``mean_tokens``: mean tokens per case repeat, likewise with ``tokens_ratio`` / ``tokens_abs``.
- ``score``: mean score over the cases shared with the baseline dropped by more than
  ``max_score_drop``.
- ``case_failed``: a canary case fails (by majority over its repeats). A case that already
  failed in the baseline is reported as a note, not as drift.

A note (not drift) says when the endpoint answered with another promptVersion than the
baseline's: the comparison still runs, against that baseline.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

from evalgate.canary.reference import (
    BaselineCaseLike,
    reference_from_baseline,
    reference_from_results,
    result_tokens,
    same_content,
    successful,
)
from evalgate.canary.report import (
    DOWN,
    DRIFT,
    OK,
    CanaryReport,
    CanaryStats,
    Finding,
    Reference,
    name_cases,
)
from evalgate.config.model import CanaryConfig
from evalgate.errors import ConfigError
from evalgate.results import CaseResult, CaseStats, aggregate, percentile

DOWN_ERROR_RATE = 0.5
"""More than this share of calls erroring means the endpoint is down, not drifting."""
LATENCY_RATIO_FLOOR_MS = 100.0
"""The latency ratio limit is never closer than this to the reference: on a fast endpoint
(a local or cached one answering in 20 ms) x1.5 is a few milliseconds of scheduling noise."""


def _limit(
    ref: float, ratio: float | None, absolute: float | None, unit: str, floor: float = 0.0
) -> tuple[float, str]:
    """The lowest limit among the set tolerances, and the tolerance as text (inf when off).

    ``floor``: the ratio limit is at least ``ref + floor`` (an absolute tolerance is exact).
    """
    limits: list[tuple[float, str]] = []
    if ratio is not None:
        floored = ref * ratio < ref + floor
        text = f"x{ratio:g}" + (f" (at least +{floor:g}{unit})" if floored else "")
        limits.append((max(ref * ratio, ref + floor), text))
    if absolute is not None:
        limits.append((ref + absolute, f"+{absolute:g}{unit}"))
    if not limits:
        return float("inf"), "off"
    return min(v for v, _ in limits), " or ".join(t for _, t in limits)


def _drift_rule(
    metric: str,
    unit: str,
    current: float | None,
    ref: Reference,
    ref_value: float | None,
    tol: tuple[float | None, float | None],
    per_case: Mapping[str, float],
    floor: float = 0.0,
) -> Finding | None:
    if tol == (None, None):
        return None
    if current is None or ref_value is None:
        why = "no reference value" if current is not None else "no value in this run"
        return Finding(metric, f"{metric} not compared: {why}", blocking=False)
    limit, tol_text = _limit(ref_value, tol[0], tol[1], unit, floor)
    if current <= limit:
        return None
    over = sorted((c for c, v in per_case.items() if v > limit), key=lambda c: -per_case[c])
    cases = over or sorted(per_case, key=lambda c: -per_case[c])[:3]
    ratio = current / ref_value if ref_value else float("inf")
    msg = (
        f"{metric} {current:,.0f}{unit} vs {ref.source} {ref_value:,.0f}{unit}"
        f" (x{ratio:.2f}; tolerance {tol_text}); cases: {name_cases(cases)}"
    )
    return Finding(metric, msg, tuple(cases), ref_value, current, tol_text)


def _score_rules(
    stats: Mapping[str, CaseStats], baseline: Mapping[str, BaselineCaseLike], max_drop: float
) -> tuple[list[Finding], float | None]:
    """The mean-score drop over shared, unchanged cases; returns findings and the base mean."""
    shared = [
        c
        for c, s in stats.items()
        if s.score is not None
        and c in baseline
        and baseline[c].score is not None
        and same_content(baseline[c], s.content_hash)
    ]
    changed = sorted(
        c for c in stats if c in baseline and not same_content(baseline[c], stats[c].content_hash)
    )
    findings: list[Finding] = []
    if changed:
        findings.append(
            Finding(
                "score",
                f"{len(changed)} case(s) changed since the baseline, score not compared:"
                f" {name_cases(changed)}",
                tuple(changed),
                blocking=False,
            )
        )
    if not shared:
        findings.append(
            Finding(
                "score",
                "score not compared: no baseline scores for these cases"
                " (record one with 'evalgate run --record-baseline')",
                blocking=False,
            )
        )
        return findings, None
    cur = statistics.fmean(stats[c].score or 0.0 for c in shared)
    base = statistics.fmean(baseline[c].score or 0.0 for c in shared)
    if base - cur > max_drop:
        drops = {c: (baseline[c].score or 0.0) - (stats[c].score or 0.0) for c in shared}
        worse = sorted((c for c in shared if drops[c] > 0), key=lambda c: -drops[c])
        findings.append(
            Finding(
                "score",
                f"mean score {cur:.3f} vs baseline {base:.3f} (drop {base - cur:.3f} over"
                f" {len(shared)} cases; tolerance {max_drop:g}); cases: {name_cases(worse)}",
                tuple(worse),
                base,
                cur,
                f"<= {max_drop:g}",
            )
        )
    return findings, base


def _failing_rules(
    stats: Mapping[str, CaseStats], baseline: Mapping[str, BaselineCaseLike]
) -> list[Finding]:
    """Failing cases: drift, unless the case already failed in the baseline (a note)."""
    failing = sorted(c for c, s in stats.items() if s.passed is False)
    known = [c for c in failing if c in baseline and (baseline[c].pass_rate or 0.0) < 0.5]
    new = [c for c in failing if c not in known]
    findings: list[Finding] = []
    if new:
        findings.append(
            Finding(
                "case_failed",
                f"{len(new)} canary case(s) failing (baseline: passing or not recorded;"
                f" tolerance: none); cases: {name_cases(new)}",
                tuple(new),
            )
        )
    if known:
        findings.append(
            Finding(
                "case_failed",
                f"{len(known)} case(s) still failing as in the baseline: {name_cases(known)}",
                tuple(known),
                blocking=False,
            )
        )
    return findings


def compare_canary(
    results: Sequence[CaseResult],
    baseline: Mapping[str, BaselineCaseLike],
    cfg: CanaryConfig,
    *,
    reference: Sequence[CaseResult] | Reference | None = None,
    max_error_rate: float = 0.0,
    prompt_version: str | None = None,
    baseline_version: str | None = None,
) -> CanaryReport:
    """Judge a canary run: ``ok``, ``drift`` or ``down`` with one finding per broken rule.

    ``baseline`` maps case id to its baseline entry (scores). ``reference`` supplies latency
    and tokens: a reference run's results (by default the run that recorded the baseline),
    a :class:`Reference` (e.g. from the canary history), or ``None`` to use per-case values
    the baseline may hold. ``prompt_version`` (what the endpoint answered with) and
    ``baseline_version`` (what the baseline was recorded with) add a note when they differ.
    """
    attempted = [r for r in results if r.status != "skipped"]
    if not attempted:
        raise ConfigError(
            f"no canary results to judge: no case tagged '{cfg.tag}' ran;"
            " tag the cases to watch 'canary' (or pass --tag)"
        )
    stats = aggregate(attempted)
    errors = [r for r in attempted if r.status == "error"]
    outcomes: dict[str, int] = {}
    for r in errors:
        outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
    error_rate = len(errors) / len(attempted)
    err_cases = sorted({r.case_id for r in errors})
    breakdown = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))

    if isinstance(reference, Reference):
        ref = reference
    elif reference is not None:
        ref = reference_from_results(reference, set(stats))
    else:
        ref = reference_from_baseline(baseline, set(stats))

    ok = successful(attempted)
    lat_case: dict[str, float] = {}
    tok_case: dict[str, list[int]] = {}
    for r in ok:
        lat_case[r.case_id] = max(lat_case.get(r.case_id, 0.0), r.latency_ms)
        if (t := result_tokens(r)) is not None:
            tok_case.setdefault(r.case_id, []).append(t)
    all_tokens = [t for ts in tok_case.values() for t in ts]
    current_p95 = percentile([r.latency_ms for r in ok], 95)
    current_tokens = statistics.fmean(all_tokens) if all_tokens else None

    score_findings, base_mean = _score_rules(stats, baseline, cfg.max_score_drop)
    scored = [s.score for s in stats.values() if s.score is not None]
    canary_stats = CanaryStats(
        results=len(attempted),
        cases=len(stats),
        errors=len(errors),
        error_rate=error_rate,
        latency_p95_ms=current_p95,
        mean_tokens=current_tokens,
        mean_score=statistics.fmean(scored) if scored else None,
        base_mean_score=base_mean,
        outcomes=outcomes,
    )

    if error_rate > DOWN_ERROR_RATE:
        msg = (
            f"endpoint down: {len(errors)} of {len(attempted)} calls failed after retries"
            f" ({breakdown}; tolerance: at most half); cases: {name_cases(err_cases)}"
        )
        finding = Finding("down", msg, tuple(err_cases), None, error_rate, "<= 0.5")
        return CanaryReport(DOWN, (finding,), canary_stats, ref)

    findings: list[Finding] = []
    if prompt_version and baseline_version and prompt_version != baseline_version:
        findings.append(
            Finding(
                "prompt_version",
                f"prompt version changed: the endpoint answers with {prompt_version!r}, the"
                f" baseline was recorded with {baseline_version!r} and is compared with as is;"
                f" record a baseline for {prompt_version!r} once it is the expected version",
                blocking=False,
            )
        )
    if errors and error_rate > max_error_rate:
        findings.append(
            Finding(
                "errors",
                f"error rate {error_rate:.1%} ({breakdown}) vs tolerance {max_error_rate:.1%};"
                f" cases: {name_cases(err_cases)}",
                tuple(err_cases),
                max_error_rate,
                error_rate,
                f"<= {max_error_rate:g}",
            )
        )
    latency = _drift_rule(
        "latency_p95",
        " ms",
        current_p95,
        ref,
        ref.latency_p95_ms,
        (cfg.latency_p95_ratio, cfg.latency_p95_abs_ms),
        lat_case,
        LATENCY_RATIO_FLOOR_MS,
    )
    tokens = _drift_rule(
        "mean_tokens",
        " tokens",
        current_tokens,
        ref,
        ref.mean_tokens,
        (cfg.tokens_ratio, cfg.tokens_abs),
        {c: statistics.fmean(v) for c, v in tok_case.items()},
    )
    findings += [f for f in (latency, tokens) if f is not None]
    findings += score_findings
    findings += _failing_rules(stats, baseline)
    status = DRIFT if any(f.blocking for f in findings) else OK
    return CanaryReport(status, tuple(findings), canary_stats, ref)
