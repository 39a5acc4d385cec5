"""The run's cost budget: what counts, when it stops, what a resumed run already spent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalgate.config.model import Config, JudgeConfig, Pricing, TargetConfig
from evalgate.engine.budget import CostMeter, estimate, priced
from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.llmjudge.grader import Tally
from evalgate.llmjudge.session import LAST_USE_FILE, USAGE_FILE, remember_use
from evalgate.model import Case, Response, ScorerSpec
from evalgate.results import CaseResult

JUDGE_PRICE = Pricing(input_per_mtok=1000.0, output_per_mtok=2000.0)  # $0.001 / $0.002 a token


def _result(cid: str, cost: float | None) -> CaseResult:
    return CaseResult(
        cid, "d", 0, "passed", "success", True, 1.0, response=Response("a", cost_usd=cost)
    )


def test_the_meter_adds_target_and_judge_and_stops_at_the_limit() -> None:
    meter = CostMeter(0.05, JUDGE_PRICE)
    tally = Tally()
    meter.attach(tally)
    assert meter.see(_result("a", 0.01), 1, 10) is None
    tally.input_tokens, tally.output_tokens = 10, 5  # the judge: $0.01 + $0.01
    assert meter.spent == pytest.approx(0.03) and meter.judge == pytest.approx(0.02)
    assert meter.see(_result("b", None), 2, 10) is None  # a cost nobody reported: $0, counted
    why = meter.see(_result("c", 0.02), 3, 10)
    assert why is not None and "cost budget $0.05" in why and "3 of 10 results" in why
    assert "target $0.0300, judge $0.0200" in why and "1 answer(s) reported no cost" in why


def test_a_resumed_run_starts_from_what_its_folder_already_cost(tmp_path: Path) -> None:
    (tmp_path / USAGE_FILE).write_text(
        json.dumps({"format_version": 2, "input_tokens": 20, "output_tokens": 0}), "utf-8"
    )
    meter = CostMeter(0.05, JUDGE_PRICE)
    meter.start(tmp_path, [_result("a", 0.01), _result("b", 0.01)])
    assert meter.target == pytest.approx(0.02) and meter.judge == pytest.approx(0.02)
    assert meter.over(0, 5) is None
    meter.start(tmp_path, [_result("c", 0.01)])
    why = meter.over(0, 5)
    assert why is not None and f"--resume {tmp_path} --max-cost" in why


def _cfg(tmp: Path, **judge: object) -> Config:
    return Config(
        target=TargetConfig(url="http://x"),
        judge=JudgeConfig(model="m", cache_dir=str(tmp / "cache"), **judge),  # type: ignore[arg-type]
        root=tmp,
    )


def test_the_estimate_uses_the_baseline_cost_and_the_judge_cache_history(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, pricing=JUDGE_PRICE)
    assert not priced(Config(target=TargetConfig(url="http://x")))
    assert priced(cfg)
    rubric = (ScorerSpec("rubric", "mention 'x'"),)
    cases = [Case("a", "d", expect=rubric), Case("b", "d", expect=rubric), Case("new", "d")]
    bc = BaselineCase("h", 1.0, 1.0, 1, 1, mean_cost_usd=0.5)
    base = Baseline("v1", "2026-01-01T00:00:00+00:00", {"a": bc, "b": bc})
    est = estimate(cfg, cases, 2, base)
    assert est is not None and est.target == 2.0 and est.unknown_cases == 1
    assert est.judge is None  # no run has told what a judge call costs yet
    last = tmp_path / "cache" / LAST_USE_FILE
    last.parent.mkdir(parents=True)
    # the last run: 4 calls of 100 + 10 tokens ($0.12 each), and 4 verdicts from the cache
    last.write_text(
        json.dumps({"calls": 4, "hit_share": 0.5, "input_tokens": 400, "output_tokens": 40}),
        "utf-8",
    )
    est = estimate(cfg, cases, 2, base)
    assert est is not None and est.judge_hit_share == 0.5
    assert abs((est.judge or 0) - 4 * 0.12 * 0.5) < 1e-9  # 4 verdicts, half expected cached
    assert abs(est.total - (2.0 + 0.24)) < 1e-9 and "50% cached" in est.describe()

    uncached = estimate(cfg, cases, 2, base, judge_cache=False)  # --no-judge-cache: all asked
    assert uncached is not None and abs((uncached.judge or 0) - 4 * 0.12) < 1e-9


def test_a_fully_cached_run_keeps_the_last_known_cost_of_a_call(tmp_path: Path) -> None:
    path = tmp_path / LAST_USE_FILE
    remember_use(path, Tally(calls=2, cached=2, input_tokens=200, output_tokens=20))
    remember_use(path, Tally(calls=0, cached=4))
    last = json.loads(path.read_text())
    assert last == {"hit_share": 1.0, "calls": 2, "input_tokens": 200, "output_tokens": 20}
