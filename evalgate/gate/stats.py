"""Paired statistics: a one-sided sign-flip test for a drop, a bootstrap CI, a detectable drop.

The gate decides with ``gate/samples.py`` (baseline and candidate as two samples); from here it
uses only :func:`bootstrap_ci` for the reported interval. The paired test treats the baseline
as exact, which a reused baseline is not (docs/gate.md, "The statistics").

Pure functions of numbers; standard library only; every random draw comes from a
``random.Random(seed)`` so the same inputs give the same answer. The reasoning behind each
choice is written up in ``docs/gate.md``.

The paired test works on case-level differences ``d_i = candidate_i - baseline_i``. Under "no
change", a case's baseline and candidate scores are two draws from the same distribution, so
each ``d_i`` is as likely to be positive as negative: flipping its sign gives an equally likely
data set. The sign-flip (randomisation) test compares the observed sum of differences with the
sums under all sign patterns; small (very negative) sums are evidence of a drop.
"""

from __future__ import annotations

import bisect
import math
import random
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

EXACT_MAX = 24  # enumerate all 2**k sign patterns (meet in the middle) up to this many
LATTICE_MAX_DENOMINATOR = 240  # scores that are means of few 0/1 or k/m values
LATTICE_MAX_WORK = 2_000_000  # cells x steps for the exact lattice convolution
MCNEMAR = "mcnemar-exact"
EXACT = "sign-flip-exact"
LATTICE = "sign-flip-exact-lattice"
MONTE_CARLO = "sign-flip-monte-carlo"
POWER = 0.80


@dataclass(frozen=True)
class TestResult:
    """A one-sided p-value for "the candidate is worse" and how it was computed."""

    p_value: float
    test: str
    n: int  # paired cases
    nonzero: int  # cases whose score changed
    drops: int  # cases that got worse
    gains: int  # cases that got better
    resamples: int = 0  # Monte-Carlo draws (0 for exact tests)


def _tol(values: Sequence[float]) -> float:
    # sums of the same numbers in another order differ in the last bits; ties must count
    return 1e-9 * max(1.0, math.fsum(abs(v) for v in values))


def _is_binary(xs: Sequence[float]) -> bool:
    return all(x == 0.0 or x == 1.0 for x in xs)


def binomial_tail(k: int, n: int) -> float:
    """P(X >= k) for X ~ Binomial(n, 1/2), exactly (integer arithmetic, one rounding)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return sum(math.comb(n, i) for i in range(k, n + 1)) / (1 << n)


def _subset_sums(values: Sequence[float]) -> list[float]:
    sums = [0.0]
    for v in values:
        sums = [s + v for s in sums] + [s - v for s in sums]
    return sums


def _exact_enumeration(mags: Sequence[float], observed: float) -> float:
    """P(sum of +-mags <= observed) over all 2**k sign patterns, by meet in the middle."""
    half = len(mags) // 2
    left = _subset_sums(mags[:half])
    right = sorted(_subset_sums(mags[half:]))
    limit = observed + _tol(mags)
    count = sum(bisect.bisect_right(right, limit - x) for x in left)
    return count / (len(left) * len(right))


def _lattice_scale(mags: Sequence[float]) -> int | None:
    """The smallest L <= LATTICE_MAX_DENOMINATOR making every magnitude an integer multiple."""
    scale = 1
    for v in mags:
        f = Fraction(v).limit_denominator(LATTICE_MAX_DENOMINATOR)
        if abs(float(f) - v) > 1e-9:
            return None
        scale = scale * f.denominator // math.gcd(scale, f.denominator)
        if scale > LATTICE_MAX_DENOMINATOR:
            return None
    return scale


def _exact_lattice(units: Sequence[int], observed_units: int) -> float:
    """P(sum of +-units <= observed) by convolving the sign distribution on the integer grid."""
    total = sum(units)
    # probs[j] = P(S = j - total); S ranges over [-total, total]
    probs = [0.0] * (2 * total + 1)
    probs[total] = 1.0
    reach = 0
    for u in units:
        nxt = [0.0] * len(probs)
        for j in range(total - reach, total + reach + 1):
            p = probs[j]
            if p:
                nxt[j - u] += 0.5 * p
                nxt[j + u] += 0.5 * p
        probs = nxt
        reach += u
    return math.fsum(probs[: observed_units + total + 1])


def _monte_carlo(mags: Sequence[float], observed: float, resamples: int, seed: int) -> float:
    """Seeded random sign patterns; add-one so p is never 0 (the observed pattern counts)."""
    rng = random.Random(seed)
    # byte tables: the sum over any 8 magnitudes' sign pattern is one lookup
    tables: list[list[float]] = []
    for start in range(0, len(mags), 8):
        chunk = mags[start : start + 8]
        table = [0.0] * (1 << len(chunk))
        for bits in range(len(table)):
            table[bits] = math.fsum(-m if bits >> i & 1 else m for i, m in enumerate(chunk))
        tables.append(table)
    k = len(mags)
    nbytes = len(tables)
    limit = observed + _tol(mags)
    hits = 0
    for _ in range(resamples):
        raw = rng.getrandbits(k).to_bytes(nbytes, "little")
        if sum(t[b] for t, b in zip(tables, raw, strict=True)) <= limit:
            hits += 1
    return (hits + 1) / (resamples + 1)


def paired_drop_test(
    base: Sequence[float],
    cand: Sequence[float],
    *,
    resamples: int = 10_000,
    seed: int = 0,
) -> TestResult:
    """One-sided paired test of H0 "no change" against "the candidate scores lower".

    Chooses, in order: exact McNemar (binomial on discordant pairs) when every score is 0 or
    1; exact sign-flip enumeration for at most ``EXACT_MAX`` changed cases; exact sign-flip on
    an integer grid when the differences are multiples of ``1/L`` (for example means of
    repeated pass/fail); a seeded Monte-Carlo sign-flip test otherwise. p is in (0, 1].
    """
    if len(base) != len(cand):
        raise ValueError("paired samples must have the same length")
    diffs = [c - b for b, c in zip(base, cand, strict=True)]
    nonzero = [d for d in diffs if d != 0.0]
    drops = sum(1 for d in nonzero if d < 0)
    gains = len(nonzero) - drops
    n = len(diffs)

    def result(p: float, test: str, draws: int = 0) -> TestResult:
        # p from an exact tail can underflow for thousands of discordant pairs
        p = min(1.0, max(p, sys.float_info.min))
        return TestResult(p, test, n, len(nonzero), drops, gains, draws)

    if _is_binary(base) and _is_binary(cand):
        return result(binomial_tail(drops, drops + gains), MCNEMAR)
    if not nonzero:
        return result(1.0, EXACT)
    observed = math.fsum(nonzero)
    mags = sorted(abs(d) for d in nonzero)
    if len(mags) <= EXACT_MAX:
        return result(_exact_enumeration(mags, observed), EXACT)
    scale = _lattice_scale(mags)
    if scale is not None:
        units = [round(m * scale) for m in mags]
        if len(units) * (2 * sum(units) + 1) <= LATTICE_MAX_WORK:
            return result(_exact_lattice(units, math.floor(observed * scale + 1e-6)), LATTICE)
    return result(_monte_carlo(mags, observed, resamples, seed), MONTE_CARLO, resamples)


def bootstrap_ci(
    diffs: Sequence[float], *, level: float = 0.95, resamples: int = 2_000, seed: int = 0
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean difference (cases resampled with replacement).

    For reports only; the gate decides with :func:`paired_drop_test`. None for no data.
    """
    n = len(diffs)
    if n == 0:
        return None
    if n == 1 or resamples < 1:
        return (diffs[0], diffs[0]) if n == 1 else None
    data = diffs  # indexed as it is (a large run's differences come as an array, not objects)
    first = data[0]
    if all(d == first for d in data) and len({math.copysign(1.0, d) for d in data}) == 1:
        # every resample is the same n values (a run compared with an equal one): each mean is
        # this one, so drawing 2,000 x n picks would give the same interval
        same = math.fsum([first] * n) / n
        return (same, same)
    rng = random.Random(seed)
    means = sorted(math.fsum(rng.choices(data, k=n)) / n for _ in range(resamples))
    tail = (1.0 - level) / 2.0
    lo = means[max(0, math.floor(tail * resamples))]
    hi = means[min(resamples - 1, math.ceil((1.0 - tail) * resamples) - 1)]
    return (lo, hi)


BOOTSTRAP_MAX_CASES = 10_000  # above: the normal interval the bootstrap converges to


def mean_interval(
    diffs: Sequence[float], *, level: float = 0.95, resamples: int = 2_000, seed: int = 0
) -> tuple[float, float] | None:
    """The reported interval of the mean difference: :func:`bootstrap_ci` up to
    :data:`BOOTSTRAP_MAX_CASES` cases; above, the normal interval (mean ± z·sd/√n, with the
    bootstrap's own plug-in spread), which the bootstrap's resampled means follow at that size
    to within their own noise. Drawing 2,000 × n picks costs about 13 s of CPU at 100,000
    cases; this costs one pass.
    """
    n = len(diffs)
    if n <= BOOTSTRAP_MAX_CASES or resamples < 1:
        return bootstrap_ci(diffs, level=level, resamples=resamples, seed=seed)
    mean = math.fsum(diffs) / n
    spread = math.sqrt(math.fsum((d - mean) ** 2 for d in diffs) / n / n)
    half = statistics.NormalDist().inv_cdf(1.0 - (1.0 - level) / 2.0) * spread
    return (mean - half, mean + half)


def min_cases_to_flag(alpha: float) -> int:
    """How many cases must get worse (none better) before any sign-flip test can reach alpha."""
    return max(1, math.ceil(math.log2(1.0 / alpha))) if 0.0 < alpha < 1.0 else 1


def min_detectable_drop(diffs: Sequence[float], alpha: float, power: float = POWER) -> float | None:
    """The smallest mean drop the set can flag at ``alpha`` with ``power`` (an approximation).

    Normal approximation of the paired test: ``(z[1-alpha] + z[power]) * sd(d) / sqrt(n)``,
    with ``sd(d)`` the observed spread of the case differences, but never below
    ``min_cases_to_flag(alpha) / n`` -- the drop of that many whole cases, which a
    deterministic pass/fail set needs before any test can be significant. None when the set
    has fewer shared cases than that (no drop can ever be significant).
    """
    n = len(diffs)
    k_min = min_cases_to_flag(alpha)
    if n < k_min or not 0.0 < alpha < 1.0:
        return None
    nd = statistics.NormalDist()
    sd = statistics.stdev(diffs) if n >= 2 else 0.0
    approx = (nd.inv_cdf(1.0 - alpha) + nd.inv_cdf(power)) * sd / math.sqrt(n)
    return min(1.0, max(approx, k_min / n))
