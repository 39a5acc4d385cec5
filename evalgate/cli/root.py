"""The root command group (typer and click), imported only when a command line needs it.

``evalgate --version`` is answered without it (:func:`evalgate.cli.main.main`); every other
command line is parsed by :data:`app`, whose group imports a command's module only when that
command is used (the table is :data:`evalgate.cli.main.COMMANDS`).
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

import click
import typer
from typer.core import TyperGroup

from evalgate import __version__
from evalgate.cli import process
from evalgate.cli.flags import set_debug
from evalgate.cli.main import COMMANDS

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
