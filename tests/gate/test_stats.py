"""The paired test, the bootstrap interval and the detectable drop."""

from __future__ import annotations

import itertools
import math
import random
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalgate.gate import stats
from evalgate.gate.stats import (
    EXACT,
    LATTICE,
    MCNEMAR,
    MONTE_CARLO,
    binomial_tail,
    bootstrap_ci,
    min_cases_to_flag,
    min_detectable_drop,
    paired_drop_test,
)


def brute_force_p(diffs: list[float]) -> float:
    """P(sum of randomly signed |d| <= observed sum), by listing every sign pattern."""
    observed = sum(diffs)
    mags = [abs(d) for d in diffs if d != 0]
    hits = 0
    for signs in itertools.product((1, -1), repeat=len(mags)):
        if sum(s * m for s, m in zip(signs, mags, strict=True)) <= observed + 1e-9:
            hits += 1
    return float(hits / 2 ** len(mags))


# -- known values ------------------------------------------------------------------------
def test_binomial_tail_known_values() -> None:
    assert binomial_tail(5, 5) == 1 / 32
    assert binomial_tail(5, 6) == 7 / 64
    assert binomial_tail(0, 10) == 1.0
    assert binomial_tail(3, 2) == 0.0
    assert binomial_tail(1, 1) == 0.5


def test_mcnemar_counts_only_discordant_pairs() -> None:
    # 5 cases passed before and fail now, 1 the other way, 4 unchanged: P(X >= 5 | n=6) = 7/64
    base = [1, 1, 1, 1, 1, 0, 1, 1, 0, 0]
    cand = [0, 0, 0, 0, 0, 1, 1, 1, 0, 0]
    r = paired_drop_test([float(x) for x in base], [float(x) for x in cand])
    assert r.test == MCNEMAR
    assert r.p_value == pytest.approx(7 / 64)
    assert (r.drops, r.gains, r.nonzero, r.n) == (5, 1, 6, 10)


def test_five_clean_drops_are_significant_at_five_percent() -> None:
    r = paired_drop_test([1.0] * 5, [0.0] * 5)
    assert r.p_value == pytest.approx(1 / 32)
    assert paired_drop_test([1.0] * 4, [0.0] * 4).p_value == pytest.approx(1 / 16)


def test_exact_sign_flip_hand_computed_with_a_float_tie() -> None:
    # d = (-0.3, +0.1, -0.2), sum -0.4; of the 8 sign patterns only -0.6 and -0.4 are <= -0.4.
    # 0.5-0.8 is not exactly -0.3 in floating point: the tie must still count.
    r = paired_drop_test([0.8, 0.4, 0.9], [0.5, 0.5, 0.7])
    assert r.test == EXACT
    assert r.p_value == pytest.approx(2 / 8)


def test_no_change_gives_p_one() -> None:
    r = paired_drop_test([0.3, 0.7, 0.5], [0.3, 0.7, 0.5])
    assert r.p_value == 1.0
    assert r.nonzero == 0


def test_exact_matches_brute_force() -> None:
    rng = random.Random(3)
    for _ in range(20):
        k = rng.randint(1, 11)
        base = [rng.random() for _ in range(k)]
        cand = [min(1.0, max(0.0, b + rng.gauss(-0.05, 0.2))) for b in base]
        diffs = [c - b for b, c in zip(base, cand, strict=True)]
        assert paired_drop_test(base, cand).p_value == pytest.approx(brute_force_p(diffs))


def test_lattice_matches_enumeration_for_repeated_pass_fail() -> None:
    rng = random.Random(5)
    base = [rng.randint(0, 3) / 3 for _ in range(60)]
    cand = [rng.randint(0, 3) / 3 for _ in range(60)]
    r = paired_drop_test(base, cand)
    assert r.test == LATTICE and r.nonzero > stats.EXACT_MAX
    # the same numbers cut to 24 changed cases go through enumeration; compare both paths
    diffs = [c - b for b, c in zip(base, cand, strict=True) if c != b][:24]
    mags = sorted(abs(d) for d in diffs)
    observed = math.fsum(diffs)
    units = [round(m * 3) for m in mags]
    lattice = stats._exact_lattice(units, math.floor(observed * 3 + 1e-6))
    assert lattice == pytest.approx(stats._exact_enumeration(mags, observed), abs=1e-12)


def test_monte_carlo_close_to_exact_and_never_zero() -> None:
    rng = random.Random(11)
    base = [rng.random() for _ in range(40)]
    cand = [b - 0.03 + rng.gauss(0, 0.1) for b in base]
    r = paired_drop_test(base, cand, resamples=20_000, seed=1)
    assert r.test == MONTE_CARLO and r.resamples == 20_000
    diffs = [c - b for b, c in zip(base, cand, strict=True)]
    # the sign-flip distribution of the sum is close to normal with variance sum(d^2) here
    z = sum(diffs) / math.sqrt(sum(d * d for d in diffs))
    assert r.p_value == pytest.approx(statistics.NormalDist().cdf(z), abs=0.02)
    extreme = paired_drop_test([1.0] * 40, [0.5 - i / 1000 for i in range(40)], resamples=100)
    assert extreme.p_value == pytest.approx(1 / 101)


def test_seeded_and_order_independent() -> None:
    rng = random.Random(2)
    base = [rng.random() for _ in range(50)]
    cand = [b + rng.gauss(-0.02, 0.2) for b in base]
    a = paired_drop_test(base, cand, resamples=2000, seed=7)
    assert a == paired_drop_test(base, cand, resamples=2000, seed=7)
    assert paired_drop_test(base, cand, resamples=2000, seed=8).p_value != a.p_value
    order = list(range(50))
    rng.shuffle(order)
    shuffled = paired_drop_test(
        [base[i] for i in order], [cand[i] for i in order], resamples=2000, seed=7
    )
    assert shuffled.p_value == a.p_value


def test_swapping_sides_is_the_other_tail() -> None:
    # exact tests: P(S <= s) + P(S >= s) = 1 + P(S = s); with distinct sums P(S = s) = 2**-k
    base, cand = [0.9, 0.5, 0.7, 0.2, 0.6], [0.6, 0.55, 0.3, 0.25, 0.4]
    down = paired_drop_test(base, cand).p_value
    up = paired_drop_test(cand, base).p_value
    assert down + up == pytest.approx(1 + 1 / 32)


def test_unequal_lengths_rejected() -> None:
    with pytest.raises(ValueError):
        paired_drop_test([1.0], [1.0, 0.0])


unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
pairs = st.lists(st.tuples(unit, unit), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(pairs, st.integers(min_value=0, max_value=2**32))
def test_p_value_is_in_zero_one(data: list[tuple[float, float]], seed: int) -> None:
    base, cand = [b for b, _ in data], [c for _, c in data]
    r = paired_drop_test(base, cand, resamples=200, seed=seed)
    assert 0.0 < r.p_value <= 1.0
    assert r.drops + r.gains == r.nonzero <= r.n == len(data)


@settings(max_examples=100, deadline=None)
@given(st.lists(unit, min_size=1, max_size=80))
def test_identical_runs_give_p_one(scores: list[float]) -> None:
    assert paired_drop_test(scores, list(scores)).p_value == 1.0


# -- bootstrap and power --------------------------------------------------------------------
def test_bootstrap_ci_brackets_the_mean_and_is_seeded() -> None:
    rng = random.Random(4)
    diffs = [rng.gauss(-0.05, 0.2) for _ in range(80)]
    ci = bootstrap_ci(diffs, resamples=1000, seed=3)
    assert ci is not None
    lo, hi = ci
    assert lo < statistics.fmean(diffs) < hi
    # roughly mean +- 1.96 * sd / sqrt(n)
    half = 1.96 * statistics.stdev(diffs) / math.sqrt(80)
    assert hi - lo == pytest.approx(2 * half, rel=0.2)
    assert bootstrap_ci(diffs, resamples=1000, seed=3) == ci
    assert bootstrap_ci([0.1] * 5) == pytest.approx((0.1, 0.1))
    assert bootstrap_ci([]) is None


def _binomial_quantile(n: int, p: float) -> int:
    """The smallest k with P(Binomial(n, 1/2) <= k) >= p, from the exact distribution."""
    total = 0
    for k in range(n + 1):
        total += math.comb(n, k)
        if total >= p * 2**n:
            return k
    return n


@pytest.mark.parametrize("level", [0.95, 0.90])
def test_bootstrap_ci_width_on_a_known_sample(level: float) -> None:
    # half zeros, half ones: a resample's mean is Binomial(100, 1/2) / 100, so the percentile
    # interval is that distribution's quantiles (0.40-0.60 at 95%, 0.42-0.58 at 90%)
    diffs = [0.0, 1.0] * 50
    tail = (1 - level) / 2
    lo, hi = _binomial_quantile(100, tail) / 100, _binomial_quantile(100, 1 - tail) / 100
    ci = bootstrap_ci(diffs, level=level, resamples=10_000)
    assert ci == pytest.approx((lo, hi))
    assert ci[1] - ci[0] == pytest.approx(hi - lo)  # the width: 0.20 at 95%, 0.16 at 90%


def test_min_cases_to_flag() -> None:
    assert min_cases_to_flag(0.05) == 5  # 2**-5 = 0.031 <= 0.05 < 2**-4
    assert min_cases_to_flag(0.01) == 7
    assert min_cases_to_flag(0.5) == 1  # one case down can reach p = 0.5
    assert min_cases_to_flag(0.0) == min_cases_to_flag(1.0) == 1  # out of range: no division


def test_lattice_p_value_of_equal_steps_is_the_binomial_tail() -> None:
    # 30 cases half a point apart, 19 down and 11 up: the sign-flip sum in half points is
    # (ups - downs), so P(S <= -8) is P(Binomial(30, 1/2) <= 11), counted here exactly
    base = [0.5] * 30
    cand = [0.0] * 19 + [1.0] * 11
    r = paired_drop_test(base, cand)
    assert r.test == LATTICE
    assert (r.n, r.nonzero, r.drops, r.gains) == (30, 30, 19, 11)
    expected = sum(math.comb(30, k) for k in range(12)) / 2**30
    assert r.p_value == pytest.approx(expected, rel=1e-9)


def _sign_flip_p(units: list[int], observed: int) -> float:
    """P(sum of +-units <= observed), every sign pattern counted in whole numbers."""
    counts = {0: 1}
    for u in units:
        nxt: dict[int, int] = {}
        for total, c in counts.items():
            for s in (total - u, total + u):
                nxt[s] = nxt.get(s, 0) + c
        counts = nxt
    return sum(c for total, c in counts.items() if total <= observed) / 2 ** len(units)


def test_lattice_of_mixed_halves_and_thirds_uses_their_common_grid() -> None:
    # half-point and third-point changes share a grid of sixths (3 and 2 steps)
    signs = [-1, -1, 1, -1, 1, -1, -1, 1, -1, 1, -1, -1, 1, -1]
    halves = [(0.5, 0.5 + s * 0.5) for s in signs]
    thirds = [(1 / 3, 1 / 3 + s / 3) for s in signs]
    base, cand = zip(*(halves + thirds), strict=True)
    r = paired_drop_test(list(base), list(cand))
    assert r.test == LATTICE and r.nonzero == 28
    units = [3] * len(signs) + [2] * len(signs)
    observed = sum(3 * s for s in signs) + sum(2 * s for s in signs)
    assert r.p_value == pytest.approx(_sign_flip_p(units, observed), rel=1e-9)


def test_monte_carlo_counts_ties_as_at_least_as_extreme() -> None:
    # 30 equal steps of an irrational size (no grid): many sign patterns tie with the observed
    # sum, and a tie counts, so p is P(Binomial(30, 1/2) <= 11), not the strict tail below it
    step = math.pi / 10
    base = [0.5] * 30
    cand = [0.5 - step] * 19 + [0.5 + step] * 11
    r = paired_drop_test(base, cand, resamples=20_000, seed=1)
    assert r.test == MONTE_CARLO
    expected = sum(math.comb(30, k) for k in range(12)) / 2**30
    assert r.p_value == pytest.approx(expected, abs=0.01)


def test_unchanged_graded_scores_are_an_exact_p_of_one() -> None:
    r = paired_drop_test([0.5, 0.25, 0.75], [0.5, 0.25, 0.75])
    assert (r.p_value, r.test, r.nonzero, r.drops, r.gains) == (1.0, EXACT, 0, 0, 0)


def test_bootstrap_ci_of_one_case_and_of_no_resamples() -> None:
    assert bootstrap_ci([0.3]) == (0.3, 0.3)
    assert bootstrap_ci([0.1, 0.2], resamples=0) is None
    lo, hi = bootstrap_ci([-1.0, 1.0], resamples=1000) or (0.0, 0.0)
    assert (lo, hi) == (-1.0, 1.0)  # two cases: the interval spans both, not the first


def test_min_detectable_drop_at_its_edges() -> None:
    assert min_detectable_drop([0.0] * 5, 0.05) == 1.0  # exactly five cases: all must drop
    assert min_detectable_drop([1.0, -1.0] * 3, 0.05) == 1.0  # never more than the whole score
    assert min_detectable_drop([0.1] * 10, 0.0) is None
    assert min_detectable_drop([0.1] * 10, 1.0) is None


def test_min_detectable_drop_formula_and_floors() -> None:
    diffs = [0.4, -0.4] * 50  # sd = 0.402, n = 100
    z = statistics.NormalDist().inv_cdf
    expected = (z(0.95) + z(0.80)) * statistics.stdev(diffs) / 10
    assert min_detectable_drop(diffs, 0.05) == pytest.approx(expected)
    # no spread observed: limited by needing five whole cases to drop
    assert min_detectable_drop([0.0] * 100, 0.05) == pytest.approx(0.05)
    assert min_detectable_drop([0.0] * 4, 0.05) is None
    # four times the cases halves the detectable drop
    assert min_detectable_drop(diffs * 4, 0.05) == pytest.approx(expected / 2, rel=0.01)


def _drawn_ci(diffs: list[float], resamples: int = 2_000, seed: int = 0) -> tuple[float, float]:
    """The interval as drawn resample by resample (what the shortcut must equal)."""
    n = len(diffs)
    rng = random.Random(seed)
    means = sorted(math.fsum(rng.choices(diffs, k=n)) / n for _ in range(resamples))
    return means[max(0, math.floor(0.025 * resamples))], means[
        min(resamples - 1, math.ceil(0.975 * resamples) - 1)
    ]


@pytest.mark.parametrize("value", [0.0, 0.1, 1.0 / 3.0, -0.2, 1.0])
def test_bootstrap_ci_of_equal_differences_draws_nothing_and_equals_the_drawn_one(
    value: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    diffs = [value] * 37
    expected = _drawn_ci(diffs, resamples=200)

    def no_draws(*_: object, **__: object) -> list[float]:
        raise AssertionError("equal differences need no resampling")

    # a run compared with an equal one: 2,000 x n draws would all give the same mean
    monkeypatch.setattr(random.Random, "choices", no_draws)
    assert bootstrap_ci(diffs, resamples=200) == expected
    assert bootstrap_ci([value] * 20_000) == (
        math.fsum([value] * 20_000) / 20_000,
        math.fsum([value] * 20_000) / 20_000,
    )


def test_bootstrap_ci_of_mixed_zero_signs_still_draws() -> None:
    diffs = [0.0, -0.0, 0.0, 0.25, 0.0]
    assert bootstrap_ci(diffs, resamples=300, seed=4) == _drawn_ci(diffs, 300, 4)
    signs = [0.0, -0.0] * 4  # equal values, not the same bits: drawn as before
    assert bootstrap_ci(signs, resamples=300, seed=4) == _drawn_ci(signs, 300, 4)


def test_the_reported_interval_is_the_bootstrap_up_to_its_case_limit() -> None:
    from evalgate.gate.stats import BOOTSTRAP_MAX_CASES, mean_interval

    rng = random.Random(4)
    diffs = [rng.choice([0.0, 0.0, -1.0, 1.0, -0.5]) for _ in range(300)]
    assert mean_interval(diffs, resamples=500, seed=2) == bootstrap_ci(diffs, resamples=500, seed=2)
    # above the limit: the normal interval, which the bootstrap's means follow at that size
    big = [rng.choice([0.0, 0.0, 0.0, -1.0, 1.0, -0.5]) for _ in range(BOOTSTRAP_MAX_CASES + 1)]
    normal = mean_interval(big, resamples=2000)
    drawn = bootstrap_ci(big, resamples=300, seed=1)
    assert normal is not None and drawn is not None
    width = normal[1] - normal[0]
    mean = sum(big) / len(big)
    assert normal[0] < mean < normal[1] and 0.0 < width < 0.05
    assert abs(normal[0] - drawn[0]) < width * 0.15 and abs(normal[1] - drawn[1]) < width * 0.15
    same = [0.25] * (BOOTSTRAP_MAX_CASES + 1)
    assert mean_interval(same) == bootstrap_ci(same) == (0.25, 0.25)
