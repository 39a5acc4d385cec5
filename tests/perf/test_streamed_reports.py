"""Report files are written a case at a time: writing them holds far less than their text,
however many cases are shown in detail (every failed one is)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from evalgate.report import RunView, write_reports
from evalgate.summary import RunMeta, build_summary
from tests.report.runs import res, write_run


def _failed_run(tmp_path: Path, n: int) -> Path:
    results = [
        res(f"case-{i:05d}", fails=(("contains", f"missing {i}"),), output=f"{i} " + "x" * 3000)
        for i in range(n)
    ]
    summary = build_summary(results, RunMeta("big", "2026-01-01T00:00:00Z"), None)
    return write_run(tmp_path / "run", results, summary)


def test_reports_are_not_held_whole(tmp_path: Path) -> None:
    run_dir = _failed_run(tmp_path, 400)
    view = RunView.load(run_dir)
    _ = view.cases  # the rows (compact) are the view's, not the writing's
    write_reports(view, junit=tmp_path / "warm.xml", html=tmp_path / "warm.html")  # imports
    junit, html = tmp_path / "junit.xml", tmp_path / "report.html"
    tracemalloc.start()
    try:
        write_reports(view, junit=junit, html=html)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = html.stat().st_size
    assert size > 1_200_000  # every failed case's answer is in the page
    assert "x" * 3000 in html.read_text(encoding="utf-8")
    # the page and the data it embeds were built whole before: more than the page's size
    assert peak < size / 4, (peak, size)
