"""What a run holds per case from its calls to its reports, beyond the results themselves.

A large run's peak is at its end: every compact result, every case's figures, the verdict's
deltas and the report rows at once. Three structures held more than they needed to:

- the compact results were kept in a mapping keyed by (case id, repeat): a key tuple and a
  table slot per result, about a hundred bytes beside a result of about two hundred and
  twenty; they are now a list, put in order when asked for;
- a report row copied eleven of its case's figures and held a tuple of one result and a
  float of its own per case (about 240 bytes a row, more than the figures it copied); it
  now reads them from the case's ``CaseStats`` and holds a single repeat as itself;
- the gate copied every scored case's figures into a new mapping to judge them, when they
  were all scored and in order already.
"""

from __future__ import annotations

import gc
import random
import tracemalloc
from collections.abc import Callable
from typing import Any

from evalgate.config.model import GateConfig
from evalgate.gate import policy
from evalgate.report.view import RunView
from evalgate.results import CaseResult, aggregate
from evalgate.results_compact import CompactResults
from evalgate.scorers.registry import ScoreRecord

N = 2000
_SCORES = (ScoreRecord("contains", 1.0, True, ""), ScoreRecord("exact", 1.0, True, ""))


def _results(n: int) -> list[CaseResult]:
    return [
        CaseResult(
            case_id=f"q{i:06d}",
            dataset="app",
            repeat=0,
            status="passed",
            outcome="success",
            passed=True,
            score=1.0,
            scores=_SCORES,
            latency_ms=10.0 + i / 7,
            file="goldens/app.yaml",
            line=3 + 4 * i,
            content_hash=f"{i:016x}",
        )
        for i in range(n)
    ]


def _one(case_id: str, repeat: int, status: Any) -> CaseResult:
    return CaseResult(case_id, "app", repeat, status, "success", status == "passed", None)


def _held(make: Callable[[], Any], warm: bool = False) -> tuple[Any, int]:
    """What ``make()`` returns and the bytes it holds once made. ``warm``: ``make()`` once
    before, after the collection (which empties the interpreter's free lists of small
    tuples: the first run fills them, and a full free list stays allocated)."""
    gc.collect()
    if warm:
        make()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        made = make()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return made, held


def test_compact_results_hold_little_beside_the_results() -> None:
    results = _results(N)
    arrived = results[:]
    random.Random(7).shuffle(arrived)  # finished out of order, as concurrent calls do

    def keep() -> CompactResults:
        kept = CompactResults()
        for r in arrived:
            kept.add(r)
        return kept

    kept, held = _held(keep, warm=True)
    _, own = _held(lambda: [_copy(r) for r in results])  # a result object each, in a list
    assert kept.results() == results  # in order, equal
    beside = held - own  # the results' own objects are made anew as they are kept
    # before: about 85 bytes a result beside its own 208 (a key tuple and a table slot);
    # now next to nothing (a slot in a list, as the results' own list has)
    assert beside < own * 0.25, f"beside {beside / N:.0f} B/result, own {own / N:.0f} B/result"


def _copy(r: CaseResult) -> CaseResult:
    return CaseResult(**{f: getattr(r, f) for f in r.__dataclass_fields__})


def test_compact_results_keep_the_last_of_each_case_and_repeat_in_order() -> None:
    first = _results(3)
    again = _one("q000001", 0, "failed")
    later = _one("q000001", 1, "passed")
    kept = CompactResults([first[2], later, first[1], first[0], again])
    got = kept.results()
    assert [(r.case_id, r.repeat, r.status) for r in got] == [
        ("q000000", 0, "passed"),
        ("q000001", 0, "failed"),
        ("q000001", 1, "passed"),
        ("q000002", 0, "passed"),
    ]
    assert len(kept) == 4 and set(kept.keys()) == {(r.case_id, r.repeat) for r in got}
    kept.add(_one("q000000", 0, "error"))
    assert kept.results()[0].status == "error" and len(kept) == 4


def test_report_rows_hold_less_than_the_figures_they_show() -> None:
    results = _results(N)
    stats = aggregate(results)
    _, figures = _held(lambda: aggregate(results))
    rows, held = _held(lambda: RunView.build(results, {"run_id": "r"}, stats=stats).cases, True)
    assert len(rows) == N and rows[5].repeats == (results[5],) and rows[5].line == 23
    assert rows[5].latency_ms == results[5].latency_ms and rows[5].score == 1.0
    # before: about 1.5 times the figures (copies of eleven of them, a tuple and a float per
    # row: 243 bytes a case beside 165); now a row of references, about 100
    assert held < figures, f"rows {held / N:.0f} B/case, figures {figures / N:.0f} B/case"


def test_the_gate_judges_ordered_scored_figures_without_copying_them() -> None:
    stats = aggregate(_results(50))
    assert policy._scored(stats) is stats
    unordered = dict(reversed(list(stats.items())))
    assert list(policy._scored(unordered)) == sorted(stats)
    unscored = aggregate([*_results(3), _one("q9", 0, "error")])
    assert list(policy._scored(unscored)) == ["q000000", "q000001", "q000002"]
    verdict = policy.evaluate(stats, None, GateConfig())
    assert verdict.status == "pass" and len(verdict.deltas) == 50
