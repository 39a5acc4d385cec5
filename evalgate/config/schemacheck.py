"""A JSON Schema compiled into plain Python checks that answer one question: is it valid?

``jsonschema`` builds an error object for every step it descends, which made checking each
golden case a large part of loading a golden set. :func:`compile_check` turns a schema into
nested closures (type, required keys, enums, patterns, bounds...) written once per schema;
they say only *whether* a value is valid. When it is not, :mod:`evalgate.config.schema` asks
``jsonschema`` for the errors, so every message and position is worded exactly as before.

Only keywords whose meaning is reproduced exactly are compiled; a schema with any other
keyword (``$ref``, ``patternProperties``, ``prefixItems``, ``format`` checks...) is not
compiled (:func:`compile_check` returns None) and is always checked by ``jsonschema``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

# words that do not constrain a value (``format`` is an annotation without a format checker)
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "default", "examples", "format"}
)


class _Unsupported(Exception):
    pass


def _is_integer(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    return isinstance(v, int) or (isinstance(v, float) and v.is_integer())


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": _is_integer,
    "number": _is_number,
}
_SIMPLE_TYPES: dict[str, type | tuple[type, ...]] = {"object": dict, "array": list, "string": str}


def compile_check(schema: Any) -> Check | None:
    """A function telling whether a value is valid against ``schema``, or None when the schema
    uses a keyword this module does not reproduce exactly."""
    try:
        return _compile(schema)
    except (_Unsupported, re.error, TypeError, ValueError, AttributeError):
        return None  # jsonschema decides (and explains) what it makes of such a schema


def _compile(schema: Any) -> Check:
    if schema is True or schema == {}:
        return lambda v: True
    if schema is False:
        return lambda v: False
    if not isinstance(schema, Mapping):
        raise _Unsupported()
    checks: list[Check] = []
    for key in schema:
        if key not in _KEYWORDS and key not in _ANNOTATIONS:
            raise _Unsupported()
    if "type" in schema:
        checks.append(_type(schema["type"]))
    if "enum" in schema:
        checks.append(_enum(schema["enum"]))
    if "const" in schema:
        checks.append(_enum([schema["const"]]))
    checks.extend(_object(schema))
    checks.extend(_array(schema))
    checks.extend(_string(schema))
    checks.extend(_number(schema))
    checks.extend(_combinators(schema))
    return _all(checks)


def _all(checks: list[Check]) -> Check:
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    steps = tuple(checks)

    def every(v: Any) -> bool:
        for c in steps:  # noqa: SIM110 (all() over a generator is slower here)
            if not c(v):
                return False
        return True

    return every


def _type(t: Any) -> Check:
    names = [t] if isinstance(t, str) else list(t)
    if any(n not in _TYPES for n in names):
        raise _Unsupported()
    if len(names) == 1 and names[0] in _SIMPLE_TYPES:
        cls = _SIMPLE_TYPES[names[0]]
        return lambda v: isinstance(v, cls)
    fns = [_TYPES[n] for n in names]
    return lambda v: any(f(v) for f in fns)


def _enum(options: Any) -> Check:
    """Strings, numbers, booleans and null, compared as jsonschema compares them: true is
    not 1, and 1 is 1.0."""
    if not isinstance(options, list):
        raise _Unsupported()
    if any(not isinstance(o, (str, int, float)) and o is not None for o in options):
        raise _Unsupported()  # lists and mappings: left to jsonschema
    strings = frozenset(o for o in options if isinstance(o, str))
    numbers = [o for o in options if _is_number(o)]
    singletons = [o for o in options if o is None or isinstance(o, bool)]

    def check(v: Any) -> bool:
        if isinstance(v, str):
            return v in strings
        if _is_number(v):
            return any(v == o for o in numbers)
        return any(v is o for o in singletons)

    return check


def _object(schema: Mapping[str, Any]) -> list[Check]:
    out: list[Check] = []
    required = schema.get("required")
    if required is not None:
        if not isinstance(required, list) or not all(isinstance(k, str) for k in required):
            raise _Unsupported()
        keys = frozenset(required)
        out.append(lambda v: not isinstance(v, dict) or keys.issubset(v))
    given = schema.get("properties", {})
    if not isinstance(given, Mapping):
        raise _Unsupported()
    props: dict[str, Check] = {k: _compile(s) for k, s in given.items()}
    by_pattern = schema.get("patternProperties", {})
    if not isinstance(by_pattern, Mapping):
        raise _Unsupported()
    patterns = [(re.compile(p).search, _compile(s)) for p, s in by_pattern.items()]
    extra = schema.get("additionalProperties", True)
    extra_check = None if extra is True else _compile(extra)
    if props or patterns or extra_check is not None:

        def properties(v: Any) -> bool:
            """properties, patternProperties, then additionalProperties for keys neither
            names nor matches (as jsonschema applies them)."""
            if not isinstance(v, dict):
                return True
            for k, item in v.items():
                check = props.get(k)
                matched = check is not None
                if matched and not check(item):  # type: ignore[misc]
                    return False
                for search, pcheck in patterns:
                    if search(k) is not None:
                        matched = True
                        if not pcheck(item):
                            return False
                if not matched and extra_check is not None and not extra_check(item):
                    return False
            return True

        out.append(properties)
    lo, hi = schema.get("minProperties"), schema.get("maxProperties")
    if lo is not None or hi is not None:
        out.append(_length(dict, lo, hi))
    return out


def _array(schema: Mapping[str, Any]) -> list[Check]:
    out: list[Check] = []
    if "items" in schema:
        each = _compile(schema["items"])

        def items(v: Any) -> bool:
            if isinstance(v, list):
                for x in v:
                    if not each(x):
                        return False
            return True

        out.append(items)
    lo, hi = schema.get("minItems"), schema.get("maxItems")
    if lo is not None or hi is not None:
        out.append(_length(list, lo, hi))
    return out


def _string(schema: Mapping[str, Any]) -> list[Check]:
    out: list[Check] = []
    if "pattern" in schema:
        if not isinstance(schema["pattern"], str):
            raise _Unsupported()
        search = re.compile(schema["pattern"]).search
        out.append(lambda v: not isinstance(v, str) or search(v) is not None)
    lo, hi = schema.get("minLength"), schema.get("maxLength")
    if lo is not None or hi is not None:
        out.append(_length(str, lo, hi))
    return out


def _length(cls: type[Any], lo: Any, hi: Any) -> Check:
    for bound in (lo, hi):
        if bound is not None and (not isinstance(bound, int) or isinstance(bound, bool)):
            raise _Unsupported()
    low = 0 if lo is None else lo
    high = float("inf") if hi is None else hi

    def check(v: Any) -> bool:
        return not isinstance(v, cls) or low <= len(v) <= high

    return check


def _number(schema: Mapping[str, Any]) -> list[Check]:
    out: list[Check] = []
    bounds: list[tuple[str, Any]] = [
        (k, schema[k])
        for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
        if k in schema
    ]
    for name, bound in bounds:
        if not _is_number(bound):
            raise _Unsupported()
        out.append(_bound(name, bound))
    return out


def _bound(name: str, b: Any) -> Check:
    if name == "minimum":
        return lambda v: not _is_number(v) or v >= b
    if name == "maximum":
        return lambda v: not _is_number(v) or v <= b
    if name == "exclusiveMinimum":
        return lambda v: not _is_number(v) or v > b
    return lambda v: not _is_number(v) or v < b


def _combinators(schema: Mapping[str, Any]) -> list[Check]:
    out: list[Check] = []
    if "oneOf" in schema:
        one = [_compile(s) for s in schema["oneOf"]]

        def one_of(v: Any) -> bool:
            found = 0
            for c in one:
                if c(v):
                    found += 1
            return found == 1

        def first_of(v: Any) -> bool:
            for c in one:  # noqa: SIM110 (any() over a generator is slower here)
                if c(v):
                    return True
            return False

        # when no value has two of the branches' types, no two branches can both pass:
        # "exactly one" is then "any", which stops at the first that passes
        out.append(first_of if _disjoint_types(schema["oneOf"]) else one_of)
    if "anyOf" in schema:
        some = [_compile(s) for s in schema["anyOf"]]
        out.append(lambda v: any(c(v) for c in some))
    if "allOf" in schema:
        every = [_compile(s) for s in schema["allOf"]]
        out.append(lambda v: all(c(v) for c in every))
    if "not" in schema:
        negated = _compile(schema["not"])
        out.append(lambda v: not negated(v))
    return out


def _disjoint_types(branches: Any) -> bool:
    """Whether every branch requires one type (``type`` a single name) and no two the same
    or overlapping ones ("integer" is also a "number")."""
    if not isinstance(branches, list) or not all(isinstance(b, Mapping) for b in branches):
        return False
    names = [b.get("type") for b in branches]
    if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        return False
    return not {"integer", "number"} <= set(names)


_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "required",
        "properties",
        "additionalProperties",
        "patternProperties",
        "minProperties",
        "maxProperties",
        "items",
        "minItems",
        "maxItems",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "oneOf",
        "anyOf",
        "allOf",
        "not",
    }
)
