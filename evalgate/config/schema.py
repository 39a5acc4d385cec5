"""JSON Schemas shipped as package data, and validation that reports ``file:line:col``.

Each schema error is mapped back to the YAML position of the offending value (or key), and
rewritten into a message that says what to do, with "did you mean" for misspelt keys.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from evalgate.config.schemacheck import Check, compile_check
from evalgate.config.yamlsrc import Doc, PathKey
from evalgate.errors import Problem

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

SCHEMA_NAMES = ("golden", "config", "result", "baseline")
_JSON_TYPES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}
_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "boolean": "true or false",
    "integer": "an integer",
    "number": "a number",
    "null": "null",
}


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A packaged schema by name (``golden``, ``config``, ``result``, ``baseline``)."""
    text = resources.files("evalgate.schemas").joinpath(f"{name}.schema.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def describe(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _where(path: PathKey) -> str:
    parts = [str(p) for p in path if not isinstance(p, int)]
    return f"'{parts[-1]}'" if parts else "the document"


def _types(t: Any) -> str:
    names = [t] if isinstance(t, str) else list(t)
    words = [_TYPE_WORDS.get(n, n) for n in names if n != "null"] or ["null"]
    return " or ".join(words)


def _message(err: ValidationError, path: PathKey) -> tuple[str, bool]:
    """A user-facing message for one schema error, and whether it points at a key."""
    v = err.validator
    inst = err.instance
    vv: Any = err.validator_value
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else "?"
        return f"missing required key '{missing}'", False
    if v == "type":
        return f"{_where(path)} must be {_types(vv)}, got {describe(inst)}", False
    if v == "enum":
        opts = ", ".join(str(o) for o in vv if o is not None)
        return f"{_where(path)} must be one of: {opts}; got {inst!r}", False
    if v == "const":
        return f"{_where(path)} must be {vv!r}, got {inst!r}", False
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        op = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}
        return f"{_where(path)} must be {op[v]} {vv}, got {inst!r}", False
    if v == "minItems":
        return f"{_where(path)} must not be empty", False
    if v == "minLength":
        return f"{_where(path)} must not be empty", False
    if v == "pattern":
        return (
            f"{_where(path)} {inst!r} has characters that are not allowed"
            " (use letters, digits, '.', '_', '-', ':' and '/', starting with a letter or digit)",
            False,
        )
    if v == "anyOf":
        keys = [
            sub.message.split("'")[1]
            for sub in err.context or ()
            if sub.validator == "required" and "'" in sub.message
        ]
        if keys:
            return f"{_where(path)} needs one of: {', '.join(dict.fromkeys(keys))}", False
    if v == "oneOf":
        best = _best_branch(err)
        if best is not None:
            return _message(best, path)
    return f"{_where(path)}: {err.message}", False


def _best_branch(err: ValidationError) -> ValidationError | None:
    """For oneOf errors: the most telling error of the branch whose type matched, if any."""
    branches: dict[object, list[ValidationError]] = {}
    for sub in err.context or ():
        key = sub.relative_schema_path[0] if sub.relative_schema_path else None
        branches.setdefault(key, []).append(sub)
    matching = [
        errs
        for errs in branches.values()
        if not any(e.validator == "type" and not e.relative_path for e in errs)
    ]
    if not matching:
        return None
    errs = min(matching, key=len)
    return max(errs, key=lambda e: len(e.relative_path))


def _inline(node: Any, defs: Mapping[str, Any], depth: int = 0) -> Any:
    if depth > 20:  # a recursive definition: leave the reference to the validator
        return node
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1:
            return _inline(defs[ref[len("#/$defs/") :]], defs, depth + 1)
        return {k: _inline(v, defs, depth) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs, depth) for v in node]
    return node


@cache
def _validation_schema(name: str) -> dict[str, Any]:
    """A packaged schema with its local ``$ref``s inlined: the same rules, validated about
    twice as fast (resolving references dominated the cost of loading large golden files)."""
    schema = load_schema(name)
    inlined: dict[str, Any] = _inline(schema, schema.get("$defs") or {})
    return inlined


def schema_part(name: str, *path: str) -> Mapping[str, Any]:
    """A part of a packaged schema (as validated: references inlined), e.g. one golden case."""
    part: Mapping[str, Any] = _validation_schema(name)
    for key in path:
        part = part[key]
    return part


def validate(doc: Doc, schema_name: str, base: PathKey = ()) -> list[Problem]:
    """Validate ``doc.data`` (or the part at ``base``) against a packaged schema."""
    schema = _validation_schema(schema_name)
    data: Any = doc.data
    for p in base:
        data = data[p]
    return validate_value(doc, data, schema, base)


@dataclass
class _Compiled:
    """What one schema is checked with: plain checks first, jsonschema to word errors."""

    schema: Mapping[str, Any]
    check: Check | None
    validator: Any = None  # the jsonschema validator, built (and imported) when first needed

    def errors(self, data: Any) -> list[ValidationError]:
        if self.validator is None:
            from jsonschema import Draft202012Validator

            self.validator = Draft202012Validator(self.schema)
        return list(self.validator.iter_errors(data))


_COMPILED: dict[int, _Compiled] = {}


def _compiled(schema: Mapping[str, Any]) -> _Compiled:
    """One compiled check and one validator per schema object: building a validator per
    golden value dominated loading time.

    Keyed by identity (schemas are module-level constants or packaged files loaded once); the
    schema is kept alongside so its id cannot be reused while cached.
    """
    hit = _COMPILED.get(id(schema))
    if hit is not None and hit.schema is schema:
        return hit
    c = _Compiled(schema, compile_check(schema))
    _COMPILED[id(schema)] = c
    return c


_WITHOUT: dict[tuple[int, tuple[str, ...]], tuple[Mapping[str, Any], Check | None]] = {}


def _check_without(schema: Mapping[str, Any], keys: tuple[str, ...]) -> Check | None:
    """A compiled check of ``schema`` with the ``properties`` of ``keys`` taken as valid.

    ``properties`` checks each key's value on its own, so a mapping is valid against
    ``schema`` exactly when it passes this check and the values at ``keys`` are valid against
    their property schemas. None when ``schema`` names no such properties or is not compiled.
    """
    hit = _WITHOUT.get((id(schema), keys))
    if hit is not None and hit[0] is schema:
        return hit[1]
    props = schema.get("properties")
    check = None
    if isinstance(props, Mapping) and all(k in props for k in keys):
        check = compile_check({**schema, "properties": {**props, **dict.fromkeys(keys, True)}})
    _WITHOUT[(id(schema), keys)] = (schema, check)
    return check


def validate_value(
    doc: Doc,
    data: Any,
    schema: Mapping[str, Any],
    base: PathKey = (),
    cls: Any = None,
    known: tuple[str, ...] = (),
) -> list[Problem]:
    """The problems of ``data`` (at ``base`` in ``doc``) against ``schema``.

    A valid value costs only the compiled check (:mod:`evalgate.config.schemacheck`); an
    invalid one is worded from jsonschema's errors. ``cls``: a jsonschema validator class to
    use instead (no compiled check then). ``known``: keys of a mapping whose values the caller
    knows to be valid against their ``properties`` schemas (they are not checked again).
    """
    if cls is not None:
        return _problems(doc, list(cls(schema).iter_errors(data)), base)
    if known and isinstance(data, dict):
        check = _check_without(schema, known)
        if check is not None and check(data):
            return []
    c = _compiled(schema)
    if c.check is not None and c.check(data):
        return []
    return _problems(doc, c.errors(data), base)


def _problems(doc: Doc, errors: list[ValidationError], base: PathKey) -> list[Problem]:
    problems: list[Problem] = []
    errors = sorted(errors, key=lambda e: [str(x) for x in e.absolute_path])
    seen: set[tuple[PathKey, str]] = set()
    for err in errors:
        for at, msg, at_key in _messages(err, base):
            if (at, msg) in seen:
                continue
            seen.add((at, msg))
            problems.append(doc.problem(at, msg, key=at_key))
    return sorted(problems, key=lambda p: (p.line, p.col, p.message))


def _messages(err: ValidationError, base: PathKey) -> list[tuple[PathKey, str, bool]]:
    path: PathKey = (*base, *err.absolute_path)
    if err.validator == "oneOf":
        best = _best_branch(err)
        if best is not None:
            return _messages(best, base)
    if err.validator == "additionalProperties" and isinstance(err.instance, Mapping):
        schema: Mapping[str, Any] = err.schema if isinstance(err.schema, Mapping) else {}
        allowed = list((schema.get("properties") or {}).keys())
        out: list[tuple[PathKey, str, bool]] = []
        for key in err.instance:
            if key in allowed:
                continue
            hint = did_you_mean(str(key), allowed)
            if not hint and allowed:
                hint = f"; allowed keys: {', '.join(sorted(allowed))}"
            out.append(((*path, key), f"unknown key '{key}'{hint}", True))
        return out
    msg, at_key = _message(err, path)
    return [(path, msg, at_key)]
