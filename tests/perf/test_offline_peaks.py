"""The peaks of ``evalgate baseline record`` and ``evalgate rescore`` are one phase's, not two
phases' together.

Both used to read a large run's summary (its text, then its parse) while holding the run's
compact results (and ``rescore`` its golden set too), and ``baseline record`` held the table
of every case's figures and the results beside the baseline made from them. Now the summary
is read first and let go, ``rescore`` holds where the stored results' lines start rather than
the results, and ``baseline record`` lets each case's results go as its case is made.
``baseline record``'s bound is a ratio to what its results alone hold (tracemalloc,
in-process); ``rescore``'s phases are checked by their order and what each reads.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import evalgate.engine.core as core_mod
from evalgate.cli.cmd_baseline import _record
from evalgate.cli.main import main
from evalgate.gate.baseline_store import BaselineStore
from evalgate.results_compact import read_indexed
from evalgate.summary import write_summary
from evalgate.summary_outline import read_outline
from tests.perf.test_stored_memory import _peak, _run_dir
from tests.test_summary_outline import _doc

N = 600


def _run(root: Path, n: int, answers: int = 0) -> Path:
    """A run folder of ``n`` cases whose summary has a figures entry and a delta per case
    (each delta with a baseline answer of ``answers`` characters)."""
    run = _run_dir(root, range(n))
    doc = _doc(n)
    if answers:
        for d in doc["verdict"]["deltas"]:
            d["base_answer"] = "a" * answers
    write_summary(run, doc)
    return run


def test_baseline_record_does_not_read_its_summary_beside_its_results(tmp_path: Path) -> None:
    warm = _run(tmp_path / "warm", 20)
    _record(BaselineStore(tmp_path / "b0"), warm, "v1", False, 1.0)  # imports, caches
    # a summary larger than the results (its verdict keeps the baseline's answers)
    run = _run(tmp_path / "run", N, answers=1000)
    read_indexed(run)
    results = _peak(lambda: read_indexed(run))
    summary = _peak(lambda: read_outline(run))
    peak = _peak(lambda: _record(BaselineStore(tmp_path / "b"), run, "v1", False, 1.0))
    assert BaselineStore(tmp_path / "b").load("v1") is not None
    # The summary is read a line at a time (its outline's peak is small), and before the
    # results: before, the peak was 2.65x what the results alone hold (the outline read
    # beside them, and a table of every case's figures beside the baseline made from them);
    # now 2.1x (the results, and the baseline as it is made).
    assert peak < max(summary, results * 2.4), (
        f"record {peak / 1e6:.2f} MB, summary {summary / 1e6:.2f} MB,"
        f" results {results / 1e6:.2f} MB"
    )


def _project(root: Path, n: int) -> Path:
    root.mkdir()
    (root / "evalgate.yaml").write_text(
        "version: 1\ntarget: {url: 'http://127.0.0.1:9/x'}\ngoldens: [goldens/]\n"
        "scorers_dir: null\nreports: {dir: runs}\n"
    )
    (root / "goldens").mkdir()
    lines = ["dataset: bench", "cases:"]
    for i in range(n):
        lines += [f"  - id: q{i:06d}", f"    input: {{message: 'refund {i}'}}"]
        lines += ["    expect: [{contains: refund}]"]
    (root / "goldens" / "a.yaml").write_text("\n".join(lines) + "\n")
    _run(root / "run", n)
    return root


def test_rescore_reads_its_summary_first_and_holds_no_stored_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The order of the phases, and what is held: the summary is read (and let go) before
    the goldens are built, and the stored results are read for where their lines start, not
    kept (the rescored ones are what is kept)."""
    import evalgate.cli.cmd_stored as cmd_mod
    import evalgate.engine.stored as stored_mod
    import evalgate.engine.stored_meta as meta_mod

    calls: list[str] = []

    def spy(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kw: Any) -> Any:
            calls.append(name)
            return fn(*args, **kw)

        return wrapper

    monkeypatch.setattr(meta_mod, "read_outline", spy("summary", meta_mod.read_outline))
    monkeypatch.setattr(
        cmd_mod, "load_checked_project", spy("goldens", cmd_mod.load_checked_project)
    )
    monkeypatch.setattr(stored_mod, "read_indexed", spy("compact", stored_mod.read_indexed))
    monkeypatch.setattr(core_mod, "gate_stored", spy("gate", core_mod.gate_stored))
    monkeypatch.chdir(_project(tmp_path / "p", 30))
    assert main(["rescore", "-q", "--no-gate", "run", "--out", "r"]) in (0, 2)
    # before: goldens, summary, compact (the summary read and the stored results held beside
    # the goldens), then the gate
    assert calls == ["summary", "goldens", "gate"]
    assert os.path.isfile("r/results.jsonl")
