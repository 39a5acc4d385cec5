"""Baseline and candidate as two samples: the drop test, the per-case test, Holm (pure).

A baseline is an estimate, not the truth: it was itself drawn from the same noisy endpoint, once
or over several recorded runs (its *history*). Both tests here treat it as a sample.

**The drop test.** Per shared case ``i``: the baseline's mean score over ``m_b`` scored repeats
and the candidate's over ``m_c``. Under "no change" every repeat of a case is a draw from one
distribution on [0, 1]; its variance is at most ``mu (1 - mu)`` (a pass/fail score reaches it),
with ``mu`` estimated from both samples pooled (and the ``M / (M - 1)`` correction of drawing
without replacement, so two single repeats that disagree count as the full ±1 spread). The
drop of the mean over ``n`` cases then has the two independent parts

    sd_cand^2 = sum_i v_i / m_c_i / n^2      sd_base^2 = sum_i v_i / m_b_i / n^2.

A team reuses one baseline for every pull request, so what matters is the false-block rate
*given the baseline it has*. A baseline that happened to be lucky (its mean above the truth by
``e``) would make every unchanged run look like a drop. The test therefore compares the
candidate with the baseline's lower confidence bound: it blocks when

    drop - cc - z[BASE_CONFIDENCE] * sd_base > z[1 - alpha] * sd_cand

(``cc``: half a step of the candidate's mean, a continuity correction for pass/fail data). For
at least ``BASE_CONFIDENCE`` (95%) of the baselines a team could have recorded, the chance that
an unchanged run is blocked is then at most ``alpha``. More history shrinks ``sd_base`` and with
it the margin, so a grown baseline costs little power; a single-run baseline costs the most.

**The per-case test.** A case that passed ``x_b`` of ``m_b`` baseline repeats and ``x_c`` of
``m_c`` candidate repeats (confirmation re-runs included): conditional on the ``x_b + x_c``
passes, ``x_c`` is hypergeometric under "no change", whatever the case's pass probability, so
Fisher's exact one-sided p-value ``P(X <= x_c)`` is valid for flaky and stable cases alike.
Across cases it is corrected by Holm, which controls the family-wise error rate.
"""

from __future__ import annotations

import itertools
import math
import statistics
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BASE_CONFIDENCE = 0.95  # share of baselines for which the false-block rate stays <= alpha
POWER = 0.80
_Z = statistics.NormalDist()
TEST_NAME = "two-sample-baseline-bound"


@dataclass(frozen=True, slots=True)
class Pair:
    """One shared case: baseline mean over ``base_n`` repeats, candidate over ``cand_n``."""

    base: float
    base_n: int
    cand: float
    cand_n: int


class Pairs:
    """Shared cases as four columns, in order: the figures of :class:`Pair` without an object
    per case (a large run's drop test holds 32 bytes per shared case)."""

    __slots__ = ("base", "base_n", "cand", "cand_n")

    def __init__(self) -> None:
        self.base = array("d")
        self.base_n = array("q")
        self.cand = array("d")
        self.cand_n = array("q")

    @classmethod
    def of(cls, pairs: Iterable[Pair]) -> Pairs:
        out = cls()
        for p in pairs:
            out.append(p.base, p.base_n, p.cand, p.cand_n)
        return out

    def append(self, base: float, base_n: int, cand: float, cand_n: int) -> None:
        self.base.append(base)
        self.base_n.append(base_n)
        self.cand.append(cand)
        self.cand_n.append(cand_n)

    def __len__(self) -> int:
        return len(self.base)

    def rows(self) -> Iterable[tuple[float, int, float, int]]:
        return zip(self.base, self.base_n, self.cand, self.cand_n, strict=True)

    def with_repeats(self, base_n: array[int], cand_n: array[int]) -> Pairs:
        """The same means at other repeat counts (the columns of means are shared)."""
        out = Pairs()
        out.base, out.cand, out.base_n, out.cand_n = self.base, self.cand, base_n, cand_n
        return out


def _columns(pairs: Pairs | Sequence[Pair]) -> Pairs:
    return pairs if isinstance(pairs, Pairs) else Pairs.of(pairs)


@dataclass(frozen=True)
class DropTest:
    drop: float  # baseline mean - candidate mean
    sd_cand: float
    sd_base: float
    margin: float  # z[BASE_CONFIDENCE] * sd_base + continuity correction
    p_value: float
    test: str = TEST_NAME


def _var(base: float, base_n: int, cand: float, cand_n: int) -> float:
    m = base_n + cand_n
    mu = (base * base_n + cand * cand_n) / m
    v = max(0.0, mu * (1.0 - mu))
    return v * m / (m - 1) if m > 1 else 0.25


def _sds(pairs: Pairs, shift: float = 0.0, pooled: bool = True) -> tuple[float, float]:
    n = len(pairs)
    vc = vb = 0.0
    for base, base_n, cand, cand_n in pairs.rows():
        v = (
            _shifted_var(base, base_n, cand, cand_n, shift, pooled)
            if shift
            else _var(base, base_n, cand, cand_n)
        )
        vc += v / cand_n
        vb += v / base_n
    return math.sqrt(vc) / n, math.sqrt(vb) / n


def _shifted_var(
    base: float, base_n: int, cand: float, cand_n: int, shift: float, pooled: bool
) -> float:
    """A case's variance if its candidate mean were ``shift`` lower (for the power figure).

    ``pooled``: what the test estimates (the pooled mean moves by the candidate's share of the
    repeats); else the candidate's own spread.
    """
    m = base_n + cand_n
    mu = (base * base_n + cand * cand_n) / m
    mu = min(1.0, max(0.0, mu - (shift * cand_n / m if pooled else shift)))
    return mu * (1.0 - mu) * (m / (m - 1) if pooled and m > 1 else 1.0)


def continuity(pairs: Pairs | Sequence[Pair]) -> float:
    """Half the smallest step the candidate's mean can take (pass/fail: one repeat of a case)."""
    return 0.5 / (len(pairs) * max(_columns(pairs).cand_n))


def drop_test(pairs: Pairs | Sequence[Pair]) -> DropTest:
    """One-sided test of "the candidate is worse" against the baseline's lower bound."""
    if not pairs:
        raise ValueError("no pairs")
    pairs = _columns(pairs)
    n = len(pairs)
    drop = (sum(pairs.base) - sum(pairs.cand)) / n
    sd_c, sd_b = _sds(pairs)
    margin = _Z.inv_cdf(BASE_CONFIDENCE) * sd_b + continuity(pairs)
    excess = drop - margin
    p = (1.0 if excess <= 1e-12 else 0.0) if sd_c <= 0.0 else 1.0 - _Z.cdf(excess / sd_c)
    return DropTest(drop, sd_c, sd_b, margin, min(1.0, max(p, 1e-300)))


def min_detectable_drop(
    pairs: Pairs | Sequence[Pair], alpha: float, max_drop: float
) -> float | None:
    """The mean drop this test blocks 80% of the time at ``alpha`` (None: never can).

    The candidate's spread is evaluated at the dropped means (a drop moves pass rates away
    from 1 and widens it), solved by a few fixed-point steps.
    """
    if not pairs or not 0.0 < alpha < 1.0:
        return None
    pairs = _columns(pairs)
    _, sd_b = _sds(pairs)
    threshold = _Z.inv_cdf(BASE_CONFIDENCE) * sd_b + continuity(pairs)
    z_a, z_p = _Z.inv_cdf(1.0 - alpha), _Z.inv_cdf(POWER)
    sd_c0, _ = _sds(pairs)
    delta = max(max_drop, threshold + z_a * sd_c0) + z_p * sd_c0
    for _ in range(20):
        sd_test, _ = _sds(pairs, shift=delta)
        sd_alt, _ = _sds(pairs, shift=delta, pooled=False)
        nxt = max(max_drop, threshold + z_a * sd_test) + z_p * sd_alt
        if abs(nxt - delta) < 1e-5:
            break
        delta = nxt
    return delta if delta <= 1.0 else None


def repeats_for(
    pairs: Pairs | Sequence[Pair], alpha: float, target: float, limit: int = 100
) -> int | None:
    """The repeat count per case that brings the MDD down to ``target`` (None: not even ``limit``).

    The baseline keeps its number of recorded runs, each at that repeat count too.
    """
    pairs = _columns(pairs)

    def reaches(r: int) -> bool:
        at = zip(pairs.base_n, pairs.cand_n, strict=True)
        base_n = array("q", [max(r, b * r // max(1, c)) for b, c in at])
        scaled = pairs.with_repeats(base_n, array("q", [r]) * len(pairs))
        mdd = min_detectable_drop(scaled, alpha, 0.0)
        return mdd is not None and mdd <= target + 1e-9

    now = min_detectable_drop(pairs, alpha, 0.0)
    cur = max(pairs.cand_n)
    # the spreads shrink like 1/sqrt(repeats): start there, then step to the exact count
    r = cur if now is None else max(1, min(limit, math.ceil(cur * (now / target) ** 2)))
    if r >= limit:
        return limit if reaches(limit) else None
    if not reaches(r):
        while r < limit and not reaches(r):
            r = min(limit, max(r + 1, math.ceil(r * 1.1)))
        if not reaches(r):
            return None
        return r
    while r > 1 and reaches(r - 1):
        r -= 1
    return r


def hypergeom_lower(x_c: int, m_c: int, x_b: int, m_b: int) -> float:
    """Fisher's one-sided p: P(X <= x_c), X the candidate's passes given the pooled total."""
    total, m = x_b + x_c, m_b + m_c
    denom = math.comb(m, total)
    lo = max(0, total - m_b)
    hits = sum(math.comb(m_c, k) * math.comb(m_b, total - k) for k in range(lo, x_c + 1))
    return min(1.0, hits / denom)


def binom_cdf(x: int, m: int, p: float) -> float:
    """P(X <= x) for X ~ Binomial(m, p), summed in log space (large m stays finite)."""
    if x < 0:
        return 0.0
    if x >= m or p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    lp, lq = math.log(p), math.log1p(-p)
    lm = math.lgamma(m + 1)
    terms = [
        lm - math.lgamma(k + 1) - math.lgamma(m - k + 1) + k * lp + (m - k) * lq
        for k in range(x + 1)
    ]
    top = max(terms)
    return min(1.0, math.exp(top) * math.fsum(math.exp(t - top) for t in terms))


def upper_rate(failures: int, trials: int, confidence: float = BASE_CONFIDENCE) -> float:
    """Clopper-Pearson one-sided upper bound of a failure rate (bisection on the binomial)."""
    if failures >= trials:
        return 1.0
    lo, hi = failures / trials, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if binom_cdf(failures, trials, mid) > 1.0 - confidence:
            lo = mid
        else:
            hi = mid
    return hi


def holm(pvalues: Sequence[float], alpha: float, family: int | None = None) -> list[bool]:
    """Holm's step-down: which hypotheses are rejected at family-wise level ``alpha``.

    ``family`` counts hypotheses not listed (their p-values are taken to be 1).
    """
    m = max(len(pvalues), family or 0)
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    rejected = [False] * len(pvalues)
    for rank, i in enumerate(order):
        if pvalues[i] > alpha / (m - rank):
            break
        rejected[i] = True
    return rejected


def flip_rate(history: Sequence[tuple[int, int]]) -> float:
    """Share of consecutive recorded samples whose majority verdict differs (0 for < 2)."""
    verdicts = [2 * p >= n for p, n in history if n > 0]
    if len(verdicts) < 2:
        return 0.0
    return sum(a != b for a, b in itertools.pairwise(verdicts)) / (len(verdicts) - 1)
