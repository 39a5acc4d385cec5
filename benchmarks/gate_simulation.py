"""How often does the gate block when nothing changed, and how often does it catch a real drop?

A simulated endpoint: every golden case passes with its own fixed probability (drawn once from
a Beta distribution; nondeterminism per call). Each simulated pull request records a fresh
baseline run and a candidate run of the same cases, then calls the real gate
(``evalgate.gate.policy.evaluate``). With ``confirm`` > 0, cases that passed in the baseline and
fail now are re-run that many more times and merged, then the gate judges again -- what
``gate.confirm`` does in ``evalgate run``.

    python benchmarks/gate_simulation.py            # the figures in docs/gate.md
    python benchmarks/gate_simulation.py --prs 200  # quicker
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalgate.config.model import GateConfig
from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.gate.policy import evaluate, flipped_cases
from evalgate.gate.verdict import CRITICAL, FAIL, REGRESSION
from evalgate.results import CaseStats


@dataclass(frozen=True)
class Scenario:
    cases: int = 100
    repeat: int = 1
    confirm: int = 0
    drop: float = 0.0  # true drop of the mean pass probability in the candidate
    critical: float = 0.10  # share of cases tagged critical
    beta: tuple[float, float] = (2.0, 0.5)  # pass probabilities of ordinary cases (mean 0.8)
    critical_beta: tuple[float, float] | None = (30.0, 1.0)  # None: same as ordinary cases
    alpha: float = 0.05
    max_drop: float = 0.02


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    prs: int
    blocked: float  # any rule
    by_drop: float
    by_critical: float
    mdd: float | None  # mean min_detectable_drop the verdicts reported
    seconds: float


def _probabilities(s: Scenario, rng: random.Random) -> tuple[list[float], int]:
    n_crit = round(s.critical * s.cases)
    crit_beta = s.critical_beta or s.beta
    probs = [rng.betavariate(*crit_beta) for _ in range(n_crit)]
    probs += [rng.betavariate(*s.beta) for _ in range(s.cases - n_crit)]
    return probs, n_crit


def _dropped(probs: Sequence[float], drop: float) -> list[float]:
    # a proportional drop moves the mean by exactly `drop` and keeps every p in [0, 1]
    mean = sum(probs) / len(probs)
    factor = max(0.0, 1.0 - drop / mean)
    return [p * factor for p in probs]


def _stats(cid: str, tags: tuple[str, ...], outcomes: Sequence[bool]) -> CaseStats:
    passes = sum(outcomes)
    n = len(outcomes)
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
    )


def _draw(rng: random.Random, p: float, k: int) -> list[bool]:
    return [rng.random() < p for _ in range(k)]


def simulate(s: Scenario, prs: int, seed: int = 0) -> Outcome:
    """Run ``prs`` simulated pull requests of one scenario through the gate."""
    start = time.perf_counter()
    rng = random.Random(seed)
    probs, n_crit = _probabilities(s, rng)
    cand_probs = _dropped(probs, s.drop) if s.drop else probs
    ids = [f"case-{i:03d}" for i in range(s.cases)]
    tags = [("critical",) if i < n_crit else () for i in range(s.cases)]
    cfg = GateConfig(alpha=s.alpha, max_drop=s.max_drop, min_pass_rate={}, seed=seed)
    blocked = by_drop = by_critical = 0
    mdds: list[float] = []
    for _ in range(prs):
        base = {
            c: _stats(c, t, _draw(rng, p, s.repeat))
            for c, t, p in zip(ids, tags, probs, strict=True)
        }
        baseline = Baseline(
            prompt_version="v1",
            recorded_at="2026-01-01T00:00:00Z",
            cases={
                c: BaselineCase(c, st.score or 0.0, st.pass_rate or 0.0, st.n, st.passes, st.tags)
                for c, st in base.items()
            },
        )
        outcomes = {c: _draw(rng, p, s.repeat) for c, p in zip(ids, cand_probs, strict=True)}
        cand = {c: _stats(c, t, outcomes[c]) for c, t in zip(ids, tags, strict=True)}
        verdict = evaluate(cand, baseline, cfg, ci_resamples=0)
        if s.confirm:
            flipped = flipped_cases(cand, baseline)
            if flipped:
                index = {c: i for i, c in enumerate(ids)}
                extra = {
                    c: _stats(c, tags[index[c]], _draw(rng, cand_probs[index[c]], s.confirm))
                    for c in flipped
                }
                verdict = evaluate(cand, baseline, cfg, confirmations=extra, ci_resamples=0)
        if verdict.min_detectable_drop is not None:
            mdds.append(verdict.min_detectable_drop)
        kinds = {r.kind for r in verdict.reasons if r.blocking}
        blocked += verdict.status == FAIL
        by_drop += REGRESSION in kinds
        by_critical += CRITICAL in kinds
    mdd = sum(mdds) / len(mdds) if mdds else None
    seconds = time.perf_counter() - start
    return Outcome(s, prs, blocked / prs, by_drop / prs, by_critical / prs, mdd, seconds)


def study(prs: int, seed: int = 0) -> list[Outcome]:
    """The scenarios reported in docs/gate.md."""
    out = []
    for drop in (0.0, 0.10):
        for cases in (100, 30):
            for repeat in (1, 3):
                for confirm in (0, 2, 4):
                    s = Scenario(cases=cases, repeat=repeat, confirm=confirm, drop=drop)
                    out.append(simulate(s, prs, seed))
    for confirm in (0, 2, 4):  # critical cases as flaky as the rest: the worst case
        s = Scenario(cases=100, repeat=1, confirm=confirm, critical_beta=None)
        out.append(simulate(s, prs, seed))
    return out


def table(outcomes: Sequence[Outcome]) -> str:
    rows = [
        "| true drop | cases | repeat | confirm | critical p | blocked | by drop rule |"
        " by critical rule | reported min. detectable drop |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        s = o.scenario
        crit = (
            "as others" if s.critical_beta is None else "Beta({:g}, {:g})".format(*s.critical_beta)
        )
        rows.append(
            f"| {s.drop:.2f} | {s.cases} | {s.repeat} | {s.confirm} | {crit} |"
            f" {o.blocked:.1%} | {o.by_drop:.1%} | {o.by_critical:.1%} |"
            f" {'-' if o.mdd is None else f'{o.mdd:.3f}'} |"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prs", type=int, default=1000, help="simulated PRs per scenario")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    outcomes = study(args.prs, args.seed)
    if args.json:
        print(json.dumps([asdict(o) for o in outcomes], indent=2))
    else:
        print(table(outcomes))
        total = sum(o.seconds for o in outcomes)
        print(f"\n{args.prs} PRs per scenario, seed {args.seed}, {total:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
