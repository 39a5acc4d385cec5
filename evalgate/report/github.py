"""GitHub Actions: the step summary and ``::error``/``::warning`` annotations at golden lines.

GitHub reads any output line that starts with ``::`` as a workflow command, on stdout and on
stderr alike (the runner hands both streams to its command processor). Untrusted text (model
output, case text, reasons) is therefore always escaped before it reaches either stream.
Commands that produce a run print annotations on stderr, so that stdout carries only what was
asked for (``--json``); ``evalgate report --github`` asks for them, and prints them on stdout.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from evalgate import masking
from evalgate.fsutil import repo_path
from evalgate.report.review import counted, why_not_counted
from evalgate.report.text import one_line
from evalgate.report.view import CaseRow, RunView
from evalgate.textsafe import ENCODE_ERRORS

MAX_ANNOTATIONS = 50  # GitHub shows at most 50 per job; more is noise


def escape_data(text: str) -> str:
    """Escape the message part of a workflow command (``%``, CR and LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value of a workflow command (also ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def escape_workflow_text(text: str) -> str:
    """Make untrusted text safe to print on its own line of a CI log.

    The result is one line (``%``, CR and LF are percent-encoded the way GitHub encodes
    command data) and never starts, after leading whitespace, with ``::`` or ``##[``, so it
    can neither be nor start a workflow command.
    """
    s = escape_data(text)
    stripped = s.lstrip()
    if stripped.startswith(("::", "##[")):
        lead = len(s) - len(stripped)
        code = "%3A" if stripped[0] == ":" else "%23"
        s = s[:lead] + code + stripped[1:]
    return s


def is_github_actions(environ: Mapping[str, str]) -> bool:
    return environ.get("GITHUB_ACTIONS") == "true"


def command(kind: str, message: str, **props: str | int) -> str:
    """One workflow command line, e.g. ``::error file=a.yaml,line=3,title=t::message``."""
    plist = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v != "")
    head = f"::{kind} {plist}" if plist else f"::{kind}"
    return f"{head}::{escape_data(message)}"


def _case_annotation(view: RunView, c: CaseRow, environ: Mapping[str, str]) -> str:
    # a failure the verdict did not count is a warning saying why, as in JUnit
    quiet = c.status == "failed" and not counted(view, c)
    kind = "warning" if c.status == "error" or quiet else "error"
    what = {"error": "errored", "failed": "failed"}.get(c.status, "regressed")
    detail = c.first_failure or ("named by the gate: " + ", ".join(c.blocking))
    if quiet:
        detail = why_not_counted(view, c)
    if c.delta is not None and c.delta < 0:
        detail += f" (score {c.base.score if c.base else 0:.3f} -> {c.score or 0:.3f})"
    props: dict[str, str | int] = {"title": one_line(f"evalgate: case {c.case_id} {what}", 200)}
    if c.file:
        # GitHub places annotations by paths from the repository root, not the working folder
        props = {"file": repo_path(c.file, environ), "line": c.line or 1, **props}
    return command(kind, one_line(detail, 1000), **props)


def annotation_lines(view: RunView, environ: Mapping[str, str] | None = None) -> list[str]:
    """Annotation lines: the verdict, then failed/regressed cases (error) and errored cases
    (warning), capped at ``MAX_ANNOTATIONS``."""
    env = os.environ if environ is None else environ
    out: list[str] = []
    v = view.verdict
    if v is not None and v.status != "pass":
        kind = "error" if v.status == "fail" else "warning"
        reasons = "; ".join(one_line(r.message, 300) for r in v.reasons if r.blocking)
        out.append(command(kind, reasons or v.status, title=f"evalgate: gate {v.status}"))
    for c in view.flagged:
        if len(out) >= MAX_ANNOTATIONS:
            break
        out.append(_case_annotation(view, c, env))
    return out


def write_github(
    view: RunView,
    markdown: str,
    *,
    environ: Mapping[str, str] | None = None,
    out: TextIO | None = None,
) -> bool:
    """When running in GitHub Actions, append ``markdown`` to the step summary and print
    annotations to ``out`` (default stdout). Returns False, doing nothing, outside GitHub
    Actions."""
    env = os.environ if environ is None else environ
    if not is_github_actions(env):
        return False
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(Path(summary), "a", encoding="utf-8", errors=ENCODE_ERRORS) as f:
            # a blank line after the previous step's text and after this report: an HTML block
            # (a "<details>") left open there would swallow the next lines as raw HTML
            lead = "\n" if f.tell() > 0 else ""
            f.write(lead + masking.scrub(markdown.rstrip("\n")) + "\n\n")
    stream = out or sys.stdout
    for line in annotation_lines(view, env):
        stream.write(line + "\n")
    stream.flush()
    return True
