"""What ``evalgate run`` holds, from loading the goldens to the reports, stays in proportion.

The run used to hold, at its end, the loaded golden set, the results, the summary document
(a dict per case and per delta) and the report rows all at once: more than five times what
its compact results take. The golden set is now let go once the calls are made (the command
line hands its project over), the summary's per-case parts are built when written, and a
case's input is held as bytes. The bound is a ratio to the run's own compact results.
"""

from __future__ import annotations

import gc
import os
import tracemalloc
from pathlib import Path

import pytest

from evalgate.engine.core import Hooks, RunOptions, run_eval_handed
from evalgate.project import load_checked_project
from evalgate.results_compact import read_compact
from tests.engine.helpers import write_project

REPORTS = "reports: {dir: runs, junit: junit.xml, markdown: report.md, html: report.html}\n"


def _goldens(n: int) -> str:
    return "dataset: app\ndefaults: {metadata: {tenant: acme}}\ncases:\n" + "".join(
        f"  - id: q{i:06d}\n"
        f'    input: {{message: "How long do customers have to ask for a refund? #{i}"}}\n'
        '    expect: [{contains: "30 days"}, {contains: "days"}]\n'
        "    tags: [billing]\n"
        for i in range(n)
    )


def _run(root: Path, n: int) -> tuple[int, int, int]:
    """(peak from loading to the end, held when the run is shown, its compact results)."""
    cfg = write_project(root, goldens=_goldens(n), extra=REPORTS)
    gc.collect()
    start = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    handed = [load_checked_project(cfg)]
    held: list[int] = []
    hooks = Hooks(present=lambda _: held.append(tracemalloc.get_traced_memory()[0] - start))
    result = run_eval_handed(handed, options=RunOptions(out=root / "run"), hooks=hooks)
    peak = tracemalloc.get_traced_memory()[1] - start
    assert result.exit_code == 0 and result.run_summary.totals.cases == n
    del result
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    compact = read_compact(root / "run")
    size = tracemalloc.get_traced_memory()[0] - before
    assert len(compact) == n
    return peak, held[0], size


def test_a_run_holds_a_few_times_its_compact_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    tracemalloc.start()
    try:
        _run(tmp_path / "warm", 30)  # imports and first-use caches
        os.chdir(tmp_path)
        peak, held, compact = _run(tmp_path / "big", 1000)
    finally:
        tracemalloc.stop()
    # before: 5.8 times (peak) and 5.6 times (held when shown); now about 3.6 and 3.4
    assert peak < compact * 4.5, f"peak {peak / 1e6:.1f} MB, compact {compact / 1e6:.1f} MB"
    assert held < compact * 4.2, f"held {held / 1e6:.1f} MB, compact {compact / 1e6:.1f} MB"
