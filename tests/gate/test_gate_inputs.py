"""The gate's inputs held lean give the same verdict: the deltas' ids in order, the drop rule
whatever order its cases come in, confirmation repeats merged without touching the run's own
statistics."""

from __future__ import annotations

import random

from evalgate.config.model import GateConfig
from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.gate.drop import drop_rule
from evalgate.gate.policy import _all_ids, evaluate
from evalgate.results import CaseStats


def _stats(cid: str, score: float, passes: int = 1, n: int = 1) -> CaseStats:
    return CaseStats(
        case_id=cid, dataset="d", content_hash="h", tags=(), file="g.yaml", line=1, n=n,
        errors=0, skipped=False, score=score, pass_rate=passes / n, passes=passes,
        scorer_pass={"contains": (passes, n)},
    )  # fmt: skip


def test_all_ids_are_the_sorted_union_once_each() -> None:
    rng = random.Random(3)
    for _ in range(200):
        a = {f"c{rng.randrange(60):02d}": 0 for _ in range(rng.randrange(40))}
        b = {f"c{rng.randrange(60):02d}": 0 for _ in range(rng.randrange(40))}
        assert list(_all_ids(a, b)) == sorted(set(a) | set(b))


def test_the_drop_rule_does_not_depend_on_the_order_of_its_cases() -> None:
    rng = random.Random(7)
    ids = [f"q{i:03d}" for i in range(60)]
    base = Baseline(
        prompt_version="v",
        recorded_at="t",
        cases={
            cid: BaselineCase("h", 1.0, 1.0, 1, 1, history=((1, 1, 1.0), (1, 1, 1.0)))
            if i % 2
            else BaselineCase("h", 1.0, 1.0, 1, 1)
            for i, cid in enumerate(ids)
        },
    )
    cand = {cid: _stats(cid, 0.0 if i % 3 == 0 else 1.0) for i, cid in enumerate(ids)}
    cfg = GateConfig()
    reasons, info = drop_rule(cand, base, cfg, 200)
    shuffled = list(cand.items())
    rng.shuffle(shuffled)
    assert drop_rule(dict(shuffled), base, cfg, 200) == (reasons, info)
    assert info["n_paired"] == 60 and info["baseline_samples"] == 2
    assert info["drops"] == 20
    named = reasons[0].cases
    assert list(named) == sorted(ids[::3])  # equal drops: by case id
    assert "1-2 recorded runs" in reasons[0].message


def test_confirmations_are_merged_into_a_copy() -> None:
    cand = {c: _stats(c, 0.0, passes=0) for c in ("a", "b")}
    extra = {"a": _stats("a", 1.0, passes=2, n=2)}
    before = dict(cand)
    v = evaluate(cand, None, GateConfig(), confirmations=extra, ci_resamples=0)
    assert cand == before and cand["a"].n == 1
    named = {c for r in v.reasons for c in r.cases}
    assert "b" in named and "a" not in named  # a cleared by its confirmation repeats
