"""The per-case rule: flaky cases reported by flip rate, quarantine, Holm across cases."""

from __future__ import annotations

import dataclasses

from evalgate.config.model import GateConfig
from evalgate.gate.baseline import Baseline
from evalgate.gate.history import grow
from evalgate.gate.policy import evaluate
from evalgate.gate.verdict import BROKEN, FAIL, PASS
from tests.gate.helpers import baseline_of, run, stats

CFG = GateConfig()
OTHERS = [stats(f"c{i:02d}", [True] * 3) for i in range(60)]


def history(*runs: dict[str, bool]) -> Baseline:
    """A baseline grown from runs that set the listed cases' outcomes (3 repeats each)."""
    base: Baseline | None = None
    for outcomes in runs:
        cases = [stats(c, [ok] * 3) for c, ok in outcomes.items()]
        base = grow(base, baseline_of(run(*OTHERS, *cases)), 10)
    assert base is not None
    return base


def test_flaky_cases_are_listed_most_flips_first() -> None:
    b = history(*({"faq": i % 2 == 0, "tos": i < 5} for i in range(8)))
    v = evaluate(run(*OTHERS, stats("faq", [True] * 3), stats("tos", [True] * 3)), b, CFG)
    (note,) = [r for r in v.reasons if "flaky in the baseline" in r.message]
    assert note.cases == ("faq", "tos") and not note.blocking
    assert "faq (flips 100% of 8 runs, passed 12/24)" in note.message


def test_a_broken_case_blocks_unless_quarantined_as_flaky() -> None:
    # "faq" passed in 9 of 10 recorded runs, failing once; now it fails 3 repeats and 4 re-runs
    b = history(*({"faq": i != 3} for i in range(10)))
    now = run(*OTHERS, stats("faq", [False] * 7))
    v = evaluate(now, b, CFG)
    assert v.status == FAIL and any(r.kind == BROKEN and r.cases == ("faq",) for r in v.reasons)
    quarantined = evaluate(now, b, dataclasses.replace(CFG, quarantine=0.2))
    assert quarantined.status == PASS  # flips 2 of 9 transitions (22%) >= 20%
    assert any("quarantined" in r.message and r.cases == ("faq",) for r in quarantined.reasons)
    assert evaluate(now, b, dataclasses.replace(CFG, quarantine=0.5)).status == FAIL


def test_holm_keeps_many_noisy_flips_from_blocking() -> None:
    # ten cases that pass 2 of 3 in every recorded run each fail 1 of 3 now: noise
    flaky = [stats(f"f{i}", [True, True, False]) for i in range(10)]
    b = grow(
        grow(baseline_of(run(*OTHERS, *flaky)), baseline_of(run(*OTHERS, *flaky)), 10),
        baseline_of(run(*OTHERS, *flaky)),
        10,
    )
    now = run(*OTHERS, *(stats(f"f{i}", [True, False, False]) for i in range(10)))
    kinds = {r.kind for r in evaluate(now, b, CFG).reasons if r.blocking}
    assert BROKEN not in kinds


def test_a_single_run_baseline_measures_critical_cases_against_the_endpoints_noise() -> None:
    # 100 cases at 3 repeats; in this run 30 of the 297 other repeats failed (noise ~10%)
    others = [stats(f"c{i:02d}", [True] * 3) for i in range(99)]
    before = [stats(f"c{i:02d}", [not 60 <= i < 90, True, True]) for i in range(99)]
    noisy = [stats(f"c{i:02d}", [i >= 30, True, True]) for i in range(99)]
    base = baseline_of(run(*before, stats("login", [True] * 3, tags=["critical"])))
    flake = run(*noisy, stats("login", [True, False, False, True, False], tags=["critical"]))
    assert evaluate(flake, base, CFG).status == PASS  # 2 of 5: what a 10%-noisy case can do
    broken = run(*noisy, stats("login", [False] * 5, tags=["critical"]))
    v = evaluate(broken, base, CFG)
    assert v.status == FAIL and any(r.kind == "critical" for r in v.reasons if r.blocking)
    # a deterministic endpoint (no other failure): any flip of a critical case blocks
    base = baseline_of(run(*others, stats("login", [True] * 3, tags=["critical"])))
    quiet = run(*others, stats("login", [True, False, False], tags=["critical"]))
    assert evaluate(quiet, base, CFG).status == FAIL


def test_the_verdict_says_how_many_recorded_runs_it_rests_on() -> None:
    b = history(*({"faq": True} for _ in range(4)))
    v = evaluate(run(*OTHERS, stats("faq", [True] * 3)), b, CFG)
    assert any("of 4 recorded runs (732 scored repeats of 61" in r.message for r in v.reasons)
    assert v.stats["baseline_samples"] == 4 and v.stats["candidate_repeats"] == 183


def test_different_repeats_and_scorers_are_noted() -> None:
    base = baseline_of(run(stats("a", [True], scorer_pass={"s": (1, 1)}), stats("b", [True])))
    now = run(
        stats("a", [True] * 3, scorer_pass={"s": (3, 3), "t": (3, 3)}),
        stats("b", [True] * 3),
    )
    v = evaluate(now, base, CFG)
    text = " ".join(r.message for r in v.reasons if not r.blocking)
    assert "repeats differ from the baseline's (baseline 1 per recorded run, now 3)" in text
    assert "1 cases ran other scorers than in the baseline: a" in text
    assert v.status == PASS
