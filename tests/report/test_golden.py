"""Byte-for-byte golden files of the JUnit and markdown reports (EVALGATE_UPDATE_GOLDEN=1
rewrites them)."""

from __future__ import annotations

import os
from pathlib import Path

from evalgate.report import RunView
from evalgate.report.junit import render_junit
from evalgate.report.markdown import render_markdown
from tests.report.conftest import view_of
from tests.report.runs import RUNS, write_run

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("EVALGATE_UPDATE_GOLDEN") == "1"


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8", newline="")
    assert path.exists(), f"{path} missing; run with EVALGATE_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def test_junit_golden(run_name: str) -> None:
    _check(f"{run_name}.junit.xml", render_junit(view_of(run_name)))


def test_markdown_golden(run_name: str) -> None:
    _check(f"{run_name}.md", render_markdown(view_of(run_name), environ={}))


def test_markdown_golden_with_github_links() -> None:
    env = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/copilot",
        "GITHUB_SHA": "abc123",
    }
    _check("regressed.github.md", render_markdown(view_of("regressed"), environ=env))


def test_reports_from_a_run_folder_match_in_memory(tmp_path: Path, run_name: str) -> None:
    # The stored files round-trip: loading the folder gives the same reports.
    run_dir = write_run(tmp_path / "r", *RUNS[run_name]())
    loaded = RunView.load(run_dir)
    assert render_junit(loaded) == render_junit(view_of(run_name))
    assert render_markdown(loaded, environ={}) == render_markdown(view_of(run_name), environ={})
