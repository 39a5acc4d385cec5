"""A baseline's per-case latency, tokens and cost are figured case by case, as the tables of
every case's figures figured them (kept here as they were, to compare with)."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest

from evalgate.gate.baseline import baseline_from_run
from evalgate.model import Response
from evalgate.results import CaseResult, percentile
from evalgate.run_summary import RunSummary
from evalgate.scorers.registry import ScoreRecord

SUMMARY = RunSummary(run_id="r-1", prompt_version="v1", prompt_versions={"v1": 3})


def _timing(results: list[CaseResult]) -> dict[str, tuple[float | None, float | None]]:
    lat: dict[str, list[float]] = {}
    tok: dict[str, list[float]] = {}
    for r in results:
        if r.status not in ("passed", "failed") or r.outcome != "success":
            continue
        lat.setdefault(r.case_id, []).append(r.latency_ms)
        total = [x.total_tokens for x in r.responses if x.total_tokens is not None]
        if total:
            tok.setdefault(r.case_id, []).append(float(sum(total)))
    return {
        cid: (
            percentile(lat.get(cid, []), 95),
            sum(tok[cid]) / len(tok[cid]) if tok.get(cid) else None,
        )
        for cid in lat
    }


def _costs(results: list[CaseResult]) -> dict[str, float]:
    acc: dict[str, list[float]] = {}
    for r in results:
        costs = [x.cost_usd for x in r.responses if x.cost_usd is not None]
        if r.status != "skipped" and costs and all(map(math.isfinite, costs)):
            acc.setdefault(r.case_id, []).append(float(sum(costs)))
    return {cid: sum(v) / len(v) for cid, v in acc.items()}


def _results(rng: random.Random) -> list[CaseResult]:
    out = []
    for i in range(60):
        for repeat in range(rng.randrange(1, 4)):
            status = rng.choice(["passed", "passed", "failed", "error", "skipped"])
            outcome = rng.choice(["success", "success", "timeout"])
            tokens = rng.choice([None, rng.randrange(1, 900)])
            cost = rng.choice([None, rng.random() / 7, math.inf])
            resp = Response(output="a", input_tokens=tokens, output_tokens=tokens, cost_usd=cost)
            rec = ScoreRecord("contains", 1.0, status == "passed", "")
            r = CaseResult(
                f"c{i:03d}",
                "ds",
                repeat,
                status,  # type: ignore[arg-type]
                outcome,  # type: ignore[arg-type]
                status == "passed",
                1.0 if status == "passed" else 0.0 if status == "failed" else None,
                (rec,) if status in ("passed", "failed") else (),
                latency_ms=rng.uniform(1, 500),
                response=resp if rng.random() < 0.9 else None,
            )
            out.append(dataclasses.replace(r, content_hash=f"h{i}"))
    return out


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("shuffled", [False, True])
def test_each_case_has_the_figures_the_tables_gave(seed: int, shuffled: bool) -> None:
    rng = random.Random(seed)
    results = _results(rng)
    if shuffled:  # results in another order than by case id: each case's keep theirs
        rng.shuffle(results)
    timing, costs = _timing(results), _costs(results)
    made = baseline_from_run(results, SUMMARY, recorded_at="t")
    assert made.cases
    for cid, c in made.cases.items():
        assert (c.latency_p95_ms, c.mean_tokens) == timing.get(cid, (None, None)), cid
        assert c.mean_cost_usd == costs.get(cid), cid
    assert list(made.cases) == sorted(made.cases)
