"""Saving a baseline builds each case's figures as it writes them: the document of a large
baseline is never held whole. The bound is a ratio to the baseline's own records."""

from __future__ import annotations

import dataclasses
import tracemalloc
from pathlib import Path

from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.gate.baseline_store import BaselineStore
from tests.perf.test_stored_memory import _peak


def _baseline(n: int) -> Baseline:
    cases = {
        f"c{i:06d}": BaselineCase(
            f"h{i}",
            0.5,
            0.5,
            2,
            1,
            tags=("t",),
            scorer_pass={"s": (1, 2)},
            latency_p95_ms=1.5,
            mean_tokens=3.0,
            history=((1, 1, 1.0), (0, 1, 0.0)),
            answer="x" * 40,
        )
        for i in range(n)
    }
    return Baseline(prompt_version="v", recorded_at="2026-01-01T00:00:00Z", cases=cases)


def test_save_holds_a_fraction_of_the_baseline(tmp_path: Path) -> None:
    tracemalloc.start()
    try:
        baseline = _baseline(10_000)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    store = BaselineStore(tmp_path)
    store.save(baseline)  # first-use caches
    peak = _peak(lambda: store.save(baseline))
    # before: the whole document (a dict per case) was built first, about twice the records
    assert peak < held * 0.4, f"save {peak / 1e6:.1f} MB, baseline {held / 1e6:.1f} MB"


def test_a_baseline_case_holds_no_attribute_dict() -> None:
    tracemalloc.start()
    try:
        baseline = _baseline(10_000)
        held = tracemalloc.get_traced_memory()[0]
        names = [f.name for f in dataclasses.fields(BaselineCase)]
        as_dicts = [dict(zip(names, range(len(names)), strict=True)) for _ in range(10_000)]
        dicts = tracemalloc.get_traced_memory()[0] - held
    finally:
        tracemalloc.stop()
    assert not hasattr(next(iter(baseline.cases.values())), "__dict__")
    # before: each case also had an attribute dict as large as these, making up most of it
    assert held < dicts * 1.1, f"baseline {held / 1e6:.1f} MB, attribute dicts {dicts / 1e6:.1f} MB"
    del as_dicts
