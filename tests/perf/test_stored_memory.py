"""Commands over stored runs hold compact results and one complete result at a time.

``rescore``, ``merge``, ``compare --out`` (a copy) and ``report`` used to read every complete
result (requests and answers) into memory. Each is measured here against what reading the
complete results takes, so the bound is a ratio, not a machine's figure.
"""

from __future__ import annotations

import json
import random
import tracemalloc
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import evalgate.report.view as view_mod
from evalgate.engine.rescore import rescore_run
from evalgate.engine.stored import copy_run, load_run, merge_runs
from evalgate.model import Case, ScorerSpec
from evalgate.report.view import RunView
from evalgate.results import iter_latest, read_results
from evalgate.runner import shard_of
from tests.perf.test_memory import _result

N = 400


def _peak(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _run_dir(path: Path, ids: range, shard: tuple[int, int] | None = None) -> Path:
    path.mkdir()
    rng = random.Random(5)
    sel = {"tags": [], "case_ids": [], "shard": list(shard) if shard else None}
    (path / "run.json").write_text(
        json.dumps({"run_id": path.name, "selection": sel, "config_hash": "h"})
    )
    with open(path / "results.jsonl", "w", encoding="utf-8") as f:
        for i in ids:
            r = _result(i, rng)
            if r.response is not None:  # an answer of a few paragraphs, as models give
                r = replace(r, response=replace(r.response, output=r.response.output * 4))
            if shard is None or shard_of(r.case_id, shard[1]) == shard[0]:
                f.write(json.dumps(r.to_dict()) + "\n")
    meta = {"format_version": 1, "run_id": path.name, "config_hash": "h", "totals": {}}
    (path / "summary.json").write_text(json.dumps(meta))
    return path


def _commands(root: Path, n: int, hold: ExitStack) -> dict[str, Callable[[], Any]]:
    src = _run_dir(root / "src", range(n))
    a = _run_dir(root / "a", range(n), (0, 2))
    b = _run_dir(root / "b", range(n), (1, 2))
    cases = [
        Case(f"q{i:06d}", "bench", expect=(ScorerSpec("contains", "refund"),)) for i in range(n)
    ]
    return {
        "rescore": lambda: rescore_run(src, cases, root / "rescored", hold),
        "merge": lambda: merge_runs([a, b], root / "merged", hold=hold),
        "copy": lambda: copy_run(load_run(src), root / "copy", hold),
        "report": lambda: RunView.load(src).cases,
    }


def test_stored_commands_hold_far_less_than_the_complete_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # reports show the first DETAIL_ROWS passing cases with their answers: fewer than the run
    monkeypatch.setattr(view_mod, "DETAIL_ROWS", 10)
    (tmp_path / "warm").mkdir()
    with ExitStack() as hold:
        for command in _commands(tmp_path / "warm", 20, hold).values():
            command()  # imports and first-use caches are not what is measured
        root = tmp_path / "big"
        root.mkdir()
        commands = _commands(root, N, hold)
        src = root / "src"
        complete = _peak(lambda: read_results(src))
        peaks = {name: _peak(command) for name, command in commands.items()}
    for name, peak in peaks.items():
        assert peak < complete * 0.5, (
            f"{name}: {peak / 1e6:.1f} MB, complete {complete / 1e6:.1f} MB"
        )
    # and what they wrote is every result, complete, in order
    full = read_results(src)
    assert list(iter_latest([root / "merged"])) == full
    assert list(iter_latest([root / "copy"])) == full
    rescored = read_results(root / "rescored")
    assert [(r.case_id, r.response) for r in rescored] == [(r.case_id, r.response) for r in full]


def test_a_large_baseline_is_written_streamed_and_unchanged(tmp_path: Path) -> None:
    from evalgate.gate.baseline import Baseline, BaselineCase
    from evalgate.gate.baseline_store import BaselineStore

    cases = {
        f"q{i:06d}": BaselineCase(f"{i:016x}", 0.5 + i % 5 / 10, 1.0, 1, 1, ("smoke",), "d")
        for i in range(3000)
    }
    base = Baseline(prompt_version="v1", recorded_at="2026-01-01T00:00:00+00:00", cases=cases)
    store = BaselineStore(tmp_path)
    store.save(base)  # imports and first-use caches
    peak = _peak(lambda: store.save(base))
    text = store.path_for("v1").read_text("utf-8")
    assert text == json.dumps(base.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    from evalgate.fsutil import atomic_write_text

    def whole_text() -> None:  # how it was written before: the text built first
        doc = base.to_dict()
        atomic_write_text(tmp_path / "old.json", json.dumps(doc, indent=2, sort_keys=True) + "\n")

    old = _peak(whole_text)
    assert peak < old / 2, f"peak {peak / 1e6:.1f} MB, text first {old / 1e6:.1f} MB"
