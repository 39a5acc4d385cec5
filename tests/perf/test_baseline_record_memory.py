"""A second ``baseline record`` grows the file's baseline without holding it, the new one and
the grown one whole together (nor the file's text).

The history default (``gate.baseline_samples``: 10) makes each record read the file already
there; its text was held whole while it was parsed, then the file's baseline, the new one and
the grown copy of the two were all held at once. The bound is a ratio to what the new
baseline holds.
"""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.gate.baseline_store import BaselineStore

N = 2000


def _run(day: int, n: int = N) -> Baseline:
    cases = {
        f"q{i:06d}": BaselineCase(
            f"{i:016x}", 1.0, 1.0, 1, 1, dataset="bench", scorer_pass={"contains": (1, 1)},
            latency_p95_ms=20.0 + i + day, mean_tokens=450.0,
            answer="réponse → [kb-refunds] " * 2 if i % 50 == 0 else None,
        )
        for i in range(n)
    }  # fmt: skip
    return Baseline(prompt_version="v", recorded_at=f"2026-01-0{day}", cases=cases)


def test_a_second_record_holds_about_one_baseline_beside_the_new_one(tmp_path: Path) -> None:
    warm = BaselineStore(tmp_path / "warm")  # imports and first-use caches
    warm.record(_run(1, 50), 10)
    warm.record(_run(2, 50), 10)
    store = BaselineStore(tmp_path / "b")
    store.record(_run(1), 10)
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        given = [_run(2)]
        new = tracemalloc.get_traced_memory()[0] - start
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        _, grown = store.record_handed(given, 10)
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    assert grown.samples == 2 and len(grown.cases) == N and given == []
    # before: the file's text, its baseline, and the grown copy beside the new one, about
    # 3.7 times what the new one holds; now about 1.0
    assert peak < new * 1.5, f"peak {peak / N:.0f} B/case, new {new / N:.0f} B/case"
