"""Offline commands do not hold a run's summary document alongside its results.

``compare`` (:func:`~evalgate.engine.stored.load_run`) keeps only a summary's metadata and
``baseline record`` only its checked figures, yet each used to hold the whole typed summary
(every case's figures and the verdict) while the results, then the baseline, were built. The
bounds are ratios to what reading the results and the summary on their own takes.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

from evalgate.cli.cmd_baseline import _record
from evalgate.engine.stored import load_run
from evalgate.gate.baseline_store import BaselineStore
from evalgate.results import CaseResult
from evalgate.results_compact import read_compact
from evalgate.run_summary import RunSummary
from evalgate.summary import RunMeta, build_run_summary, write_summary
from tests.perf.test_memory import _result
from tests.perf.test_stored_memory import _peak

N = 2000


def _run(path: Path, n: int) -> Path:
    path.mkdir()
    rng = random.Random(7)
    # short answers, as a classifier or router gives: the summary is the large part
    results = [_short(_result(i, rng)) for i in range(n)]
    with open(path / "results.jsonl", "w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r.to_dict()) + "\n")
    meta = RunMeta(run_id=path.name, started_at="2026-01-01T00:00:00+00:00")
    write_summary(path, build_run_summary(results, meta, None))
    return path


def _short(r: CaseResult) -> CaseResult:
    return replace(r, response=replace(r.response, output="ok") if r.response else None)


def _parts(run: Path) -> tuple[int, int]:
    """The peaks of reading the compact results, and the summary, each on its own."""
    return _peak(lambda: read_compact(run)), _peak(lambda: RunSummary.read(run))


def test_load_run_does_not_hold_the_summary_with_the_results(tmp_path: Path) -> None:
    load_run(_run(tmp_path / "warm", 20))  # imports and first-use caches
    run = _run(tmp_path / "big", N)
    compact, summary = _parts(run)
    peak = _peak(lambda: load_run(run))
    # before: the whole results held while the summary was read, their sum
    assert peak < max(compact, summary) * 1.15, (
        f"load_run {peak / 1e6:.1f} MB; results {compact / 1e6:.1f} MB,"
        f" summary {summary / 1e6:.1f} MB"
    )
    assert load_run(run).results == read_compact(run)


def test_baseline_record_drops_the_summary_figures_it_checked(tmp_path: Path) -> None:
    warm = _run(tmp_path / "warm", 20)
    _record(BaselineStore(tmp_path / "warm-b"), warm, "v1", False, 1.0)
    run = _run(tmp_path / "big", N)
    compact, summary = _parts(run)
    store = BaselineStore(tmp_path / "b")
    peak = _peak(lambda: _record(store, run, "v1", False, 1.0))
    recorded = store.load("v1")
    # before: the results and the summary's case figures still held while the baseline was
    # built and written (1.7 times reading both); now at most that, with room for the baseline
    assert peak < (compact + summary) * 1.4, (
        f"record {peak / 1e6:.1f} MB; results {compact / 1e6:.1f} MB,"
        f" summary {summary / 1e6:.1f} MB"
    )
    assert set(recorded.cases) <= {f"q{i:06d}" for i in range(N)}
