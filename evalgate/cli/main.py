"""The entry point and the one error boundary.

Every command returns an exit code. ``EvalgateError`` becomes its message and code, Ctrl-C
becomes 130, anything else one line saying "internal error" (exit 4). ``--debug`` or
``EVALGATE_DEBUG=1`` shows tracebacks.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

import click
import typer

from evalgate import __version__, secrets
from evalgate.cli import (
    cmd_baseline,
    cmd_canary,
    cmd_demo,
    cmd_init,
    cmd_langfuse,
    cmd_results,
    cmd_run,
    cmd_schema,
    cmd_stored,
    cmd_validate,
)
from evalgate.cli.common import debug_enabled, set_debug
from evalgate.errors import EvalgateError, ExitCode

app = typer.Typer(
    name="evalgate",
    help="The eval gate for LLM middleware: run golden cases, score them, block regressions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
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


for _mod in (
    cmd_init,
    cmd_validate,
    cmd_schema,
    cmd_run,
    cmd_stored,
    cmd_results,
    cmd_baseline,
    cmd_langfuse,
    cmd_canary,
    cmd_demo,
):
    _mod.register(app)


def _debug(argv: Sequence[str]) -> bool:
    return debug_enabled()


def _err(text: str) -> None:
    sys.stderr.write(secrets.scrub(text) + "\n")
    sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (never raises)."""
    args = list(sys.argv[1:] if argv is None else argv)
    # --debug is accepted anywhere on the line ("evalgate run --debug" as well)
    cut = args.index("--") if "--" in args else len(args)
    debug_flag = "--debug" in args[:cut]
    args = [a for a in args[:cut] if a != "--debug"] + args[cut:]
    set_debug(debug_flag)
    command = typer.main.get_command(app)
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
