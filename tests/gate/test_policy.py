"""Each gate rule, pinned: what decides the verdict and which cases the reasons name."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalgate.config.model import GateConfig
from evalgate.errors import ConfigError
from evalgate.gate.policy import evaluate, flipped_cases, merge_stats
from evalgate.gate.rules import NO_RESULTS, names
from evalgate.gate.verdict import (
    BROKEN,
    CASE_FAILED,
    CRITICAL,
    ERROR_RATE,
    FAIL,
    INCONCLUSIVE,
    INFO,
    MIN_PASS_RATE,
    PASS,
    PROMPT_VERSION,
    REGRESSION,
    Verdict,
)
from evalgate.results import CaseStats
from tests.gate.helpers import baseline_of, grown, run, stats

CFG = GateConfig(min_pass_rate={})


def kinds(v: Verdict, blocking: bool = True) -> list[str]:
    return [r.kind for r in v.reasons if r.blocking == blocking]


def reason(v: Verdict, kind: str) -> tuple[str, tuple[str, ...]]:
    found = [r for r in v.reasons if r.kind == kind]
    assert found, f"no {kind} reason in {v.reasons}"
    return found[0].message, found[0].cases


def passing_set(n: int = 40) -> dict[str, CaseStats]:
    return run(*(stats(f"c{i:02d}") for i in range(n)))


def test_identical_run_passes() -> None:
    cand = passing_set()
    v = evaluate(cand, baseline_of(cand), CFG)
    assert v.status == PASS and v.exit_code == 0
    assert v.p_value == 1.0 and v.delta == 0.0
    assert {d.status for d in v.deltas} == {"shared"}
    assert v.baseline_version == "v1"


def test_significant_drop_fails_and_names_worst_cases_first() -> None:
    base = run(*(stats(f"c{i:02d}") for i in range(40)))
    # eight cases fail now, one only partly (score 0.5 with two scorers)
    cand = dict(base)
    for i in range(7):
        cand[f"c{i:02d}"] = stats(f"c{i:02d}", [False])
    cand["c39"] = stats("c39", [False], scores=[0.5])
    v = evaluate(cand, baseline_of(base), CFG)
    assert v.status == FAIL and v.exit_code == 1
    msg, cases = reason(v, REGRESSION)
    assert cases == ("c00", "c01", "c02", "c03", "c04", "c05", "c06", "c39")
    assert "c00 (-1.00)" in msg and "and 3 more" in msg and "c39" not in msg
    assert v.test == "two-sample-baseline-bound"
    assert v.p_value is not None and v.p_value <= 0.05
    assert v.stats["drops"] == 8 and v.stats["ci_high"] < 0


def test_drop_below_max_drop_passes_even_if_significant() -> None:
    base = run(*(stats(f"c{i:03d}") for i in range(400)))
    cand = dict(base)
    for i in range(6):  # 6/400 = 0.015 < max_drop 0.02, though significant
        cand[f"c{i:03d}"] = stats(f"c{i:03d}", [False])
    v = evaluate(cand, grown(base, 10), CFG)
    assert v.status == PASS
    assert v.p_value is not None and v.p_value < 0.01


def test_large_but_insignificant_drop_passes_with_a_note() -> None:
    base = run(*(stats(f"c{i}") for i in range(10)))
    cand = dict(base)
    cand["c0"] = stats("c0", [False])
    cand["c1"] = stats("c1", [False])  # mean drop 0.2 but only two cases: p = 0.25
    v = evaluate(cand, baseline_of(base), CFG)
    assert v.status == PASS
    msg, cases = reason(v, INFO)
    assert "not significant" in msg and cases == ("c0", "c1")
    assert any("power" in r.message for r in v.reasons)


def test_critical_case_flip_fails_and_reports_counts() -> None:
    three = [True, True, True]
    base = run(
        stats("login", three, tags=["critical"]), *(stats(f"c{i}", three) for i in range(60))
    )
    cand = dict(base)
    cand["login"] = stats("login", [False, False, False], tags=["critical"])
    v = evaluate(cand, grown(base, 10), CFG)
    assert v.status == FAIL
    msg, cases = reason(v, CRITICAL)
    assert cases == ("login",)
    assert "login (baseline 30/30 over 10 runs, now 0/3)" in msg
    assert REGRESSION not in kinds(v)  # one case is no significant drop


def test_one_recorded_run_cannot_tell_a_broken_case_from_a_flaky_one() -> None:
    three = [True, True, True]
    base = run(stats("faq", three), *(stats(f"c{i}", three) for i in range(60)))
    cand = dict(base, faq=stats("faq", [False, False, False]))
    v = evaluate(cand, baseline_of(base), CFG)
    assert v.status == PASS  # 3/3 then 0/3 is what a 50% case does now and then
    (note,) = [r for r in v.reasons if "within what their recorded noise" in r.message]
    assert note.cases == ("faq",) and not note.blocking
    assert "faq (baseline 3/3 over 1 runs, now 0/3)" in note.message
    # ten recorded runs show it stable: now it is broken
    worse = dict(base, faq=stats("faq", [False] * 5))  # with two confirmation re-runs
    assert reason(evaluate(worse, grown(base, 10), CFG), BROKEN)[1] == ("faq",)


def test_a_critical_case_with_too_short_a_history_is_held_to_the_strict_rule() -> None:
    base = run(stats("login", tags=["critical"]), *(stats(f"c{i}") for i in range(60)))
    cand = dict(base, login=stats("login", [False], tags=["critical"]))
    v = evaluate(cand, baseline_of(base), CFG)
    msg, cases = reason(v, CRITICAL)
    assert v.status == FAIL and cases == ("login",) and "too short" in msg
    # with a history long enough to measure, the test decides
    flaky = {c: s for c, s in base.items()}
    flaky["login"] = stats("login", [True, True, False, True, False], tags=["critical"])
    now = dict(base, login=stats("login", [False] * 5, tags=["critical"]))
    assert CRITICAL not in kinds(evaluate(now, grown(flaky, 10), CFG))  # 30/50 before: noise
    msg, _ = reason(evaluate(now, grown(base, 10), CFG), CRITICAL)  # 10/10 before: broken
    assert "Fisher" in msg and "too short" not in msg


def test_confirmation_clears_an_unlucky_sample_but_not_a_regression() -> None:
    base = run(stats("login", [True, True, True], tags=["critical"]), stats("other"))
    unlucky = run(stats("login", [False], tags=["critical"]), stats("other"))
    assert flipped_cases(unlucky, baseline_of(base)) == ["login"]
    # the runner re-runs "login" twice more and merges: 2 of 3 pass -> majority passes
    confirmed = dict(unlucky, login=stats("login", [False, True, True], tags=["critical"]))
    assert evaluate(confirmed, baseline_of(base), CFG).status == PASS
    assert flipped_cases(confirmed, baseline_of(base)) == []
    real = dict(unlucky, login=stats("login", [False, False, False], tags=["critical"]))
    assert evaluate(real, grown(base, 10), CFG).status == FAIL


def test_confirmations_clear_critical_flakes_without_biasing_the_drop_test() -> None:
    base = run(*(stats(f"c{i:02d}", tags=["critical"] if i < 2 else []) for i in range(40)))
    cand = dict(base)
    for i in range(8):  # eight cases fail: a significant drop; two of them are critical
        cand[f"c{i:02d}"] = stats(f"c{i:02d}", [False], tags=["critical"] if i < 2 else [])
    flipped = flipped_cases(cand, baseline_of(base))
    assert flipped == [f"c{i:02d}" for i in range(8)]
    extra = {c: stats(c, [True, True], tags=["critical"] if c < "c02" else []) for c in flipped}
    v = evaluate(cand, grown(base, 10), CFG, confirmations=extra)
    # the re-runs pass: no critical failure, but the drop test still sees the run as it was
    assert CRITICAL not in kinds(v)
    assert reason(v, REGRESSION)[1] == tuple(flipped)
    assert v.shared_mean_score == pytest.approx(32 / 40)
    worse = {c: stats(c, [False] * 4) for c in flipped}
    assert reason(evaluate(cand, grown(base, 10), CFG, confirmations=worse), CRITICAL)[1] == (
        "c00",
        "c01",
    )


def test_merge_stats_pools_repeats() -> None:
    a = stats("a", [True, False], scores=[1.0, 0.5], scorer_pass={"s": (1, 2)})
    b = stats("a", [True], scores=[0.9], scorer_pass={"s": (1, 1), "t": (0, 1)}, errors=1)
    m = merge_stats(a, b)
    assert (m.n, m.passes, m.errors) == (3, 2, 1)
    assert m.score == pytest.approx(2.4 / 3) and m.pass_rate == pytest.approx(2 / 3)
    assert m.scorer_pass == {"s": (2, 3), "t": (0, 1)}


def test_critical_rule_needs_a_baseline_pass() -> None:
    base = run(stats("login", [False, False, True], tags=["critical"]), stats("x"))
    cand = run(stats("login", [False], tags=["critical"]), stats("x"))
    assert evaluate(cand, baseline_of(base), CFG).status == PASS
    other_tag = run(stats("login", [True] * 3, tags=["security"]), stats("x"))
    now = run(stats("login", [False] * 3, tags=["security"]), stats("x"))
    cfg = dataclasses.replace(CFG, critical_tags=("security",))
    assert reason(evaluate(now, grown(other_tag, 10), cfg), CRITICAL)[1] == ("login",)


def test_min_pass_rate_keys_name_failing_cases() -> None:
    cand = run(
        stats("a", tags=["security"], scorer_pass={"refusal": (1, 1)}, dataset="one"),
        stats("b", [False], tags=["security"], scorer_pass={"refusal": (0, 1)}, dataset="one"),
        stats("c", [True, False, True], scorer_pass={"refusal": (3, 3)}, dataset="two"),
        stats("d", dataset="two"),
    )
    cfg = GateConfig(
        min_pass_rate={
            "overall": 0.9,
            "scorer.refusal": 1.0,
            "tag.security": 1.0,
            "dataset.two": 0.5,
        }
    )
    v = evaluate(cand, baseline_of(cand), cfg)
    assert v.status == FAIL
    failing = {r.message.split(" ")[2]: r.cases for r in v.reasons if r.kind == MIN_PASS_RATE}
    # overall: mean of per-case pass rates (1 + 0 + 2/3 + 1) / 4 = 0.667
    assert failing == {"overall": ("b", "c"), "scorer.refusal": ("b",), "tag.security": ("b",)}
    msg = next(r.message for r in v.reasons if "overall" in r.message)
    assert "66.7% over 4 cases" in msg and "90.0%" in msg


def test_min_pass_rate_unknown_key_is_a_config_error() -> None:
    cand = run(stats("a"))
    with pytest.raises(ConfigError, match=r"unknown key 'tags\.x'"):
        evaluate(cand, None, GateConfig(min_pass_rate={"tags.x": 1.0}))


def test_min_pass_rate_with_no_matching_cases_is_only_noted() -> None:
    cand = run(stats("a"))
    v = evaluate(cand, baseline_of(cand), GateConfig(min_pass_rate={"tag.nope": 1.0}))
    assert v.status == PASS
    assert any("tag.nope: no scored cases" in r.message and not r.blocking for r in v.reasons)


def test_error_rate_is_inconclusive_and_beats_failure() -> None:
    base = run(*(stats(f"c{i}", tags=["critical"]) for i in range(10)))
    cand = dict(base)
    cand["c0"] = stats("c0", [False] * 3, tags=["critical"])  # a critical failure ...
    cand["c1"] = stats("c1", [True], errors=2, tags=["critical"])
    cand["c2"] = stats("c2", [], errors=2, tags=["critical"])
    v = evaluate(cand, grown(base, 20), CFG)  # ... but 4 of 15 results errored
    assert v.status == INCONCLUSIVE and v.exit_code == 3
    msg, cases = reason(v, ERROR_RATE)
    assert cases == ("c1", "c2") and "4 of 15 results" in msg and "26.7%" in msg
    assert v.reasons[0].kind == ERROR_RATE
    assert CRITICAL in kinds(v)  # still reported
    assert next(d for d in v.deltas if d.case_id == "c2").score is None


def test_error_rate_uses_run_totals_when_given() -> None:
    cand = run(stats("a"))
    v = evaluate(cand, None, CFG, total_results=100, error_results=5)
    assert v.status == PASS  # 5% is not above max_error_rate 5%
    v = evaluate(cand, None, CFG, total_results=100, error_results=6)
    assert v.status == INCONCLUSIVE


def test_prompt_version_mismatch_and_mix_are_inconclusive() -> None:
    cand = run(stats("a"))
    base = baseline_of(cand)
    ok = evaluate(cand, base, CFG, prompt_versions={"v2": 3}, requested_version="v2")
    assert ok.status == PASS
    v = evaluate(cand, base, CFG, prompt_versions={"v1": 3}, requested_version="v2")
    assert v.status == INCONCLUSIVE
    assert (
        "PROMPT VERSION MISMATCH: asked for 'v2' but the endpoint served 'v1'"
        in v.reasons[0].message
    )
    v = evaluate(cand, base, CFG, prompt_versions={"v1": 2, "v2": 1})
    assert v.status == INCONCLUSIVE and v.reasons[0].kind == PROMPT_VERSION
    assert (
        "MIXED PROMPT VERSIONS" in v.reasons[0].message and "v1 (2), v2 (1)" in v.reasons[0].message
    )
    unknown = evaluate(cand, base, CFG, prompt_versions={}, requested_version="v2")
    assert unknown.status == PASS and "could not check" in unknown.reasons[0].message


def test_no_baseline_judges_absolute_expectations() -> None:
    cand = run(stats("a"), stats("b", [False, False, True]), stats("c", [True, True, False]))
    v = evaluate(cand, None, CFG)
    assert v.status == FAIL
    msg, cases = reason(v, CASE_FAILED)
    assert cases == ("b",) and msg == "1 cases failed: b"
    assert v.p_value is None and v.baseline_version is None
    assert evaluate(run(stats("a")), None, CFG).status == PASS


def test_new_changed_removed_are_reported_and_failing_new_or_changed_cases_block() -> None:
    base = run(stats("kept"), stats("changed"), stats("gone"), *(stats(f"c{i}") for i in range(9)))
    cand = {k: v for k, v in base.items() if k != "gone"}
    cand["changed"] = stats("changed", [False], content_hash="new-hash")
    cand["fresh"] = stats("fresh", [False])
    v = evaluate(cand, baseline_of(base), CFG)
    status = {d.case_id: d.status for d in v.deltas}
    assert (status["kept"], status["changed"], status["gone"], status["fresh"]) == (
        "shared",
        "changed",
        "removed",
        "new",
    )
    assert v.status == FAIL  # no past to compare with: each must pass on its own
    msg, cases = reason(v, CASE_FAILED)
    assert cases == ("changed", "fresh")
    assert "changed (changed, now 0/1), fresh (new, now 0/1)" in msg
    notes = {r.cases: r.message for r in v.reasons if r.kind == INFO}
    assert ("gone",) in notes
    assert v.stats["new"] == 1 and v.stats["changed"] == 1 and v.stats["removed"] == 1
    strict = GateConfig(min_pass_rate={"overall": 0.9})  # absolute thresholds hold as well
    assert reason(evaluate(cand, baseline_of(base), strict), MIN_PASS_RATE)[1] == (
        "changed",
        "fresh",
    )
    cand["changed"] = stats("changed", [True], content_hash="new-hash")
    cand["fresh"] = stats("fresh", [True])
    assert evaluate(cand, baseline_of(base), CFG).status == PASS


def test_skipped_and_errored_cases_are_left_out_of_scores() -> None:
    base = run(stats("a"), stats("b"), stats("c"))
    cand = run(stats("a"), stats("b", [], skipped=True), stats("c", [], errors=1))
    v = evaluate(cand, baseline_of(base), GateConfig(max_error_rate=1.0))
    assert v.stats["n_paired"] == 1 and v.mean_score == 1.0 and v.status == PASS


def test_nothing_scored_is_inconclusive() -> None:
    v = evaluate(run(stats("a", [], skipped=True)), None, CFG)
    assert v.status == INCONCLUSIVE and v.reasons[0].kind == NO_RESULTS


def test_names_are_capped_in_messages() -> None:
    ids = [f"x{i}" for i in range(8)]
    assert names(ids) == "x0, x1, x2, x3, x4 and 3 more"
    assert names(ids[:2]) == "x0, x1"


def test_verdict_is_deterministic_and_round_trips() -> None:
    base = run(*(stats(f"c{i:02d}", [True, True, False]) for i in range(60)))
    cand = run(*(stats(f"c{i:02d}", [i % 3 != 0, True, False]) for i in range(60)))
    cfg = GateConfig(seed=5, resamples=500)
    a = evaluate(cand, baseline_of(base), cfg)
    assert a == evaluate(cand, baseline_of(base), cfg)
    assert Verdict.from_dict(a.to_dict()).to_dict() == a.to_dict()


outcome_lists = st.lists(st.booleans(), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None)
@given(st.lists(outcome_lists, min_size=1, max_size=40))
def test_identical_runs_never_fail(per_case: list[list[bool]]) -> None:
    cand = run(*(stats(f"c{i}", o, tags=["critical"]) for i, o in enumerate(per_case)))
    v = evaluate(cand, baseline_of(cand), GateConfig(resamples=200))
    assert v.status == PASS
    assert v.p_value is not None and v.p_value > 0.5


def test_flaky_critical_cases_are_pointed_out() -> None:
    base = run(stats("login", [True, True, False], tags=["critical"]), stats("x"))
    cand = run(stats("login", [True, True, True], tags=["critical"]), stats("x"))
    v = evaluate(cand, baseline_of(base), CFG)
    assert v.status == PASS
    notes = [r for r in v.reasons if "flaky in the baseline" in r.message]
    assert len(notes) == 1 and notes[0].cases == ("login",) and not notes[0].blocking
