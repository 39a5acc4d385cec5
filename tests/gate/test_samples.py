"""The two-sample statistics: Fisher's per-case test, Holm, the drop test and its power."""

from __future__ import annotations

import math
import random

import pytest

from evalgate.gate import samples
from evalgate.gate.samples import Pair


def brute_lower(x_c: int, m_c: int, x_b: int, m_b: int) -> float:
    """P(X <= x_c) by listing every way to choose which repeats are the candidate's."""
    from itertools import combinations

    outcomes = [1] * (x_b + x_c) + [0] * (m_b + m_c - x_b - x_c)
    picks = list(combinations(range(len(outcomes)), m_c))
    return sum(sum(outcomes[i] for i in p) <= x_c for p in picks) / len(picks)


@pytest.mark.parametrize(
    ("x_c", "m_c", "x_b", "m_b"), [(0, 3, 9, 9), (1, 3, 7, 9), (2, 4, 3, 6), (0, 1, 1, 1)]
)
def test_fisher_lower_tail_matches_enumeration(x_c: int, m_c: int, x_b: int, m_b: int) -> None:
    assert samples.hypergeom_lower(x_c, m_c, x_b, m_b) == pytest.approx(
        brute_lower(x_c, m_c, x_b, m_b)
    )


def test_one_recorded_run_can_never_make_one_case_significant() -> None:
    # 3/3 then 0/3: with a single baseline run a stable case and a 50% one look alike
    assert samples.hypergeom_lower(0, 3, 3, 3) == pytest.approx(1 / 20)
    assert samples.hypergeom_lower(0, 3, 30, 30) == pytest.approx(1 / math.comb(33, 3))


def test_holm_steps_down() -> None:
    assert samples.holm([0.01, 0.04, 0.03], 0.05) == [True, False, False]
    assert samples.holm([0.01, 0.02, 0.03], 0.06) == [True, True, True]
    # hypotheses not listed count in the family
    assert samples.holm([0.01], 0.05, family=10) == [False]


def test_flip_rate_counts_verdict_changes_between_runs() -> None:
    assert samples.flip_rate([(1, 1)]) == 0.0
    assert samples.flip_rate([(1, 1), (0, 1), (1, 1), (1, 1)]) == pytest.approx(2 / 3)
    assert samples.flip_rate([(2, 3), (3, 3)]) == 0.0


def test_a_longer_history_narrows_the_baseline_margin() -> None:
    one = samples.drop_test([Pair(0.8, 3, 0.8, 3)] * 100)
    ten = samples.drop_test([Pair(0.8, 30, 0.8, 3)] * 100)
    assert ten.sd_base < one.sd_base / 3 and ten.margin < one.margin
    assert one.p_value > 0.5 and ten.p_value > 0.5  # no drop is never significant


def _blocked_share(true_p: float, drop: float, base_n: int, rep: int, alpha: float) -> float:
    rng = random.Random(7)
    base = [sum(rng.random() < true_p for _ in range(base_n)) / base_n for _ in range(100)]
    hits = 0
    for _ in range(300):
        cand = [sum(rng.random() < true_p - drop for _ in range(rep)) / rep for _ in range(100)]
        pairs = [Pair(b, base_n, c, rep) for b, c in zip(base, cand, strict=True)]
        t = samples.drop_test(pairs)
        hits += t.drop > 0.02 and t.p_value <= alpha
    return hits / 300


def test_the_printed_detectable_drop_is_caught_about_80_percent_of_the_time() -> None:
    pairs = [Pair(0.8, 30, 0.8, 3)] * 100
    mdd = samples.min_detectable_drop(pairs, 0.04, 0.02)
    assert mdd is not None and 0.04 < mdd < 0.09
    # honest: 80% power at the printed figure, for a baseline near the truth
    assert 0.70 <= _blocked_share(0.8, mdd, 30, 3, 0.04) <= 0.90


def test_repeats_for_reaches_the_target() -> None:
    pairs = [Pair(0.8, 30, 0.8, 3)] * 100
    r = samples.repeats_for(pairs, 0.04, 0.05)
    assert r is not None
    scaled = [Pair(0.8, 10 * r, 0.8, r)] * 100
    below = [Pair(0.8, 10 * (r - 1), 0.8, r - 1)] * 100
    got, before = (samples.min_detectable_drop(p, 0.04, 0.0) for p in (scaled, below))
    assert got is not None and before is not None and got <= 0.05 < before
    assert samples.repeats_for([Pair(0.5, 1, 0.5, 1)] * 3, 0.04, 0.01) is None


def test_binomial_tail_and_upper_bound() -> None:
    assert samples.binom_cdf(1, 5, 0.5) == pytest.approx(6 / 32)
    assert samples.binom_cdf(3000, 10000, 0.3) == pytest.approx(0.5, abs=0.01)
    q = samples.upper_rate(0, 10)
    assert q == pytest.approx(1 - 0.05 ** (1 / 10), abs=1e-9)  # (1 - q)^10 = 0.05
    assert samples.binom_cdf(30, 297, samples.upper_rate(30, 297)) == pytest.approx(0.05)
