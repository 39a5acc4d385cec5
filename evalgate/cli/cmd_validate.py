"""``evalgate validate``: load config, custom scorers and goldens; report every problem."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import typer

from evalgate.cli.common import CONFIG_OPTION, config_path
from evalgate.errors import ConfigError, ExitCode, Problem
from evalgate.model import Case
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
            False,
            "--strict",
            help="Also fail on cases still marked 'review: pending', on cases with no"
            " expectations and on unset ${VAR}s.",
        ),
        list_scorers: bool = typer.Option(
            False, "--list-scorers", help="List the available scorers and where they come from."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print problems as JSON on stdout."),
    ) -> int:
        """Check config, goldens and custom scorers; report every problem as file:line:col."""
        # The target's secrets are not needed to check structure: an unset ${VAR} is a note,
        # unless --strict (then it is a problem, as it is for 'run').
        unset: list[Problem] | None = None if strict else []
        try:
            project = load_project(config_path(config), goldens=goldens, unset=unset)
        except ConfigError as exc:
            if not exc.problems:
                raise
            return _report(list(exc.problems), as_json, "config is invalid", unset)
        finally:
            _notes(unset or [], as_json)
        if list_scorers:
            for d in REGISTRY:
                origin = "built-in" if d.origin == "builtin" else d.origin
                typer.echo(f"{d.name:<24} {origin}  {d.description.replace('``', '')}")
            return ExitCode.OK
        problems = list(project.problems)
        # a case whose scorers did not load only looks empty: the problems say why
        warnings = [] if problems else no_expectations(project.goldens.cases)
        if strict:
            problems.extend(warnings)
            warnings = []
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
            return _report(problems, as_json, None, unset, warnings)
        _warn(warnings)
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
                        "unset": _located(unset or []),
                        "warnings": _located(warnings),
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


def no_expectations(cases: Sequence[Case]) -> list[Problem]:
    """Cases that would run with no scorer at all: they pass whatever the endpoint answers."""
    return [
        Problem(
            c.file,
            c.line,
            1,
            f"case '{c.id}' has no expectations, so it passes whatever the answer; add"
            " 'expect' with at least one scorer (to the case, a turn or the file's defaults)",
        )
        for c in cases
        if not c.skip and not c.expect_names and not any(t.expect for t in c.turns)
    ]


def _located(problems: Sequence[Problem]) -> list[dict[str, object]]:
    return [
        {"file": p.file, "line": p.line, "col": p.col, "message": p.message}
        for p in sorted(problems, key=lambda p: (p.file, p.line, p.col, p.message))
    ]


def _notes(unset: list[Problem], as_json: bool) -> None:
    """Unset ``${VAR}``s, on stderr: 'run' will need them; 'validate --strict' requires them."""
    for p in sorted(unset, key=lambda p: (p.file, p.line, p.col)):
        sys.stderr.write(f"note: {p}\n")
    if unset:
        sys.stderr.write(
            "note: checked without the value(s) above; 'evalgate run' needs them,"
            " 'evalgate validate --strict' requires them\n"
        )


def _warn(warnings: Sequence[Problem]) -> None:
    for w in warnings:  # the message quotes golden text: it must not drive the terminal
        line = f"{w.file}:{w.line}:{w.col}: warning: {w.message}"
        sys.stderr.write(show_controls(line, keep="") + "\n")


def _report(
    problems: list[Problem],
    as_json: bool,
    what: str | None,
    unset: list[Problem] | None = None,
    warnings: Sequence[Problem] = (),
) -> int:
    problems = sorted(problems, key=lambda p: (p.file, p.line, p.col, p.message))
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": False,
                    "problems": _located(problems),
                    "unset": _located(unset or []),
                    "warnings": _located(warnings),
                }
            )
        )
    else:
        for p in problems:
            # a problem quotes golden text (ids, keys): it must not drive the terminal
            typer.echo(show_controls(str(p), keep=""))
        _warn(warnings)
    n = len(problems)
    files = len({p.file for p in problems})
    sys.stderr.write(
        f"{n} problem{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''}"
        + (f" ({what})" if what else "")
        + "\n"
    )
    return ExitCode.USAGE
