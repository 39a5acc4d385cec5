"""``compare``'s reference and ``baseline record`` hold the answers a baseline keeps, not every
case's answer: the file's budget is applied to their lengths before any answer is read back.

The picker used to hold each case's answer (up to 8,000 characters) until the budget was
applied to all of them at the end. Bounded as a ratio to loading the run's figures alone.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

from evalgate.cli.cmd_baseline import _record
from evalgate.engine.stored import load_reference, load_run
from evalgate.gate.answers import ANSWERS_BUDGET
from evalgate.gate.baseline_store import BaselineStore
from evalgate.summary import RunMeta, build_run_summary, write_summary
from tests.perf.test_memory import _result
from tests.perf.test_stored_memory import _peak

N = 300


def _run(path: Path, n: int) -> Path:
    """A run whose answers are a few pages long, as a model's long answers are."""
    path.mkdir()
    rng = random.Random(11)
    results = []
    for i in range(n):
        r = _result(i, rng)
        if r.response is not None:
            r = replace(r, response=replace(r.response, output=f"{i} " + "y" * 3000))
        results.append(r)
    with open(path / "results.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r.to_dict()) + "\n" for r in results)
    meta = RunMeta(run_id=path.name, started_at="2026-01-01T00:00:00+00:00")
    write_summary(path, build_run_summary(results, meta, None))
    return path


def test_the_answers_picked_are_those_within_the_budget(tmp_path: Path) -> None:
    warm = _run(tmp_path / "warm", 20)
    load_reference(warm)  # imports and first-use caches
    _record(BaselineStore(tmp_path / "warm-b"), warm, "v", False, 1.0)
    run = _run(tmp_path / "big", N)
    figures = _peak(lambda: load_run(run))
    reference = _peak(lambda: load_reference(run))
    store = BaselineStore(tmp_path / "b")
    record = _peak(lambda: _record(store, run, "v", False, 1.0))
    # before: every case's answer (N x 3,000 characters) held, then each one's kept text
    for name, peak in (("reference", reference), ("record", record)):
        assert peak < figures * 2 + 2 * ANSWERS_BUDGET, (
            f"{name}: {peak / 1e6:.1f} MB, the figures {figures / 1e6:.1f} MB"
        )
    saved = store.load("v")
    assert saved is not None and saved.answers_dropped  # the budget was reached
    assert 0 < sum(len(c.answer or "") for c in saved.cases.values()) <= ANSWERS_BUDGET
