"""The entry point and the one error boundary.

Every command returns an exit code. ``EvalgateError`` becomes its message and code, Ctrl-C
and SIGTERM become 130, anything else one line saying "internal error" (exit 4). ``--debug`` or
``EVALGATE_DEBUG=1`` shows tracebacks.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from evalgate import __version__, guard, masking
from evalgate.cli import process
from evalgate.cli.flags import debug_enabled, set_debug
from evalgate.cli.streams import guarded_streams
from evalgate.errors import EvalgateError, ExitCode
from evalgate.textsafe import defuse_commands, show_controls

if TYPE_CHECKING:
    import click

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


def __getattr__(name: str) -> Any:
    """The root group and what makes it (:mod:`evalgate.cli.root`), imported when asked for:
    ``app``, ``command_group``, ``LazyGroup``."""
    if name in ("app", "command_group", "LazyGroup"):
        from evalgate.cli import root

        return getattr(root, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    if args == ["--version"]:  # what the root group prints, without importing typer and click
        sys.stdout.write(f"evalgate {__version__}\n")
        sys.stdout.flush()
        return ExitCode.OK
    import typer

    from evalgate.cli.root import app

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
    import click

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
