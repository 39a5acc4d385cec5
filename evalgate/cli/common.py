"""Shared pieces of the commands: common options, the stderr console, unavailable features."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import typer

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


def not_available(what: str) -> NoReturn:
    raise UsageError(f"{what} is not available in this version of evalgate yet")
