"""Subset matching of tool-call arguments (used by the ``tool_call`` scorer).

An expected value is one of:

- a ``"/regex/"`` string (optionally ``"/regex/i"``): the actual value, as text, must match;
- a JSON Schema, written as ``{schema: {...}}`` or as an object with a ``$schema`` key: the
  actual value must validate. Any other object is a *literal* (so ``{type: refund}`` matches an
  argument object whose ``type`` is ``"refund"``);
- an object: every expected key must be present and match (extra actual keys are fine);
- a list: every expected item matches a different actual item, in any order (``strict``: the
  same length and order);
- a scalar: equal; numbers and numeric strings compare by value (``"8842"`` == ``8842``) and
  ``"true"``/``"false"`` equal booleans, unless ``strict``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

_REGEX = re.compile(r"^/(.+)/([imsx]*)$", re.DOTALL)
_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


def is_regex(value: Any) -> bool:
    """Whether an expected value is written as ``/regex/``."""
    return isinstance(value, str) and _REGEX.match(value) is not None


def compile_regex(value: str) -> re.Pattern[str]:
    """Compile a ``/regex/flags`` string (raises ``re.error`` when it is invalid)."""
    m = _REGEX.match(value)
    if m is None:
        raise re.error(f"not a /regex/: {value}")
    flags = 0
    for ch in m.group(2):
        flags |= _FLAGS[ch]
    return re.compile(m.group(1), flags)


def schema_of(value: Any) -> Mapping[str, Any] | None:
    """The JSON Schema an expected value stands for, or None when it is a literal."""
    if isinstance(value, Mapping):
        if set(value) == {"schema"} and isinstance(value["schema"], Mapping):
            return value["schema"]
        if "$schema" in value:
            return value
    return None


# one encoder for every rendering (``json.dumps`` builds one per call)
_render = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str).encode


def render(value: Any, width: int = 40) -> str:
    """A short JSON rendering of a value for a reason."""
    try:
        s = _render(value)
    except (TypeError, ValueError):
        s = repr(value)
    return s if len(s) <= width else s[: width - 1] + "…"


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            f = float(value.strip())
        except ValueError:
            return None
        return f if math.isfinite(f) else None
    return None


def _scalar_equal(expected: Any, actual: Any, strict: bool) -> bool:
    if strict:
        return type(expected) is type(actual) and expected == actual
    if expected == actual and isinstance(expected, bool) == isinstance(actual, bool):
        return True
    if isinstance(expected, bool) or isinstance(actual, bool):
        b, other = (expected, actual) if isinstance(expected, bool) else (actual, expected)
        return isinstance(other, str) and other.strip().lower() == str(b).lower()
    a, b = _number(expected), _number(actual)
    return a is not None and b is not None and a == b


def match(expected: Any, actual: Any, strict: bool = False, path: str = "") -> str | None:
    """None when ``actual`` matches ``expected``; else the path of the first difference."""
    where = path or "value"
    schema = schema_of(expected)
    if schema is not None:
        return _match_schema(schema, actual, where)
    if is_regex(expected):
        try:
            rx = compile_regex(expected)
        except re.error:
            return f"{where} (invalid regex {expected})"
        text = actual if isinstance(actual, str) else render(actual, 10_000)
        return None if rx.search(text) else where
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return where
        for key, want in expected.items():
            sub = f"{path}.{key}" if path else str(key)
            if key not in actual:
                return f"{sub} (missing)"
            diff = match(want, actual[key], strict, sub)
            if diff is not None:
                return diff
        return None
    if isinstance(expected, (list, tuple)):
        return _match_list(list(expected), actual, strict, path, where)
    return None if _scalar_equal(expected, actual, strict) else where


def _match_list(
    expected: list[Any], actual: Any, strict: bool, path: str, where: str
) -> str | None:
    if not isinstance(actual, (list, tuple)):
        return where
    if strict:
        if len(expected) != len(actual):
            return f"{where} (length {len(actual)}, expected {len(expected)})"
        for i, (want, got) in enumerate(zip(expected, actual, strict=True)):
            diff = match(want, got, strict, f"{path}[{i}]")
            if diff is not None:
                return diff
        return None
    free = list(range(len(actual)))
    for i, want in enumerate(expected):
        hit = next((j for j in free if match(want, actual[j], strict) is None), None)
        if hit is None:
            return f"{path}[{i}]" if path else f"[{i}]"
        free.remove(hit)
    return None


def _match_schema(schema: Mapping[str, Any], actual: Any, where: str) -> str | None:
    import jsonschema  # imported here: it is slow to import and most runs never need it

    try:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(dict(schema))
        error = jsonschema.exceptions.best_match(cls(schema).iter_errors(actual))
    except jsonschema.exceptions.SchemaError as exc:
        return f"{where} (invalid schema: {exc.message})"
    except Exception as exc:  # odd values must not break scoring
        return f"{where} ({type(exc).__name__})"
    if error is None:
        return None
    sub = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return f"{where}{sub} ({error.message[:80]})"
