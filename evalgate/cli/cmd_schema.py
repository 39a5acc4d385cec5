"""``evalgate schema NAME``: print a JSON Schema for editors and other tools."""

from __future__ import annotations

import copy
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from evalgate.cli.common import CONFIG_OPTION, config_path
from evalgate.config.schema import load_schema


class SchemaName(StrEnum):
    golden = "golden"
    config = "config"
    result = "result"
    baseline = "baseline"


def golden_with_scorers(config: Path | None) -> dict[str, Any]:
    """The golden schema with every known scorer's parameters, for completion in editors.

    Built-in scorers always; the project's custom scorers too when its config is found.
    """
    from evalgate.scorers.registry import REGISTRY

    REGISTRY.ensure_builtins()
    path = config_path(config)
    if path.is_file():
        from evalgate.config.loader import load_config
        from evalgate.errors import ConfigError

        try:
            cfg = load_config(path)
            if cfg.scorers_dir and cfg.resolve(cfg.scorers_dir).is_dir():
                REGISTRY.load_dir(cfg.resolve(cfg.scorers_dir))
        except ConfigError:
            pass  # the built-ins alone still help; 'evalgate validate' reports the config
        REGISTRY.load_entry_points()
    schema = copy.deepcopy(load_schema("golden"))
    scorers: dict[str, Any] = {}
    for d in REGISTRY:
        entry: dict[str, Any] = dict(d.params_schema) if d.params_schema else {}
        if d.description:
            entry["description"] = d.description.replace("``", "")
        scorers[d.name] = entry
    weight = {"type": "number", "exclusiveMinimum": 0}
    schema["$defs"]["expect_item"] = {
        "oneOf": [
            {"enum": sorted(scorers), "description": "A scorer name alone, meaning `name: true`"},
            {
                "type": "object",
                "description": "One scorer with its parameters, and an optional weight",
                "properties": {**scorers, "weight": weight},
                "additionalProperties": False,
                "minProperties": 1,
                "maxProperties": 2,
            },
        ]
    }
    return schema


def register(app: typer.Typer) -> None:
    @app.command("schema")
    def schema(
        name: SchemaName = typer.Argument(..., help="Which schema to print."),
        config: Path | None = CONFIG_OPTION,
    ) -> int:
        """Print the JSON Schema of golden files, the config, results or baselines."""
        doc = golden_with_scorers(config) if name is SchemaName.golden else load_schema(name.value)
        typer.echo(json.dumps(doc, indent=2))
        return 0
