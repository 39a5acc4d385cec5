"""How the command line shows a judged run: the terminal report, GitHub output, ``--json``.

The engine (:mod:`evalgate.engine`) prints nothing; these hooks are what ``run``, ``demo``,
``merge``, ``rescore`` and ``compare`` attach to it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from evalgate.engine.core import EvalResult, Hooks
from evalgate.events import CallListener, CaseListener
from evalgate.run_summary import RunSummary


def to_stderr(line: str) -> None:
    sys.stderr.write(line + "\n")


def _quiet(_: str) -> None:
    return None


def _no_summary(_: RunSummary) -> None:
    return None


@dataclass(frozen=True)
class Presentation:
    quiet: bool = False
    as_json: bool = False
    github: bool = True  # GitHub step summary and annotations (when in GitHub Actions)
    environ: Mapping[str, str] | None = None

    def show(self, result: EvalResult) -> None:
        """Print the judged run: GitHub output, the ``--json`` summary, the terminal report."""
        from evalgate.report.github import is_github_actions, write_github
        from evalgate.report.terminal import print_report

        env = os.environ if self.environ is None else self.environ
        view = result.view
        if view is None:
            return
        if self.github and is_github_actions(env):  # the markdown is built only to be shown
            from evalgate.report.markdown import render_markdown

            # stderr: stdout carries only what was asked for (the --json summary). The Actions
            # runner reads workflow commands from both streams.
            write_github(view, render_markdown(view, env), environ=env, out=sys.stderr)
        if self.as_json:
            sys.stdout.write(json.dumps(result.summary, indent=2) + "\n")
        print_report(view, quiet=self.quiet or self.as_json, reports=result.reports, environ=env)

    def hooks(
        self,
        *,
        on_call: tuple[CallListener, ...] = (),
        on_case: tuple[CaseListener, ...] = (),
        on_summary: Callable[[RunSummary], None] | None = None,
    ) -> Hooks:
        """The engine hooks that show a run this way (``on_summary``: telemetry's run line)."""
        return Hooks(
            on_call=on_call,
            on_case=on_case,
            notify=to_stderr,
            info=_quiet if self.quiet else to_stderr,
            on_summary=on_summary or _no_summary,
            present=self.show,
        )
