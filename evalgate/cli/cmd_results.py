"""Commands over stored runs: ``rescore``, ``compare``, ``merge``, ``report``."""

from __future__ import annotations

import typer

from evalgate.cli.common import not_available


def register(app: typer.Typer) -> None:
    @app.command("rescore")
    def rescore() -> int:
        """Re-apply the current scorers to the responses stored in a run (no endpoint calls)."""
        not_available("'evalgate rescore'")

    @app.command("compare")
    def compare() -> int:
        """Gate one stored run against another, offline."""
        not_available("'evalgate compare'")

    @app.command("merge")
    def merge() -> int:
        """Merge shard runs into one run."""
        not_available("'evalgate merge'")

    @app.command("report")
    def report() -> int:
        """Write JUnit, markdown and HTML reports from a stored run."""
        not_available("'evalgate report'")
