"""``evalgate schema NAME``: print a JSON Schema for editors and other tools."""

from __future__ import annotations

import json
from enum import Enum

import typer

from evalgate.config.schema import load_schema


class SchemaName(str, Enum):
    golden = "golden"
    config = "config"
    result = "result"
    baseline = "baseline"


def register(app: typer.Typer) -> None:
    @app.command("schema")
    def schema(name: SchemaName = typer.Argument(..., help="Which schema to print.")) -> int:
        """Print the JSON Schema of golden files, the config, results or baselines."""
        typer.echo(json.dumps(load_schema(name.value), indent=2))
        return 0
