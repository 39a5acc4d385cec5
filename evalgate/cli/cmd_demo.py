"""``evalgate demo`` and ``evalgate demo serve``."""

from __future__ import annotations

import typer

from evalgate.cli.common import not_available


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Show the whole loop on the built-in reference middleware.",
        invoke_without_command=True,
    )
    app.add_typer(group, name="demo")

    @group.callback()
    def demo(ctx: typer.Context) -> None:
        if ctx.invoked_subcommand is None:
            not_available("'evalgate demo'")

    @group.command("serve")
    def serve() -> int:
        """Run the reference middleware alone."""
        not_available("'evalgate demo serve'")
