"""``evalgate report`` holds a stored run's verdict and rows once.

Reading a gated run to report it used to hold its verdict's deltas twice (the summary's
dicts and the typed verdict), the summary's text beside the results, and every case's
figures and results twice over while the rows were built. The bound is a ratio to the size
of the run's ``results.jsonl``, not a machine's figure.
"""

from __future__ import annotations

import json
from pathlib import Path

from evalgate.engine.stored import present_stored
from evalgate.gate.verdict import CaseDelta, Reason, Verdict
from evalgate.results import RESULTS_FILE, CaseResult
from evalgate.summary import RunMeta, build_summary, write_summary
from tests.perf.test_stored_memory import _peak
from tests.report.runs import res

N = 2000


def _gated_run(tmp_path: Path, n: int) -> Path:
    """A passing run of ``n`` cases, gated without a baseline (a delta per case), written
    from one result's line."""
    line = json.dumps(res("q000000", line=1).to_dict())
    results = [
        CaseResult.from_dict(json.loads(line.replace("q000000", f"q{i:06d}"))) for i in range(n)
    ]
    run = tmp_path / f"run{n}"
    run.mkdir()
    with open(run / RESULTS_FILE, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r.to_dict(), separators=(",", ":")) + "\n" for r in results)
    deltas = tuple(CaseDelta(r.case_id, "new", None, r.score, None, 1.0) for r in results)
    verdict = Verdict("pass", (Reason("info", "no baseline", ()),), deltas=deltas)
    write_summary(run, build_summary(results, RunMeta("big", "2026-01-01T00:00:00Z"), verdict))
    return run


def _report_view(run: Path, n: int) -> None:
    view = present_stored(run, figures=False)
    assert len(view.cases) == n and view.verdict is not None and len(view.verdict.deltas) == n


def test_a_stored_run_is_presented_in_less_than_its_results_size(tmp_path: Path) -> None:
    _report_view(_gated_run(tmp_path, 20), 20)  # imports and first-use caches
    run = _gated_run(tmp_path, N)
    size = (run / RESULTS_FILE).stat().st_size
    held = _peak(lambda: _report_view(run, N))
    # before: 1.7 times the file's size (deltas held as dicts and typed, the summary's text
    # beside the results, every case's figures and results twice while the rows were built)
    assert held < size * 1.4, f"report {held / 1e6:.2f} MB, results.jsonl {size / 1e6:.2f} MB"
