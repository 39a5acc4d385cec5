from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from evalgate.canary import (
    DOWN,
    DRIFT,
    OK,
    Reference,
    compare_canary,
    reference_from_results,
)
from evalgate.config.model import CanaryConfig
from evalgate.errors import ConfigError, ExitCode
from evalgate.model import Response
from evalgate.results import CaseResult, TurnRecord, aggregate

IDS = [f"c{i}" for i in range(10)]


@dataclass(frozen=True)
class Base:
    score: float | None
    pass_rate: float | None
    content_hash: str = ""


def res(cid: str, **kw: Any) -> CaseResult:
    latency = kw.pop("latency", 100.0)
    tokens = kw.pop("tokens", 100)
    score = kw.pop("score", 1.0)
    outcome = kw.pop("outcome", "success")
    status = kw.pop("status", None) or (
        "error" if outcome != "success" else ("passed" if score >= 0.5 else "failed")
    )
    resp = (
        Response(output="x", input_tokens=tokens - 20, output_tokens=20, latency_ms=latency)
        if outcome == "success"
        else None
    )
    return CaseResult(
        case_id=cid,
        dataset="support",
        repeat=kw.pop("repeat", 0),
        status=status,
        outcome=outcome,
        passed=status == "passed",
        score=None if status == "error" else score,
        latency_ms=latency,
        response=resp,
        **kw,
    )


def run(**per_case: dict[str, Any]) -> list[CaseResult]:
    return [res(cid, **per_case.get(cid, {})) for cid in IDS]


BASELINE = {cid: Base(1.0, 1.0) for cid in IDS}
REFERENCE = run()  # 100 ms, 100 tokens, all passing


def test_same_behaviour_is_ok() -> None:
    report = compare_canary(run(), BASELINE, CanaryConfig(), reference=REFERENCE)
    assert report.status == OK and report.exit_code == ExitCode.OK
    assert report.blocking == ()
    assert report.stats.latency_p95_ms == 100.0 and report.stats.mean_tokens == 100.0


def test_latency_p95_ratio_drift_names_metric_values_tolerance_and_cases() -> None:
    slow = run(c3={"latency": 400.0}, c7={"latency": 300.0})
    report = compare_canary(slow, BASELINE, CanaryConfig(), reference=REFERENCE)
    assert report.status == DRIFT and report.exit_code == ExitCode.GATE_FAILED
    [f] = report.blocking
    assert f.kind == "latency_p95"
    assert (f.baseline, f.current) == (100.0, 400.0)
    assert f.cases == ("c3", "c7")  # both over the 150 ms limit, slowest first
    assert "400 ms" in f.message and "100 ms" in f.message and "x1.5" in f.message
    assert "c3, c7" in f.message


def test_latency_absolute_tolerance_and_off() -> None:
    slow = run(c3={"latency": 190.0})
    cfg_abs = CanaryConfig(latency_p95_ratio=None, latency_p95_abs_ms=50.0)
    assert compare_canary(slow, BASELINE, cfg_abs, reference=REFERENCE).status == DRIFT
    cfg_loose = CanaryConfig(latency_p95_ratio=None, latency_p95_abs_ms=100.0)
    assert compare_canary(slow, BASELINE, cfg_loose, reference=REFERENCE).status == OK
    cfg_off = CanaryConfig(latency_p95_ratio=None, latency_p95_abs_ms=None)
    very_slow = run(c3={"latency": 9000.0})
    assert compare_canary(very_slow, BASELINE, cfg_off, reference=REFERENCE).status == OK
    # both set: crossing either limit is drift
    both = CanaryConfig(latency_p95_ratio=3.0, latency_p95_abs_ms=50.0)
    assert compare_canary(slow, BASELINE, both, reference=REFERENCE).status == DRIFT


def test_tokens_drift_by_ratio_and_absolute() -> None:
    chatty = run(**{cid: {"tokens": 140} for cid in IDS})
    report = compare_canary(chatty, BASELINE, CanaryConfig(), reference=REFERENCE)
    [f] = report.blocking
    assert f.kind == "mean_tokens" and (f.baseline, f.current) == (100.0, 140.0)
    assert "x1.3" in f.message and len(f.cases) == 10 and "(+5 more)" in f.message
    cfg = CanaryConfig(tokens_ratio=None, tokens_abs=50)
    assert compare_canary(chatty, BASELINE, cfg, reference=REFERENCE).status == OK


def test_score_drop_beyond_tolerance_is_drift() -> None:
    # 0.9 still passes; the mean drops by 0.1 over ten cases
    lower = run(c1={"score": 0.5}, c2={"score": 0.5})
    report = compare_canary(lower, BASELINE, CanaryConfig(), reference=REFERENCE)
    [f] = report.blocking
    assert f.kind == "score" and f.baseline == 1.0 and f.current == pytest.approx(0.9)
    assert f.cases == ("c1", "c2") and "tolerance 0.05" in f.message
    tolerant = CanaryConfig(max_score_drop=0.2)
    assert compare_canary(lower, BASELINE, tolerant, reference=REFERENCE).status == OK


def test_failing_case_is_drift_unless_it_failed_in_the_baseline() -> None:
    one_fails = run(c4={"score": 0.2})
    cfg = CanaryConfig(max_score_drop=0.5)
    report = compare_canary(one_fails, BASELINE, cfg, reference=REFERENCE)
    assert report.status == DRIFT
    [f] = report.blocking
    assert f.kind == "case_failed" and f.cases == ("c4",)
    known = dict(BASELINE, c4=Base(0.2, 0.0))
    report = compare_canary(one_fails, known, cfg, reference=REFERENCE)
    assert report.status == OK
    assert [f.kind for f in report.findings] == ["case_failed"] and not report.findings[0].blocking


def test_endpoint_down_when_most_calls_error() -> None:
    broken = run(**{cid: {"outcome": "connection_error"} for cid in IDS[:5]})
    broken += [res("c10", outcome="timeout")]
    report = compare_canary(broken, BASELINE, CanaryConfig(), reference=REFERENCE)
    assert report.status == DOWN and report.exit_code == ExitCode.INCONCLUSIVE
    [f] = report.findings
    assert f.kind == "down" and "6 of 11 calls failed" in f.message
    assert "connection_error 5, timeout 1" in f.message


def test_some_errors_are_drift_above_max_error_rate() -> None:
    flaky = run(c9={"outcome": "timeout"})
    report = compare_canary(flaky, BASELINE, CanaryConfig(), reference=REFERENCE)
    assert report.status == DRIFT and report.blocking[0].kind == "errors"
    assert report.blocking[0].cases == ("c9",)
    report = compare_canary(
        flaky, BASELINE, CanaryConfig(), reference=REFERENCE, max_error_rate=0.1
    )
    assert report.status == OK


def test_reference_from_baseline_fields_and_history_reference() -> None:
    @dataclass(frozen=True)
    class Rich(Base):
        latency_p95_ms: float = 100.0
        mean_tokens: float = 100.0

    rich = {cid: Rich(1.0, 1.0) for cid in IDS}
    slow = run(**{cid: {"latency": 250.0} for cid in IDS})
    report = compare_canary(slow, rich, CanaryConfig())
    assert report.status == DRIFT and report.reference is not None
    assert report.reference.source == "baseline"
    ref = Reference(latency_p95_ms=180.0, mean_tokens=100.0, source="history")
    assert compare_canary(slow, rich, CanaryConfig(), reference=ref).status == OK


def test_without_any_reference_latency_is_a_note_not_drift() -> None:
    slow = run(**{cid: {"latency": 5000.0} for cid in IDS})
    report = compare_canary(slow, BASELINE, CanaryConfig())
    assert report.status == OK
    assert {f.kind for f in report.findings} == {"latency_p95", "mean_tokens"}
    assert all(not f.blocking for f in report.findings)


def test_reference_run_is_restricted_to_canary_cases() -> None:
    other = [res("big", latency=10_000.0, tokens=9000)]
    ref = reference_from_results([*REFERENCE, *other], case_ids=set(IDS))
    assert (ref.latency_p95_ms, ref.mean_tokens) == (100.0, 100.0)


def test_changed_cases_are_not_score_compared() -> None:
    hashed = [res(cid, content_hash="new", score=0.6) for cid in IDS]
    base = {cid: Base(1.0, 1.0, content_hash="old") for cid in IDS}
    report = compare_canary(hashed, base, CanaryConfig(), reference=REFERENCE)
    assert report.status == OK
    assert any("changed since the baseline" in f.message for f in report.findings)


def test_case_stats_satisfy_the_baseline_protocol() -> None:
    base = aggregate(run())
    assert compare_canary(run(c0={"score": 0.0}), base, CanaryConfig()).status == DRIFT


def test_multi_turn_tokens_are_summed_over_turns() -> None:
    turns = tuple(
        TurnRecord(
            request={},
            response=Response(input_tokens=40, output_tokens=10),
            outcome="success",
            latency_ms=50.0,
        )
        for _ in range(2)
    )
    r = res("c0", turns=turns)
    ref = reference_from_results([r])
    assert ref.mean_tokens == 100.0


def test_no_results_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="tagged 'canary'"):
        compare_canary([], BASELINE, CanaryConfig())


def test_latency_ratio_never_trips_within_the_noise_floor() -> None:
    fast = run(**{cid: {"latency": 20.0} for cid in IDS})
    jitter = run(**{cid: {"latency": 20.0} for cid in IDS[:9]}, c9={"latency": 110.0})
    slower = run(**{cid: {"latency": 20.0} for cid in IDS[:9]}, c9={"latency": 200.0})
    cfg = CanaryConfig()  # x1.5: 30 ms, but at least 20 + LATENCY_RATIO_FLOOR_MS
    assert compare_canary(jitter, BASELINE, cfg, reference=fast).status == OK
    [f] = compare_canary(slower, BASELINE, cfg, reference=fast).blocking
    assert f.kind == "latency_p95" and f.cases == ("c9",)
    assert f.tolerance == "x1.5 (at least +100 ms)" and "at least +100 ms" in f.message
    exact = CanaryConfig(latency_p95_ratio=None, latency_p95_abs_ms=50.0)
    assert compare_canary(jitter, BASELINE, exact, reference=fast).status == DRIFT


def test_prompt_version_change_is_a_note() -> None:
    report = compare_canary(
        run(),
        BASELINE,
        CanaryConfig(),
        reference=REFERENCE,
        prompt_version="v2",
        baseline_version="v1",
    )
    assert report.status == OK
    [note] = report.findings
    assert note.kind == "prompt_version" and not note.blocking
    assert "'v2'" in note.message and "'v1'" in note.message
    same = compare_canary(
        run(),
        BASELINE,
        CanaryConfig(),
        reference=REFERENCE,
        prompt_version="v1",
        baseline_version="v1",
    )
    assert same.findings == ()
