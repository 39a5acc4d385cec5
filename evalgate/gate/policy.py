"""The gate's policy: a run's per-case statistics and a baseline in, a verdict out (pure).

Rules (docs/gate.md explains each):

- inconclusive (exit 3) when errors exceed ``max_error_rate``, when the endpoint served a prompt
  version other than the one asked for or several in one run, or when no case was scored. These
  win over failures: the data behind a failure cannot be trusted.
- fail (exit 1) when the mean score of the shared cases dropped by more than ``max_drop`` and
  the two-sample test against the baseline's history is significant at its share of ``alpha``
  (``gate/drop.py``); when a shared case that passed in the baseline is broken now beyond its
  recorded noise (``gate/cases.py``, critical cases and the others as two Holm families in the
  rest of ``alpha``); when a ``min_pass_rate`` floor is not met; when a case the baseline cannot
  vouch for (new, changed, or any case without a baseline) fails (``gate/coverage.py``).
- inconclusive too when fewer than ``min_shared`` of the scored cases are shared with the
  baseline (regressions cannot be measured against it), and when a critical case could not be
  scored at all (every repeat errored).
- "Passed" and "fails" are majority verdicts over every scored repeat (``pass_rate``), so
  confirmation re-runs (:func:`to_confirm`: flipped cases, failing new or changed ones) can
  clear an unlucky sample.

Confirmation re-runs go in ``confirmations``, not merged into ``candidate``: they are drawn only
for cases that got worse, so folding them into the scores of the drop test would pull those
cases up and no others, and the test would lose most of its power (measured: 58% -> 8% of real
10-point drops caught on 100 cases). The per-case rule reads the merged repeats; the drop test
and the absolute thresholds read the candidate run as it was.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from evalgate.config.model import GateConfig
from evalgate.gate.baseline import Baseline
from evalgate.gate.cases import case_rule
from evalgate.gate.coverage import (
    failing_unvouched,
    must_pass,
    no_expectations,
    shared_share,
    skipped_note,
    unscored_critical,
)
from evalgate.gate.deltas import STATUSES, CaseDeltas
from evalgate.gate.drop import CI_LEVEL, drop_rule
from evalgate.gate.rules import (
    INCONCLUSIVE_KINDS,
    NO_RESULTS,
    absolute_checks,
    by_id,
    names,
    passes,
    run_checks,
    shared,
)
from evalgate.gate.verdict import (
    FAIL,
    INCONCLUSIVE,
    INFO,
    PASS,
    Reason,
    Verdict,
)
from evalgate.results import CaseStats

_EMPTY: Mapping[str, int] = MappingProxyType({})


def flipped_cases(candidate: Mapping[str, CaseStats], baseline: Baseline | None) -> list[str]:
    """Shared cases that passed in the baseline and fail now: the ones worth re-running."""
    if baseline is None:
        return []
    return [
        cid
        for cid, s in by_id(candidate)
        if shared(s, baseline) and s.n > 0 and not passes(s.pass_rate)
        if passes(baseline.cases[cid].pass_rate)
    ]


def to_confirm(candidate: Mapping[str, CaseStats], baseline: Baseline | None) -> list[str]:
    """Every case a confirmation re-run could clear: flipped, or new or changed and failing.

    Without a baseline that is every failing case: each is held to passing on its own.
    """
    return sorted({*flipped_cases(candidate, baseline), *failing_unvouched(candidate, baseline)})


def merge_stats(first: CaseStats, extra: CaseStats) -> CaseStats:
    """One case's statistics over the repeats of both (``extra``: confirmation re-runs)."""
    n = first.n + extra.n
    total = (first.score or 0.0) * first.n + (extra.score or 0.0) * extra.n
    passes = first.passes + extra.passes
    scorer_pass = dict(first.scorer_pass)
    for name, (p, k) in extra.scorer_pass.items():
        p0, k0 = scorer_pass.get(name, (0, 0))
        scorer_pass[name] = (p0 + p, k0 + k)
    return dataclasses.replace(
        first,
        n=n,
        errors=first.errors + extra.errors,
        skipped=first.skipped and extra.skipped,
        score=total / n if n else None,
        pass_rate=passes / n if n else None,
        passes=passes,
        scorer_pass=scorer_pass,
    )


def _deltas(candidate: Mapping[str, CaseStats], baseline: Baseline | None) -> CaseDeltas:
    base_cases = baseline.cases if baseline else {}
    out = CaseDeltas()
    for cid in _all_ids(candidate, base_cases):
        s, b = candidate.get(cid), base_cases.get(cid)
        if s is None:
            status = "removed"
        elif b is None:
            status = "new"
        else:
            status = "shared" if shared(s, baseline) else "changed"
        out.append(
            cid,
            status,
            b.score if b else None,
            s.score if s else None,
            b.pass_rate if b else None,
            s.pass_rate if s else None,
        )
    return out


def _all_ids(a: Mapping[str, object], b: Mapping[str, object]) -> Iterator[str]:
    """Every id of ``a`` and ``b`` once, in sorted order, from their two sorted lists (no set
    of both sides' ids is made)."""
    last: str | None = None
    for cid in heapq.merge(sorted(a), sorted(b)):
        if cid != last:
            yield cid
            last = cid


def _scored(candidate: Mapping[str, CaseStats]) -> Mapping[str, CaseStats]:
    """The scored cases of ``candidate``, by case id in order: ``candidate`` itself when
    every case in it was scored and it is in that order already (as ``aggregate`` makes it),
    so that no copy of a large run's figures is made to judge it."""
    if all(s.n > 0 and s.score is not None for s in candidate.values()) and all(
        a < b for a, b in itertools.pairwise(candidate)
    ):
        return candidate
    return {
        cid: s for cid in sorted(candidate) if (s := candidate[cid]).n > 0 and s.score is not None
    }


def evaluate(
    candidate: Mapping[str, CaseStats],
    baseline: Baseline | None,
    cfg: GateConfig,
    *,
    prompt_versions: Mapping[str, int] = _EMPTY,
    requested_version: str | None = None,
    total_results: int | None = None,
    error_results: int | None = None,
    confirmations: Mapping[str, CaseStats] | None = None,
    ci_resamples: int | None = None,
) -> Verdict:
    """Judge a run. ``candidate`` maps case id to its statistics (``results.aggregate``).

    ``prompt_versions`` counts the versions the endpoint served; ``total_results`` and
    ``error_results`` default to the counts in ``candidate``. ``confirmations`` holds the
    re-runs of :func:`to_confirm` (aggregated on their own). ``ci_resamples`` (default
    ``min(cfg.resamples, 2000)``; 0 skips it) only affects the reported interval.
    """
    reasons, run_info = run_checks(
        candidate, cfg, prompt_versions, requested_version, total_results, error_results
    )
    scored = _scored(candidate)
    if not scored:
        reasons.append(Reason(NO_RESULTS, "no case was scored; nothing to judge"))
    info: dict[str, object] = {}
    # "passes" reads every repeat, confirmation re-runs included; the drop test does not
    confirmed = scored
    if confirmations:  # a copy only to merge into
        merged = dict(scored)
        for cid, extra in confirmations.items():
            if cid in merged:
                merged[cid] = merge_stats(merged[cid], extra)
        confirmed = merged
    if baseline is None:
        reasons.append(
            Reason(INFO, "no baseline: judged on absolute expectations only", blocking=False)
        )
        deltas = _deltas(candidate, None)
    else:
        few, share_info = shared_share(scored, baseline, cfg)
        reasons += few
        if ci_resamples is None:
            ci_resamples = min(cfg.resamples, 2000)
        drop_reasons, info = drop_rule(scored, baseline, cfg, ci_resamples)
        info = {**info, **share_info}
        reasons += drop_reasons
        case_reasons, case_info = case_rule(confirmed, baseline, cfg)
        info = {**info, **case_info}
        reasons += case_reasons
        reasons += _mismatch_notes(scored, baseline)
        # made once the rules are done: a large run's deltas are not held beside their figures
        deltas = _deltas(candidate, baseline)
        removed = deltas.case_ids_with("removed")
        if removed:
            reasons.append(
                Reason(
                    INFO,
                    f"{len(removed)} baseline cases were not run: {names(removed)}",
                    tuple(removed),
                    blocking=False,
                )
            )
        reasons += skipped_note(candidate, baseline)
    reasons += must_pass(confirmed, baseline)
    reasons += unscored_critical(candidate, cfg)
    reasons += no_expectations(scored)
    reasons += absolute_checks(scored, cfg)
    blocking = [r for r in reasons if r.blocking]
    if any(r.kind in INCONCLUSIVE_KINDS for r in blocking):
        status = INCONCLUSIVE
    else:
        status = FAIL if blocking else PASS
    order = {True: 0, False: 1}
    reasons.sort(key=lambda r: (order[r.kind in INCONCLUSIVE_KINDS], order[r.blocking]))
    counts = dict.fromkeys(STATUSES, 0)
    for i in range(len(deltas)):
        counts[deltas.status_of(i)] += 1
    scores = [s.score for s in scored.values() if s.score is not None]
    p_value = info.get("p_value")
    mdd = info.get("mdd")
    return Verdict(
        status=status,
        reasons=tuple(reasons),
        baseline_version=baseline.prompt_version if baseline else None,
        mean_score=sum(scores) / len(scores) if scores else None,
        base_mean_score=_float(info.get("base_mean")),
        shared_mean_score=_float(info.get("shared_mean")),
        p_value=_float(p_value),
        test=str(info["test"]) if "test" in info else None,
        min_detectable_drop=_float(mdd),
        deltas=deltas,
        stats={
            **run_info,
            **{
                k: v
                for k, v in info.items()
                if k not in ("base_mean", "shared_mean", "p_value", "test", "mdd")
            },
            **counts,
            "alpha": cfg.alpha,
            "max_drop": cfg.max_drop,
            "seed": cfg.seed,
            "ci_level": CI_LEVEL,
        },
    )


def _mismatch_notes(scored: Mapping[str, CaseStats], baseline: Baseline) -> list[Reason]:
    """Repeat counts and scorer sets that differ from the baseline's: what the gate did."""
    out = []
    # one pass over the shared cases, each baseline case read once
    per_run: set[int] = set()
    now: set[int] = set()
    odd: list[str] = []
    for c, s in scored.items():
        if not shared(s, baseline):
            continue
        b = baseline.cases[c]
        per_run.add(b.samples[-1][1])
        now.add(s.n)
        if b.scorer_pass and s.scorer_pass and b.scorer_pass.keys() != s.scorer_pass.keys():
            odd.append(c)
    if now and per_run != now:
        out.append(
            Reason(
                INFO,
                f"repeats differ from the baseline's (baseline {_span(per_run)} per recorded run,"
                f" now {_span(now)}): both are compared as samples of their own size, and"
                " 'passed' is each side's majority, so a case at 50-70% can flip on that alone",
                blocking=False,
            )
        )
    if odd:
        out.append(
            Reason(
                INFO,
                f"{len(odd)} cases ran other scorers than in the baseline: {names(odd)}; their"
                " scores measure something else now (a scorer added, renamed or removed without"
                " a content change): record the baseline again",
                tuple(odd),
                blocking=False,
            )
        )
    return out


def _span(values: set[int]) -> str:
    lo, hi = min(values), max(values)
    return str(lo) if lo == hi else f"{lo}-{hi}"


def _float(v: object) -> float | None:
    return float(v) if isinstance(v, (int, float)) else None
