"""``evalgate import langfuse`` and ``evalgate export langfuse``."""

from __future__ import annotations

import typer

from evalgate.cli.common import not_available


def register(app: typer.Typer) -> None:
    imp = typer.Typer(help="Import production traces as golden cases.", no_args_is_help=True)
    exp = typer.Typer(help="Export runs to other tools.", no_args_is_help=True)
    app.add_typer(imp, name="import")
    app.add_typer(exp, name="export")

    @imp.command("langfuse")
    def import_langfuse() -> int:
        """Turn flagged Langfuse traces into redacted golden cases for review."""
        not_available("'evalgate import langfuse'")

    @exp.command("langfuse")
    def export_langfuse() -> int:
        """Push a run to Langfuse as a dataset run with scores."""
        not_available("'evalgate export langfuse'")
