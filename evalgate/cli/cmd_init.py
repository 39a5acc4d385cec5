"""The `init` command(s)."""

from __future__ import annotations

import typer

from evalgate.cli.common import not_available


def register(app: typer.Typer) -> None:
    @app.command("init")
    def _cmd() -> int:
        """Not available yet."""
        not_available("'evalgate init'")
