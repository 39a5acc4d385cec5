"""``aggregate`` takes each case's results as the run of neighbours they are in, and shares
equal statistics floats: what it holds at its peak stays close to what it returns.

It used to build a list per case (and a dict of them) before computing anything, and held a
float object per mean and pass rate: its peak was about twice what it returned.
"""

from __future__ import annotations

import gc
import random
import tracemalloc

from evalgate.results import CaseResult, aggregate
from evalgate.scorers.registry import ScoreRecord

N = 5000
_SCORES = (ScoreRecord("contains", 1.0, True, ""), ScoreRecord("exact", 0.0, False, "no"))


def _results(n: int, repeats: int = 1) -> list[CaseResult]:
    return [
        CaseResult(
            case_id=f"q{i:06d}",
            dataset="app",
            repeat=k,
            status="passed" if i % 4 else "failed",
            outcome="success",
            passed=bool(i % 4),
            score=(i % 3) / 2,
            scores=_SCORES,
        )
        for i in range(n)
        for k in range(repeats)
    ]


def _measure(results: list[CaseResult]) -> tuple[float, float]:
    """(bytes held per case at the peak, bytes held per case by what is returned)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        stats = aggregate(r for r in results if not r.confirmation)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(stats) == N
    return (peak - before) / N, (held - before) / N


def test_aggregate_peaks_close_to_what_it_returns() -> None:
    peak, held = _measure(_results(N))
    # before: peak about 320 bytes a case, 205 held; now about 165 and 157
    assert peak < held * 1.3, f"peak {peak:.0f} B/case, held {held:.0f} B/case"
    assert held < 185, f"held {held:.0f} B/case"


def test_results_in_another_order_give_the_same_statistics() -> None:
    ordered = _results(N, repeats=2)
    shuffled = list(ordered)
    random.Random(7).shuffle(shuffled)
    # a case's results keep their relative order when sorted: the same first result is read
    shuffled.sort(key=lambda r: r.repeat)
    want = aggregate(ordered)
    got = aggregate(shuffled)
    assert list(got) == list(want) == sorted(want)
    assert got == want


def test_equal_means_are_one_float() -> None:
    stats = aggregate(_results(N))
    assert len({id(s.score) for s in stats.values()}) == 3
    assert {s.score for s in stats.values()} == {0.0, 0.5, 1.0}
