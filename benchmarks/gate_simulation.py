"""How often does the gate block when nothing changed, and how often does it catch a real drop?

Simulated the way teams use the gate: one baseline is recorded on main (one run, or grown over
``history`` runs with the real ``evalgate.gate.history.grow``, what ``--record-baseline`` does)
and then reused for every pull request. Each simulated endpoint call passes with the case's
probability (``1 - noise``: every call drops what the scorer checks with probability ``noise``);
``critical`` of the cases are tagged critical and as noisy as the rest. Each pull request runs
every case ``repeat`` times, re-runs the cases ``to_confirm`` names ``confirm`` times, and calls
the real gate (``evalgate.gate.policy.evaluate``) with the gate values ``evalgate init`` writes.

For each scenario: ``baselines`` baselines, ``prs`` pull requests each. Reported: the mean
false-block rate (and its 95% interval), the share of baselines whose own false-block rate
exceeds alpha (what a team stuck with an unlucky baseline sees), and the share of pull requests
blocked when the candidate's pass probability really fell by ``drop``, or when one stable case
(``broken``) broke for good.

    python benchmarks/gate_simulation.py                       # the figures in docs/gate.md
    python benchmarks/gate_simulation.py --baselines 20 --prs 50   # quicker
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalgate.config.model import GateConfig
from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.gate.history import grow
from evalgate.gate.policy import evaluate, to_confirm
from evalgate.gate.verdict import BROKEN, CRITICAL, FAIL, REGRESSION
from evalgate.results import CaseStats

# the gate values `evalgate init` writes (evalgate/templates/init/evalgate.yaml), plus a
# per-tag floor on the critical cases
INIT = GateConfig(
    alpha=0.05,
    max_drop=0.02,
    confirm=2,
    min_pass_rate={"overall": 0.5, "tag.critical": 0.4},
    baseline_samples=10,
)
INIT_REPEAT = 3


@dataclass(frozen=True)
class Scenario:
    cases: int = 100
    noise: float = 0.2  # probability that a call fails its case
    repeat: int = INIT_REPEAT
    history: int = 10  # recorded runs in the baseline (1: one run reused)
    drop: float = 0.0  # true fall of every case's pass probability in the candidate
    broken: int = 0  # stable cases (pass probability 1) that fail for good in the candidate
    critical: float = 0.10  # share of cases tagged critical (as noisy as the others)
    gate: GateConfig = field(default_factory=lambda: INIT)


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    baselines: int
    prs: int
    blocked: float  # mean over every pull request
    blocked_ci: tuple[float, float]
    over_alpha: float  # share of baselines whose own block rate > alpha
    over_alpha_ci: tuple[float, float]
    surely_over: float  # share of baselines whose rate is above alpha beyond doubt (Wilson)
    worst: float  # the highest block rate of one baseline
    by_drop: float
    by_case: float  # per-case rule (critical or broken)
    mdd: float | None  # mean min_detectable_drop the verdicts printed
    seconds: float


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


def _stats(cid: str, tags: tuple[str, ...], outcomes: Sequence[bool]) -> CaseStats:
    passes, n = sum(outcomes), len(outcomes)
    return CaseStats(
        case_id=cid,
        dataset="sim",
        content_hash=cid,
        tags=tags,
        file="",
        line=0,
        n=n,
        errors=0,
        skipped=False,
        score=passes / n,
        pass_rate=passes / n,
        passes=passes,
        scorer_pass={"sim": (passes, n)},
    )


def _run(
    rng: random.Random,
    ids: Sequence[str],
    tags: Sequence[tuple[str, ...]],
    probs: Sequence[float],
    k: int,
) -> dict[str, CaseStats]:
    return {
        c: _stats(c, t, [rng.random() < p for _ in range(k)])
        for c, t, p in zip(ids, tags, probs, strict=True)
    }


def _as_baseline(run: dict[str, CaseStats]) -> Baseline:
    cases = {
        c: BaselineCase(
            c, s.score or 0.0, s.pass_rate or 0.0, s.n, s.passes, s.tags, "sim", dict(s.scorer_pass)
        )
        for c, s in run.items()
    }
    return Baseline(prompt_version="v1", recorded_at="2026-01-01T00:00:00Z", cases=cases)


def record(
    s: Scenario, rng: random.Random, ids: list[str], tags: list[tuple[str, ...]], probs: list[float]
) -> Baseline:
    """A baseline as a team keeps it: ``history`` runs of main, each added with ``grow``."""
    base: Baseline | None = None
    for _ in range(s.history):
        base = grow(
            base, _as_baseline(_run(rng, ids, tags, probs, s.repeat)), s.gate.baseline_samples
        )
    assert base is not None
    return base


def simulate(s: Scenario, baselines: int, prs: int, seed: int = 0) -> Outcome:
    start = time.perf_counter()
    rng = random.Random(seed)
    n_crit = round(s.critical * s.cases)
    ids = [f"case-{i:03d}" for i in range(s.cases)]
    tags = [("critical",) if i < n_crit else () for i in range(s.cases)]
    probs = [1.0 - s.noise] * s.cases
    # a broken case is a stable one (always passed) that fails for good; the last ids
    for i in range(s.cases - s.broken, s.cases):
        probs[i] = 1.0
    cand_probs = [max(0.0, p - s.drop) for p in probs]
    for i in range(s.cases - s.broken, s.cases):
        cand_probs[i] = 0.0
    cfg = replace(s.gate, seed=seed)
    total = by_drop = by_case = over = surely = 0
    worst = 0.0
    mdds: list[float] = []
    for _ in range(baselines):
        baseline = record(s, rng, ids, tags, probs)
        blocked_here = 0
        for _ in range(prs):
            cand = _run(rng, ids, tags, cand_probs, s.repeat)
            extra = {}
            if cfg.confirm:
                index = {c: i for i, c in enumerate(ids)}
                extra = {
                    c: _stats(
                        c,
                        tags[index[c]],
                        [rng.random() < cand_probs[index[c]] for _ in range(cfg.confirm)],
                    )
                    for c in to_confirm(cand, baseline)
                }
            v = evaluate(cand, baseline, cfg, confirmations=extra, ci_resamples=0)
            kinds = {r.kind for r in v.reasons if r.blocking}
            blocked_here += v.status == FAIL
            by_drop += REGRESSION in kinds
            by_case += bool(kinds & {CRITICAL, BROKEN})
            if v.min_detectable_drop is not None:
                mdds.append(v.min_detectable_drop)
        total += blocked_here
        worst = max(worst, blocked_here / prs)
        over += blocked_here / prs > cfg.alpha
        surely += wilson(blocked_here, prs)[0] > cfg.alpha
    runs = baselines * prs
    return Outcome(
        scenario=s,
        baselines=baselines,
        prs=prs,
        blocked=total / runs,
        blocked_ci=wilson(total, runs),
        over_alpha=over / baselines,
        over_alpha_ci=wilson(over, baselines),
        surely_over=surely / baselines,
        worst=worst,
        by_drop=by_drop / runs,
        by_case=by_case / runs,
        mdd=sum(mdds) / len(mdds) if mdds else None,
        seconds=time.perf_counter() - start,
    )


def study(baselines: int, prs: int, seed: int = 0) -> list[Outcome]:
    """The scenarios reported in docs/gate.md."""
    out = []
    for noise in (0.1, 0.2):
        for cases in (100, 30):
            for history in (10, 1):
                s = Scenario(cases=cases, noise=noise, history=history)
                out.append(simulate(s, baselines, prs, seed))
    for noise in (0.1, 0.2):
        for drop in (0.05, 0.10):
            for cases in (100, 30):
                s = Scenario(cases=cases, noise=noise, drop=drop)
                out.append(simulate(s, max(1, baselines // 4), prs, seed))
    for history in (10, 3):
        s = Scenario(cases=100, noise=0.2, broken=1, history=history)
        out.append(simulate(s, max(1, baselines // 4), prs, seed))
    return out


def _pct(x: float) -> str:
    return f"{x:.1%}"


def table(outcomes: Sequence[Outcome]) -> str:
    rows = [
        "| cases | noise | repeat | baseline runs | true change | blocked (95% CI) |"
        " baselines > alpha (95% CI) | clearly > alpha | worst baseline | by drop rule |"
        " by per-case rule | printed MDD |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        s = o.scenario
        change = (
            f"drop {s.drop:.2f}"
            if s.drop
            else f"{s.broken} stable case breaks"
            if s.broken
            else "none"
        )
        rows.append(
            f"| {s.cases} | {s.noise} | {s.repeat} | {s.history} | {change} |"
            f" {_pct(o.blocked)} ({_pct(o.blocked_ci[0])}-{_pct(o.blocked_ci[1])}) |"
            f" {_pct(o.over_alpha)} ({_pct(o.over_alpha_ci[0])}-{_pct(o.over_alpha_ci[1])}) |"
            f" {_pct(o.surely_over)} | {_pct(o.worst)} | {_pct(o.by_drop)} | {_pct(o.by_case)} |"
            f" {'-' if o.mdd is None else f'{o.mdd:.3f}'} |"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--baselines", type=int, default=100, help="baselines per scenario")
    parser.add_argument("--prs", type=int, default=60, help="pull requests per baseline")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    outcomes = study(args.baselines, args.prs, args.seed)
    if args.json:
        print(json.dumps([asdict(o) for o in outcomes], indent=2, default=str))
    else:
        print(table(outcomes))
        total = sum(o.seconds for o in outcomes)
        print(
            f"\n{args.baselines} baselines x {args.prs} PRs per no-change scenario"
            f" (a quarter of the baselines for drops), seed {args.seed}, {total:.1f} s",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
