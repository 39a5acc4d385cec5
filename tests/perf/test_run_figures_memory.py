"""A run that makes no confirmation runs lets its golden set go before it makes the per-case
figures: what it holds then is its results, not its results and every case's input.

It used to make them first (they were once needed to pick the cases to confirm), so the
golden set and the figures were held together: the run's highest point after the calls.
"""

from __future__ import annotations

import gc
import os
import tracemalloc
from collections.abc import Iterable
from pathlib import Path

import pytest

import evalgate.engine.core as core
from evalgate.engine.core import RunOptions, run_eval_handed
from evalgate.project import load_checked_project
from evalgate.results import CaseResult, CaseStats, iter_results
from evalgate.results_compact import read_compact
from tests.engine.helpers import write_project


def _goldens(n: int) -> str:
    pad = "x" * 200  # a case's input: what holding the golden set costs
    return "dataset: app\ncases:\n" + "".join(
        f"  - id: q{i:06d}\n"
        f'    input: {{message: "How long do customers have to ask for a refund? #{i} {pad}"}}\n'
        '    expect: [{contains: "30 days"}]\n'
        for i in range(n)
    )


def _held_at_figures(root: Path, n: int, gate: bool, monkeypatch: pytest.MonkeyPatch) -> float:
    """What the run holds when it makes its per-case figures, over its compact results."""
    cfg = write_project(root, goldens=_goldens(n))
    seen: list[int] = []
    real = core.aggregate

    def spy(results: Iterable[CaseResult]) -> dict[str, CaseStats]:
        seen.append(tracemalloc.get_traced_memory()[0])
        return real(results)

    monkeypatch.setattr(core, "aggregate", spy)
    gc.collect()
    start = tracemalloc.get_traced_memory()[0]
    handed = [load_checked_project(cfg)]
    result = run_eval_handed(handed, options=RunOptions(out=root / "run", gate=gate))
    assert result.exit_code == 0 and result.run_summary.totals.cases == n
    del result
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    compact = read_compact(root / "run")
    size = tracemalloc.get_traced_memory()[0] - before
    assert len(compact) == n
    return (seen[0] - start) / size


@pytest.mark.parametrize("gate", [True, False])
def test_the_golden_set_is_gone_when_the_figures_are_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gate: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    tracemalloc.start()
    try:
        _held_at_figures(tmp_path / "warm", 30, gate, monkeypatch)  # imports, first-use caches
        os.chdir(tmp_path)
        ratio = _held_at_figures(tmp_path / "big", 700, gate, monkeypatch)
    finally:
        tracemalloc.stop()
    # before: about 3.8 times the compact results (700 cases); now about 2.6
    assert ratio < 3.2, f"{ratio:.2f} times the compact results"


@pytest.mark.parametrize(("confirm", "extra"), [(0, 0), (2, 2)])
def test_a_failing_case_is_confirmed_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, confirm: int, extra: int
) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = write_project(tmp_path, "app:regressed", extra=f"gate: {{confirm: {confirm}}}\n")
    handed = [load_checked_project(cfg)]
    result = run_eval_handed(handed, options=RunOptions(out=tmp_path / "run"))
    confirmations = [r for r in iter_results(tmp_path / "run") if r.confirmation]
    assert [r.case_id for r in confirmations] == ["refund"] * extra
    assert result.exit_code == 1
