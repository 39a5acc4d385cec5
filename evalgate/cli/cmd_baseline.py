"""``evalgate baseline list / show / record / promote``."""

from __future__ import annotations

import typer

from evalgate.cli.common import not_available


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Manage baselines (one per promptVersion).", no_args_is_help=True)
    app.add_typer(group, name="baseline")

    @group.command("list")
    def list_() -> int:
        """List recorded baselines."""
        not_available("'evalgate baseline list'")

    @group.command("show")
    def show() -> int:
        """Show one baseline."""
        not_available("'evalgate baseline show'")

    @group.command("record")
    def record() -> int:
        """Record a baseline from a run."""
        not_available("'evalgate baseline record'")

    @group.command("promote")
    def promote() -> int:
        """Mark a baseline as the production version."""
        not_available("'evalgate baseline promote'")
