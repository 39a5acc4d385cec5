"""``merge``, ``rescore`` and ``compare --out`` parse each stored line twice, not three times.

Loading a stored run reads every line (its figures); writing the merged, rescored or copied
run reads every complete result again. A third pass, only to find where each line starts,
used to come between them: the offsets are now found by the loading pass. Counted, not timed.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

import evalgate.results as results_mod
from evalgate.engine.rescore import rescore_run
from evalgate.engine.stored import copy_run, load_indexed, merge_runs
from evalgate.model import Case, ScorerSpec
from tests.perf.test_stored_memory import _run_dir

N = 40


def _parses(monkeypatch: pytest.MonkeyPatch, fn: Callable[[], Any]) -> int:
    count = 0
    parse = results_mod._parse_line

    def counted(*args: Any) -> Any:
        nonlocal count
        count += 1
        return parse(*args)

    monkeypatch.setattr(results_mod, "_parse_line", counted)
    try:
        fn()
    finally:
        monkeypatch.setattr(results_mod, "_parse_line", parse)
    return count


def test_each_stored_line_is_parsed_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _run_dir(tmp_path / "src", range(N))
    a = _run_dir(tmp_path / "a", range(N), (0, 2))
    b = _run_dir(tmp_path / "b", range(N), (1, 2))
    expect = (ScorerSpec("contains", "refund"),)
    cases = [Case(f"q{i:06d}", "bench", expect=expect) for i in range(N)]
    with ExitStack() as hold:

        def copy() -> Any:  # compare --out: the candidate loaded, then copied
            run, offsets = load_indexed(src)
            return copy_run(run, tmp_path / "copy", hold, offsets)

        runs: dict[str, Callable[[], Any]] = {
            "rescore": lambda: rescore_run(src, cases, tmp_path / "rescored", hold),
            "merge": lambda: merge_runs([a, b], tmp_path / "merged", hold=hold),
            "copy": copy,
        }
        counts = {name: _parses(monkeypatch, fn) for name, fn in runs.items()}
    # before: 3 * N each (a pass to find the offsets between the two)
    assert counts == {"rescore": 2 * N, "merge": 2 * N, "copy": 2 * N}, counts


def test_a_reference_and_a_recorded_baseline_read_each_line_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once, and again only the lines whose answer the baseline keeps (within its budget)."""
    import evalgate.gate.answers as answers_mod
    from evalgate.cli.cmd_baseline import _record
    from evalgate.engine.stored import load_reference
    from evalgate.gate.baseline_store import BaselineStore
    from tests.perf.test_stored_summary_memory import _run

    src = _run(tmp_path / "src", N)
    store = BaselineStore(tmp_path / "baselines")
    # a budget that keeps some answers (of about 30 characters each) and drops the rest
    monkeypatch.setattr(answers_mod.AnswerPicker.capped, "__defaults__", (300,))
    kept: dict[str, int] = {}

    def reference() -> None:
        kept["compare (its reference)"] = sum(
            1 for c in load_reference(src).cases.values() if c.answer
        )

    def record() -> None:
        _record(store, src, "v", False, 1.0)
        saved = store.load("v")
        assert saved is not None
        kept["baseline record"] = sum(1 for c in saved.cases.values() if c.answer)

    counts = {"compare (its reference)": _parses(monkeypatch, reference)}
    counts["baseline record"] = _parses(monkeypatch, record)
    # before: 2 * N each (the figures, then the answers)
    assert 0 < kept["baseline record"] < N and kept["compare (its reference)"] > 0
    assert counts == {k: N + kept[k] for k in counts}, (counts, kept)
