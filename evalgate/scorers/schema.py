"""``json_schema``: the answer parses as JSON and validates against a schema.

The schema is inline (``json_schema: {type: object, ...}``) or read from a file
(``json_schema: {file: schemas/ticket.json}``, relative to the golden file's directory;
JSON or YAML). ``json_schema: true`` only checks that the answer is JSON. The answer may be
bare JSON or JSON inside a fenced code block (```json ... ```).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalgate import jsonsafe
from evalgate.model import JSON, Case, Response, Score
from evalgate.scorers._util import excerpt, output_text
from evalgate.scorers.registry import scorer

PARAMS: dict[str, JSON] = {
    "oneOf": [
        {"const": True},
        {
            "type": "object",
            "properties": {"file": {"type": "string", "minLength": 1}},
            "required": ["file"],
            "additionalProperties": False,
        },
        {"type": "object", "not": {"required": ["file"]}},
    ]
}
_FENCE = re.compile(r"```[ \t]*(?:json|JSON|jsonc)?[ \t]*\n(.*?)```", re.DOTALL)
_FILE_CACHE: dict[tuple[str, float], Mapping[str, Any]] = {}


class SchemaFileError(Exception):
    """A schema file is missing or unreadable."""


def schema_path(params: Any, case_file: str) -> Path | None:
    """The schema file a ``{file: ...}`` param points at (relative to the golden file)."""
    if isinstance(params, Mapping) and set(params) == {"file"} and isinstance(params["file"], str):
        path = Path(params["file"])
        if not path.is_absolute() and case_file:
            path = Path(case_file).parent / path
        return path
    return None


def load_schema_file(path: Path) -> Mapping[str, Any]:
    """Read a JSON or YAML schema file (cached by path and modification time)."""
    try:
        key = (str(path.resolve()), path.stat().st_mtime)
    except OSError as exc:
        raise SchemaFileError(f"schema file {path} not found") from exc
    if key not in _FILE_CACHE:
        text = path.read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except ValueError:
            import yaml

            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise SchemaFileError(f"schema file {path} is neither JSON nor YAML") from exc
        if not isinstance(data, Mapping):
            raise SchemaFileError(f"schema file {path} must hold an object")
        _FILE_CACHE[key] = data
    return _FILE_CACHE[key]


def parse_json_answer(text: str) -> tuple[bool, Any, str]:
    """(ok, value, error): the answer as JSON, also from a fenced ```json block."""
    stripped = text.strip()
    try:
        return True, jsonsafe.loads(stripped), ""
    except ValueError as exc:
        first_error = str(exc)
    for m in _FENCE.finditer(text):
        try:
            return True, jsonsafe.loads(m.group(1)), ""
        except ValueError:
            continue
    return False, None, first_error


def json_path(parts: Any) -> str:
    """``$.items[0].price`` from a jsonschema error's absolute path."""
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


@scorer("json_schema", params=PARAMS)
def json_schema(response: Response, params: Any, case: Case) -> Score:
    """The answer is JSON (bare or in a ```json block) that validates against the schema."""
    text = output_text(response)
    ok, value, error = parse_json_answer(text)
    if not ok:
        return Score.fail(f"expected JSON; the answer does not parse ({error}): {excerpt(text)}")
    if params is True:
        return Score.ok("the answer is valid JSON")
    path = schema_path(params, getattr(case, "file", ""))
    try:
        schema = load_schema_file(path) if path is not None else params
    except (SchemaFileError, OSError) as exc:
        return Score.fail(f"{exc}; fix the file path in json_schema (relative to the golden file)")
    if not isinstance(schema, Mapping):
        return Score.fail("json_schema needs a schema object or {file: path}")
    import jsonschema  # imported here: it is slow to import and most runs never need it

    try:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(dict(schema))
        errors = list(cls(schema).iter_errors(value))
    except jsonschema.exceptions.SchemaError as exc:
        return Score.fail(f"the schema itself is invalid: {exc.message}")
    if not errors:
        return Score.ok("the answer matches the schema")
    best = jsonschema.exceptions.best_match(errors)
    where = json_path(best.absolute_path) if best is not None else "$"
    msg = best.message if best is not None else "does not match"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return Score.fail(f"{where}: {msg[:120]}{more}")
