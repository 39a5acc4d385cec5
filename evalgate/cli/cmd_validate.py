"""The `validate` command(s)."""

from __future__ import annotations

import typer

from evalgate.cli.common import not_available


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def _cmd() -> int:
        """Not available yet."""
        not_available("'evalgate validate'")
