"""``evalgate validate``: load config, custom scorers and goldens; report every problem."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from evalgate.cli.common import CONFIG_OPTION, config_path
from evalgate.errors import ConfigError, ExitCode, Problem
from evalgate.project import load_project
from evalgate.scorers.registry import REGISTRY
from evalgate.textsafe import show_controls


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate(
        config: Path | None = CONFIG_OPTION,
        goldens: list[Path] | None = typer.Option(
            None, "--goldens", "-g", help="Golden files or folders (default: from the config)."
        ),
        strict: bool = typer.Option(
            False, "--strict", help="Also fail on cases still marked 'review: pending'."
        ),
        list_scorers: bool = typer.Option(
            False, "--list-scorers", help="List the available scorers and where they come from."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print problems as JSON on stdout."),
    ) -> int:
        """Check config, goldens and custom scorers; report every problem as file:line:col."""
        try:
            project = load_project(config_path(config), goldens=goldens)
        except ConfigError as exc:
            if not exc.problems:
                raise
            return _report(list(exc.problems), as_json, "config is invalid")
        if list_scorers:
            for d in REGISTRY:
                origin = "built-in" if d.origin == "builtin" else d.origin
                typer.echo(f"{d.name:<24} {origin}  {d.description.replace('``', '')}")
            return ExitCode.OK
        problems = list(project.problems)
        if strict:
            problems.extend(
                Problem(
                    c.file,
                    c.line,
                    1,
                    f"case '{c.id}' is pending review (review: pending);"
                    " review it, then set 'review: approved' or remove the key",
                )
                for c in project.goldens.cases
                if c.pending
            )
        if problems:
            return _report(problems, as_json, None)
        cases = project.goldens.cases
        pending = sum(1 for c in cases if c.pending)
        custom = [d.name for d in REGISTRY if d.origin != "builtin"]
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "ok": True,
                        "problems": [],
                        "files": list(project.goldens.files),
                        "cases": len(cases),
                        "pending": pending,
                    }
                )
            )
        msg = f"ok: {len(project.goldens.files)} golden file(s), {len(cases)} case(s)" + (
            f", {pending} pending review" if pending else ""
        )
        if custom:
            msg += f"; custom scorers: {', '.join(sorted(custom))}"
            if project.scorer_dirs:
                msg += f" (from {', '.join(project.scorer_dirs)})"
        sys.stderr.write(msg + "\n")
        return ExitCode.OK


def _report(problems: list[Problem], as_json: bool, what: str | None) -> int:
    problems = sorted(problems, key=lambda p: (p.file, p.line, p.col, p.message))
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": False,
                    "problems": [
                        {"file": p.file, "line": p.line, "col": p.col, "message": p.message}
                        for p in problems
                    ],
                }
            )
        )
    else:
        for p in problems:
            # a problem quotes golden text (ids, keys): it must not drive the terminal
            typer.echo(show_controls(str(p), keep=""))
    n = len(problems)
    files = len({p.file for p in problems})
    sys.stderr.write(
        f"{n} problem{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''}"
        + (f" ({what})" if what else "")
        + "\n"
    )
    return ExitCode.USAGE
