"""The drop rule: a significant fall of the mean score over the shared cases (pure).

It reads the candidate run as it was, never confirmation re-runs (see ``policy``), and reports
the p-value, the test used, a bootstrap interval and the golden set's detectable drop.
"""

from __future__ import annotations

from collections.abc import Mapping

from evalgate.config.model import GateConfig
from evalgate.gate import stats
from evalgate.gate.baseline import Baseline
from evalgate.gate.rules import EPS, MAX_NAMED, shared
from evalgate.gate.verdict import INFO, REGRESSION, Reason
from evalgate.results import CaseStats

CI_LEVEL = 0.95


def drop_rule(
    candidate: Mapping[str, CaseStats],
    baseline: Baseline,
    cfg: GateConfig,
    ci_resamples: int,
) -> tuple[list[Reason], dict[str, object]]:
    """Reasons (a blocking regression and/or notes) and the figures for the verdict."""
    pairs = [
        (cid, baseline.cases[cid].score, s.score)
        for cid, s in sorted(candidate.items())
        if shared(s, baseline) and s.n > 0 and s.score is not None
    ]
    info: dict[str, object] = {"n_paired": len(pairs)}
    if not pairs:
        return [
            Reason(INFO, "no shared cases with the baseline; drop test skipped", blocking=False)
        ], info
    base = [b for _, b, _ in pairs]
    cand = [c for _, _, c in pairs]
    diffs = [c - b for _, b, c in pairs]
    base_mean, cand_mean = sum(base) / len(base), sum(cand) / len(cand)
    drop = base_mean - cand_mean
    test = stats.paired_drop_test(base, cand, resamples=cfg.resamples, seed=cfg.seed)
    mdd = stats.min_detectable_drop(diffs, cfg.alpha)
    ci = stats.bootstrap_ci(diffs, level=CI_LEVEL, resamples=ci_resamples, seed=cfg.seed)
    info.update(
        base_mean=base_mean,
        shared_mean=cand_mean,
        p_value=test.p_value,
        test=test.test,
        mdd=mdd,
        nonzero=test.nonzero,
        drops=test.drops,
        gains=test.gains,
        resamples=test.resamples,
        ci_low=ci[0] if ci else None,
        ci_high=ci[1] if ci else None,
    )
    reasons = []
    worst = sorted((d, cid) for (cid, _, _), d in zip(pairs, diffs, strict=True) if d < 0)
    dropped = [cid for _, cid in worst]
    most = ", ".join(f"{cid} ({d:+.2f})" for d, cid in worst[:MAX_NAMED])
    more = f" and {len(worst) - MAX_NAMED} more" if len(worst) > MAX_NAMED else ""
    what = (
        f"mean score of {len(pairs)} shared cases fell from {base_mean:.3f} to {cand_mean:.3f}"
        f" ({-drop:+.3f}; max_drop {cfg.max_drop})"
    )
    if drop > cfg.max_drop + EPS and test.p_value <= cfg.alpha:
        reasons.append(
            Reason(
                REGRESSION,
                f"{what}, significant: p={test.p_value:.3g} <= alpha {cfg.alpha} ({test.test})."
                f" Dropped most: {most}{more}",
                tuple(dropped),
            )
        )
    elif drop > cfg.max_drop + EPS:
        reasons.append(
            Reason(
                INFO,
                f"{what}, but not significant: p={test.p_value:.3g} > alpha {cfg.alpha}"
                f" ({test.test}). Dropped: {most}{more}",
                tuple(dropped),
                blocking=False,
            )
        )
    if mdd is None:
        reasons.append(
            Reason(
                INFO,
                f"only {len(pairs)} shared cases: too few for the drop test to ever reach alpha"
                f" {cfg.alpha} (needs {stats.min_cases_to_flag(cfg.alpha)}); add cases",
                blocking=False,
            )
        )
    elif mdd > cfg.max_drop + EPS:
        reasons.append(
            Reason(
                INFO,
                f"power: with {len(pairs)} shared cases this golden set flags a mean drop of"
                f" about {mdd:.3f} or more 80% of the time; smaller drops (above max_drop"
                f" {cfg.max_drop}) may pass. Add cases or repeats to see smaller drops",
                blocking=False,
            )
        )
    return reasons, info
