"""``evalgate gitlab note RUN``: post or update the merge request's evalgate note."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import typer

from evalgate import masking
from evalgate.errors import EvalgateError, ExitCode, UsageError
from evalgate.textsafe import terminal_line


def note_markdown(run: Path, exit_code: int | None, environ: Mapping[str, str]) -> str:
    """The run's markdown report; a short note naming the exit code when the run left no
    results (bad input, an interrupted job), so that a stale "passed" never stays up."""
    from evalgate.report.markdown import MARKER
    from evalgate.results import RESULTS_FILE

    if (run / RESULTS_FILE).is_file():
        from evalgate.report.markdown import render_markdown
        from evalgate.report.view import RunView
        from evalgate.runlock import ensure_idle

        ensure_idle(run)
        return render_markdown(RunView.load(run))
    code = "unknown" if exit_code is None else str(exit_code)
    job = environ.get("CI_JOB_URL")
    where = f"the [job log]({job})" if job else "the job log"
    return f"{MARKER}\n**evalgate: no report** (exit code {code}). See {where}.\n"


def post(run: Path, exit_code: int | None, strict: bool) -> int:
    """Post the note. Failing to post never changes a gate's result: it is reported on stderr
    and exits 0, unless ``strict`` (then 2 for missing settings, 3 when GitLab refused)."""
    from evalgate.integrations.gitlab import merge_request_iid, post_note

    env = os.environ
    if merge_request_iid(env) is None:
        _say("evalgate gitlab note: not a merge request pipeline; no note posted")
        return 0
    body = note_markdown(run, exit_code, env)
    try:
        result = post_note(body, env)
    except EvalgateError as exc:
        _say(f"warning: could not write the merge-request note: {exc}")
        if not strict:
            return 0
        return ExitCode.USAGE if isinstance(exc, UsageError) else ExitCode.INCONCLUSIVE
    where = f" {result.url}" if result.url else ""
    _say(f"evalgate: {result.action} the merge-request note{where}")
    return 0


def _say(text: str) -> None:
    sys.stderr.write(terminal_line(masking.scrub(text), 1000) + "\n")


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="GitLab CI: post or update the merge-request note.", no_args_is_help=True
    )
    app.add_typer(group, name="gitlab")

    @group.command("note")
    def note(
        run: Path = typer.Argument(..., help="The run folder 'evalgate run' wrote."),
        exit_code: int | None = typer.Option(
            None, "--exit-code", help="The run's exit code, shown when it left no report."
        ),
        strict: bool = typer.Option(
            False, "--strict", help="Exit 2 or 3 when the note cannot be written (default: 0)."
        ),
    ) -> int:
        """Post the run's markdown report as the merge request's note, or update it.

        Needs CI_MERGE_REQUEST_IID (merge request pipelines) and EVALGATE_GITLAB_TOKEN, a
        project access token with the api scope.
        """
        return post(run, exit_code, strict)
