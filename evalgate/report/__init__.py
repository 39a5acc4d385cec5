"""Reporters: one module per format, all reading a :class:`RunView`.

``terminal`` (rich, stderr), ``junit`` (JUnit XML), ``markdown`` (PR comment), ``github``
(step summary and annotations), ``html`` (a self-contained page) and ``gitlab`` (Code Quality
and OpenMetrics files for GitLab CI).
"""

from __future__ import annotations

from pathlib import Path

from evalgate.fsutil import atomic_write_chunks, atomic_write_text
from evalgate.report.view import BaseCase, CaseRow, RunView

DEFAULT_FILES = {"junit": "junit.xml", "markdown": "report.md", "html": "report.html"}


def write_reports(
    view: RunView,
    *,
    junit: Path | None = None,
    markdown: Path | None = None,
    html: Path | None = None,
    codequality: Path | None = None,
    metrics: Path | None = None,
) -> dict[str, Path]:
    """Write the requested report files atomically; return ``{format: path}`` of those written.

    JUnit and HTML are written as they are made, a case at a time; the rows shown in detail
    are read back from the run's results one case at a time (:meth:`RunView.detailed`)."""
    written: dict[str, Path] = {}
    if junit is not None:
        from evalgate.report.junit import junit_chunks

        atomic_write_chunks(junit, junit_chunks(view))
        written["junit"] = junit
    if markdown is not None:
        from evalgate.report.markdown import render_markdown

        atomic_write_text(markdown, render_markdown(view))
        written["markdown"] = markdown
    if html is not None:
        from evalgate.report.html import html_chunks

        atomic_write_chunks(html, html_chunks(view))
        written["html"] = html
    if codequality is not None:
        from evalgate.report.gitlab import render_codequality

        atomic_write_text(codequality, render_codequality(view))
        written["codequality"] = codequality
    if metrics is not None:
        from evalgate.report.gitlab import render_metrics

        atomic_write_text(metrics, render_metrics(view))
        written["metrics"] = metrics
    return written


__all__ = ["DEFAULT_FILES", "BaseCase", "CaseRow", "RunView", "write_reports"]
