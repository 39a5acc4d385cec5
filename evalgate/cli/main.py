"""The entry point and the one error boundary.

Every command returns an exit code. ``EvalgateError`` becomes its message and code, Ctrl-C
and SIGTERM become 130, anything else one line saying "internal error" (exit 4). ``--debug`` or
``EVALGATE_DEBUG=1`` shows tracebacks.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Sequence
from functools import cache
from typing import Any

import click
import typer
from typer.core import TyperGroup

from evalgate import __version__, guard, masking
from evalgate.cli import process
from evalgate.cli.common import debug_enabled, set_debug
from evalgate.cli.streams import guarded_streams
from evalgate.errors import EvalgateError, ExitCode
from evalgate.textsafe import defuse_commands, show_controls

# Every command and the module that registers it, with its one-line help, so that
# `evalgate --help` and each command start without importing the others (httpx, rich, YAML,
# JSON Schema...). tests/perf/test_startup.py keeps this table in step with the modules.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "cmd_init",
        "Scaffold evalgate.yaml, an example golden file, a custom scorer and a CI workflow.",
    ),
    "validate": (
        "cmd_validate",
        "Check config, goldens and custom scorers; report every problem as file:line:col.",
    ),
    "schema": (
        "cmd_schema",
        "Print the JSON Schema of golden files, the config, results or baselines.",
    ),
    "run": (
        "cmd_run",
        "Run the goldens against the target, score them, gate against the baseline, report.",
    ),
    "merge": ("cmd_stored", "Merge shard runs into one run, then gate and report on the whole."),
    "rescore": (
        "cmd_stored",
        "Re-apply the current goldens' scorers to a stored run (no endpoint calls).",
    ),
    "compare": (
        "cmd_stored",
        "Gate one stored run against another, offline (both folders are left as they are).",
    ),
    "report": ("cmd_results", "Write JUnit, markdown and HTML reports from a stored run."),
    "canary": (
        "cmd_canary",
        "Run the canary cases, compare latency, tokens and scores with the baseline.",
    ),
    "baseline": ("cmd_baseline", "Manage baselines (one per promptVersion)."),
    "import": ("cmd_langfuse", "Import production traces as golden cases."),
    "export": ("cmd_langfuse", "Export runs to other tools."),
    "demo": ("cmd_demo", "Show the whole loop on the built-in reference middleware."),
    "judge": ("cmd_judge", "The LLM judge of model-graded scorers."),
    "gitlab": ("cmd_gitlab", "GitLab CI: post or update the merge-request note."),
}
_SETTINGS: dict[str, Any] = dict(
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


@cache
def command_group(module: str) -> click.Group:
    """The click group holding the commands that ``evalgate.cli.<module>`` registers."""
    mod = importlib.import_module(f"evalgate.cli.{module}")
    sub = typer.Typer(**_SETTINGS)
    sub.callback()(lambda: None)  # a callback makes it a group even with one command
    mod.register(sub)
    group = typer.main.get_command(sub)
    assert isinstance(group, click.Group)
    return group


class LazyGroup(TyperGroup):
    """The root group: imports a command's module only when that command is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        group = command_group(entry[0])
        process.imported()
        return group.get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, click.Command(name, help=h).get_short_help_str(limit))
            for name, (_, h) in COMMANDS.items()
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    name="evalgate",
    help="The eval gate for LLM middleware: run golden cases, score them, block regressions.",
    no_args_is_help=True,
    cls=LazyGroup,
    **_SETTINGS,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"evalgate {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for every error."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    if debug:
        set_debug(True)


def _debug(argv: Sequence[str]) -> bool:
    return debug_enabled()


def _err(text: str) -> None:
    # messages quote golden text and endpoint answers: no escape sequence, no workflow command
    sys.stderr.write(defuse_commands(show_controls(masking.scrub(text))) + "\n")
    sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (never raises).

    While it runs, stdout and stderr mask secrets and cannot fail on text they cannot encode.
    Without ``argv`` it runs the process's own command line, and cuts the process's fixed
    costs (:mod:`evalgate.cli.process`).
    """
    if argv is not None:
        with guarded_streams():
            return _main(list(argv))
    process.start()
    try:
        with guarded_streams():
            return _main(sys.argv[1:])
    finally:
        process.finish()


def _main(args: list[str]) -> int:
    # --debug is accepted anywhere on the line ("evalgate run --debug" as well)
    cut = args.index("--") if "--" in args else len(args)
    debug_flag = "--debug" in args[:cut]
    args = [a for a in args[:cut] if a != "--debug"] + args[cut:]
    args = _config_after_command(args)
    set_debug(debug_flag)
    from evalgate.install import conflict_message, foreign_owners

    owners = foreign_owners()
    if owners:
        _err(f"error: {conflict_message(owners)}")
        return ExitCode.USAGE
    command = typer.main.get_command(app)
    guard.reset()
    restore_signals = guard.install_interrupts()  # SIGTERM ends a command like Ctrl-C: 130
    try:
        return _dispatch(command, args)
    finally:
        restore_signals()


def _config_after_command(args: list[str]) -> list[str]:
    """``evalgate --config FILE run`` means ``evalgate run --config FILE``: the option belongs
    to the commands, but CI scripts often put it first."""
    if args and args[0] in ("--config", "-c") and len(args) >= 3:
        return [args[2], args[0], args[1], *args[3:]]
    if args and args[0].startswith("--config=") and len(args) >= 2:
        return [args[1], args[0], *args[2:]]
    return args


def _dispatch(command: click.Command, args: list[str]) -> int:
    try:
        rv = command.main(args=args, prog_name="evalgate", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        _err("interrupted")
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        _err(f"error: {exc.format_message()}")
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            _err(f"try '{ctx.command_path} --help' for help")
        return ExitCode.USAGE
    except KeyboardInterrupt:
        _err("interrupted: finished results are kept")
        return ExitCode.INTERRUPTED
    except EvalgateError as exc:
        if _debug(args):
            _err(traceback.format_exc())
        _err(f"error: {exc}" if exc.exit_code != ExitCode.GATE_FAILED else str(exc))
        return int(exc.exit_code)
    except Exception as exc:
        if _debug(args):
            _err(traceback.format_exc())
        _err(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "this is a bug in evalgate; re-run with --debug and report the traceback"
        )
        return ExitCode.INTERNAL
    if isinstance(rv, int):
        return rv
    return ExitCode.OK


def run() -> None:
    sys.exit(main())
