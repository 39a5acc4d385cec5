"""Validate the test server's JSON against Langfuse's own OpenAPI component schemas.

The schemas are copied in tests/fixtures/langfuse/openapi-subset.json from
langfuse/langfuse@62751446149b702b419a9292ddfc2280cdf74b8c web/public/generated/api/openapi.yml.
OpenAPI 3.0's ``nullable`` is turned into JSON Schema here, and the known differences between
that spec and SDK 5.0.4 (listed in the fixture's ``_drift``) are applied as named exceptions.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "langfuse" / "openapi-subset.json"

# Shapes SDK 5.0.4 really uses where the spec differs.
DRIFT: dict[str, Any] = {
    "ScoresBatchAccepted": {
        "type": "object",
        "properties": {"message": {"const": "Accepted"}},
        "required": ["message"],
    },
    "ScoresBatchResults": {
        "type": "object",
        "properties": {
            "accepted": {"type": "integer"},
            "rejected": {"type": "integer"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"message": {"type": "string"}},
                    "required": ["message"],
                },
            },
        },
        "required": ["accepted", "rejected", "errors"],
    },
}


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _nullable(v) for k, v in node.items() if k not in ("discriminator", "example")}
    if node.pop("nullable", False):
        if isinstance(node.get("type"), str) and "$ref" not in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        else:
            desc = node.pop("description", None)
            node = {"anyOf": [node, {"type": "null"}]}
            if desc:
                node["description"] = desc
    return node


@cache
def _document() -> dict[str, Any]:
    raw = json.loads(FIXTURE.read_text(encoding="utf-8"))
    schemas = _nullable(copy.deepcopy(raw["components"]["schemas"]))
    # Drift: price fields and modelId are required in the spec but omitted unless requested.
    obs = schemas["ObservationV2"]
    obs["required"] = [
        r
        for r in obs["required"]
        if r not in ("modelId", "inputPrice", "outputPrice", "totalPrice")
    ]
    # Drift: the SDK sends dataset items with "status": null.
    req = schemas["CreateDatasetItemRequest"]["properties"]
    req["status"] = {"anyOf": [req["status"], {"type": "null"}]}
    schemas.update(DRIFT)
    return {"components": {"schemas": schemas}}


@cache
def validator(name: str) -> Draft202012Validator:
    doc = _document()
    if name not in doc["components"]["schemas"]:
        raise KeyError(f"no schema {name!r} in the subset; copy it from the spec")
    return Draft202012Validator({**doc, "$ref": f"#/components/schemas/{name}"})


def errors(name: str, body: Any) -> list[str]:
    """Every way ``body`` breaks schema ``name`` (empty: valid)."""
    return [
        f"{name}{''.join(f'[{p!r}]' for p in e.absolute_path)}: {e.message}"
        for e in validator(name).iter_errors(body)
    ]
