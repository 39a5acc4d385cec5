"""``evalgate report``: write reports from a stored run."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        run: Annotated[Path, typer.Argument(help="A run folder written by 'evalgate run'.")],
        junit: Annotated[Path | None, typer.Option("--junit", help="Write JUnit XML here.")] = None,
        markdown: Annotated[
            Path | None, typer.Option("--markdown", help="Write markdown here.")
        ] = None,
        html: Annotated[
            Path | None, typer.Option("--html", help="Write the HTML report here.")
        ] = None,
        codequality: Annotated[
            Path | None,
            typer.Option(
                "--codequality",
                help="Write a GitLab Code Quality report (one issue per flagged case) here.",
            ),
        ] = None,
        metrics: Annotated[
            Path | None,
            typer.Option("--metrics", help="Write an OpenMetrics file (GitLab metrics) here."),
        ] = None,
        github: Annotated[
            bool,
            typer.Option(
                "--github",
                help="In GitHub Actions: append to the step summary and print annotations.",
            ),
        ] = False,
        quiet: Annotated[
            bool, typer.Option("--quiet", "-q", help="Print only the verdict line.")
        ] = False,
    ) -> int:
        """Write JUnit, markdown and HTML reports from a stored run.

        Without --junit/--markdown/--html/--codequality/--metrics, JUnit, markdown and HTML
        are written into the run folder.
        """
        return report_command(
            run, junit, markdown, html, github=github, quiet=quiet,
            codequality=codequality, metrics=metrics,
        )  # fmt: skip


def report_command(
    run: Path,
    junit: Path | None,
    markdown: Path | None,
    html: Path | None,
    *,
    github: bool,
    quiet: bool,
    codequality: Path | None = None,
    metrics: Path | None = None,
) -> int:
    """``evalgate report``: exit 0 once the reports are written (the verdict is in them)."""
    from evalgate.engine.stored import present_stored
    from evalgate.report import DEFAULT_FILES, write_reports
    from evalgate.report.github import is_github_actions, write_github
    from evalgate.report.markdown import render_markdown
    from evalgate.report.plainterm import Line
    from evalgate.report.terminal import print_report, show

    view = present_stored(run, figures=False)  # reports show no case's summary figures
    if (junit, markdown, html, codequality, metrics) == (None,) * 5:
        junit, markdown, html = (run / DEFAULT_FILES[k] for k in ("junit", "markdown", "html"))
    written = write_reports(
        view, junit=junit, markdown=markdown, html=html, codequality=codequality, metrics=metrics
    )
    print_report(view, quiet=quiet, reports=written)
    if github:
        if is_github_actions(os.environ):
            write_github(view, render_markdown(view), out=sys.stdout)
        else:
            note = "--github: not running in GitHub Actions (GITHUB_ACTIONS is not 'true')"
            show([Line(((note, ""),), wrap=True)])
    return 0
