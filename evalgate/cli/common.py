"""Shared pieces of the commands: common options, the stderr console, unavailable features."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from evalgate.project import Project

from evalgate.cli.flags import debug_enabled as debug_enabled
from evalgate.cli.flags import set_debug as set_debug
from evalgate.errors import UsageError

CONFIG_OPTION = typer.Option(
    None,
    "--config",
    "-c",
    help="Config file (default: $EVALGATE_CONFIG or ./evalgate.yaml).",
    show_default=False,
)


def config_path(option: Path | None) -> Path:
    if option is not None:
        return option
    env = os.environ.get("EVALGATE_CONFIG")
    return Path(env) if env else Path("evalgate.yaml")


def load_checked_project(path: Path, goldens: Sequence[Path] | None = None) -> Project:
    """Load the project; any problem stops the command with every problem listed (exit 2)."""
    from evalgate.project import load_checked_project as load

    return load(path, goldens=goldens)


def not_available(what: str) -> NoReturn:
    raise UsageError(f"{what} is not available in this version of evalgate yet")
