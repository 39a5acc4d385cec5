"""The drop rule: a significant fall of the mean score over the shared cases (pure).

Baseline and candidate are both samples (``gate/samples.py``): the test accounts for the
baseline's own sampling error, over however many recorded runs it holds, and for differing
repeat counts on either side. It spends ``DROP_SHARE`` of ``alpha``; the per-case rule spends
the rest (``gate/cases.py``), so the rules together block an unchanged run at most ``alpha`` of
the time (Bonferroni). It reads the candidate run as it was, never confirmation re-runs (see
``policy``), and reports the p-value, a bootstrap interval, the detectable drop and the repeat
count that would detect ``max_drop``.
"""

from __future__ import annotations

import operator
from array import array
from collections.abc import Mapping

from evalgate.config.model import GateConfig
from evalgate.gate import samples, stats
from evalgate.gate.baseline import Baseline
from evalgate.gate.rules import EPS, MAX_NAMED, shared
from evalgate.gate.verdict import INFO, REGRESSION, Reason
from evalgate.results import CaseStats

CI_LEVEL = 0.95
DROP_SHARE = 0.8  # of alpha; the per-case rule gets the rest


def drop_alpha(cfg: GateConfig) -> float:
    return cfg.alpha * DROP_SHARE


def drop_rule(
    candidate: Mapping[str, CaseStats],
    baseline: Baseline,
    cfg: GateConfig,
    ci_resamples: int,
) -> tuple[list[Reason], dict[str, object]]:
    """Reasons (a blocking regression and/or notes) and the figures for the verdict."""
    # by case id, the shared cases' figures in columns and their ids: no object per case
    ids: list[str] = []
    pairs = samples.Pairs()
    runs_seen: set[int] = set()
    for cid in sorted(candidate):
        s = candidate[cid]
        if shared(s, baseline) and s.n > 0 and s.score is not None:
            b = baseline.cases[cid]
            ids.append(cid)
            pairs.append(b.score, b.n, s.score or 0.0, s.n)
            runs_seen.add(len(b.history) or 1)
    info: dict[str, object] = {"n_paired": len(pairs)}
    if not pairs:
        return [
            Reason(INFO, "no shared cases with the baseline; drop test skipped", blocking=False)
        ], info
    diffs = array("d", map(operator.sub, pairs.cand, pairs.base))
    base_mean = sum(pairs.base) / len(pairs)
    cand_mean = sum(pairs.cand) / len(pairs)
    alpha = drop_alpha(cfg)
    test = samples.drop_test(pairs)
    mdd = samples.min_detectable_drop(pairs, alpha, cfg.max_drop)
    ci = stats.mean_interval(diffs, level=CI_LEVEL, resamples=ci_resamples, seed=cfg.seed)
    runs = sorted(runs_seen)
    info.update(
        base_mean=base_mean,
        shared_mean=cand_mean,
        p_value=test.p_value,
        test=test.test,
        mdd=mdd,
        drop_alpha=alpha,
        sd_candidate=test.sd_cand,
        sd_baseline=test.sd_base,
        baseline_margin=test.margin,
        baseline_samples=max(runs),
        baseline_repeats=sum(pairs.base_n),
        candidate_repeats=sum(pairs.cand_n),
        drops=sum(1 for d in diffs if d < 0),
        gains=sum(1 for d in diffs if d > 0),
        ci_low=ci[0] if ci else None,
        ci_high=ci[1] if ci else None,
    )
    drop = base_mean - cand_mean
    worst = sorted((d, cid) for cid, d in zip(ids, diffs, strict=True) if d < 0)
    del ids
    dropped = [cid for _, cid in worst]
    most = ", ".join(f"{cid} ({d:+.2f})" for d, cid in worst[:MAX_NAMED])
    more = f" and {len(worst) - MAX_NAMED} more" if len(worst) > MAX_NAMED else ""
    what = (
        f"mean score of {len(pairs)} shared cases fell from {base_mean:.3f} to {cand_mean:.3f}"
        f" ({-drop:+.3f}; max_drop {cfg.max_drop}; baseline of {_runs(runs)},"
        f" {info['baseline_repeats']} scored repeats against {info['candidate_repeats']})"
    )
    reasons = []
    if drop > cfg.max_drop + EPS and test.p_value <= alpha:
        reasons.append(
            Reason(
                REGRESSION,
                f"{what}, significant: p={test.p_value:.3g} <= {alpha:.3g} (alpha {cfg.alpha}"
                f" x {DROP_SHARE}; {test.test}). Dropped most: {most}{more}",
                tuple(dropped),
            )
        )
    elif drop > cfg.max_drop + EPS:
        reasons.append(
            Reason(
                INFO,
                f"{what}, but not significant: p={test.p_value:.3g} > {alpha:.3g}"
                f" ({test.test}). Dropped: {most}{more}",
                tuple(dropped),
                blocking=False,
            )
        )
    reasons.append(
        Reason(
            INFO,
            f"compared with baseline {baseline.prompt_version!r} of {_runs(runs)}"
            f" ({info['baseline_repeats']} scored repeats of {len(pairs)} shared cases) against"
            f" this run's {info['candidate_repeats']}",
            blocking=False,
        )
    )
    reasons += _power(pairs, mdd, cfg, alpha, len(runs) == 1 and runs[0] == 1)
    return reasons, info


def _runs(runs: list[int]) -> str:
    if len(runs) == 1:
        return f"{runs[0]} recorded run" + ("s" if runs[0] != 1 else "")
    return f"{runs[0]}-{runs[-1]} recorded runs"


def _power(
    pairs: samples.Pairs, mdd: float | None, cfg: GateConfig, alpha: float, single: bool
) -> list[Reason]:
    if mdd is not None and mdd <= cfg.max_drop * 1.5 + EPS:
        return []
    need = samples.repeats_for(pairs, alpha, cfg.max_drop) if cfg.max_drop > 0 else None
    how = (
        f"about {need} scored repeats per case would flag a drop of max_drop {cfg.max_drop}"
        if need is not None
        else "repeats alone cannot reach max_drop: add cases"
    )
    grow = (
        "; the baseline is a single run: recording more runs of main"
        " (--record-baseline adds to its history) narrows its share of the noise"
        if single
        else ""
    )
    seen = "no drop" if mdd is None else f"a mean drop of about {mdd:.3f} or more"
    return [
        Reason(
            INFO,
            f"power: with {len(pairs)} shared cases this gate flags {seen} 80% of the time;"
            f" smaller drops may pass. {how}{grow}",
            blocking=False,
        )
    ]
