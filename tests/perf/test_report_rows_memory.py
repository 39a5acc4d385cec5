"""A report's rows of single-repeat cases hold no figures object per case.

``evalgate report`` reads a stored run's results compact and builds a row per case; a row
used to hold a :class:`~evalgate.results.CaseStats` made for it (every case's figures at
once, the largest part of the rows and the peak of the command). A row of one repeat now
reads its figures from that repeat. The bound is a ratio to the objects' own sizes, not a
machine's figure.
"""

from __future__ import annotations

import dataclasses
import sys
import tracemalloc

from evalgate.report.view import RunView
from evalgate.results import CaseResult, aggregate
from evalgate.summary import RunMeta, build_summary
from tests.report.runs import res

N = 5000


def _results(n: int) -> list[CaseResult]:
    one = res("q000000")
    return [dataclasses.replace(one, case_id=f"q{i:06d}") for i in range(n)]


def _rows_held(results: list[CaseResult]) -> int:
    summary = build_summary(results, RunMeta("r", "2026-01-01T00:00:00Z"), None)
    view = RunView.build(results, summary)
    tracemalloc.start()
    try:
        rows = view.cases
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(rows) == len(results)
    return held


def test_rows_of_single_repeats_hold_no_figures_per_case() -> None:
    _rows_held(_results(20))  # imports and first-use caches
    results = _results(N)
    held = _rows_held(results)
    row = RunView.build(results[:1], build_summary(results[:1], RunMeta("r", ""), None)).cases[0]
    figures = next(iter(aggregate(results[:1]).values()))
    per_row = sys.getsizeof(row) + 16  # the row and its place in the tuple of rows (and slack)
    # before: each row also held its CaseStats (larger than the row itself)
    assert held < N * (per_row + sys.getsizeof(figures) // 2), (held / N, per_row)
