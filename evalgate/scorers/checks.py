"""Semantic checks of built-in scorer parameters that a JSON Schema cannot express.

``evalgate validate`` first checks each ``expect`` item against the scorer's params schema,
then calls :func:`check_params` for what needs code: regexes that must compile, JSON Schemas
that must be valid, schema files that must exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from evalgate.scorers._match import compile_regex, is_regex, schema_of


def check_params(name: str, params: Any, golden_file: str = "") -> list[str]:
    """Problems with ``params`` for the built-in scorer ``name`` (empty when fine).

    ``golden_file`` is the file the case was written in; ``json_schema: {file: ...}`` paths
    are relative to its directory.
    """
    try:
        if name in ("regex", "not_regex"):
            return _check_pattern(params)
        if name == "tool_call" and isinstance(params, Mapping):
            return _check_tool_call(params)
        if name == "json_schema":
            return _check_json_schema(params, golden_file)
        if name == "citation" and isinstance(params, Mapping):
            return _check_citation(params)
    except Exception as exc:  # a checker bug must not hide the rest of validation
        return [f"could not check {name} parameters: {type(exc).__name__}: {exc}"]
    return []


def _regex_problem(pattern: str, flags: int = 0) -> str | None:
    try:
        re.compile(pattern, flags)
    except re.error as exc:
        return f"invalid regular expression /{pattern}/: {exc}"
    return None


def _check_pattern(params: Any) -> list[str]:
    pattern = params.get("pattern") if isinstance(params, Mapping) else params
    if not isinstance(pattern, str):
        return []
    problem = _regex_problem(pattern)
    return [problem] if problem else []


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, value
    if schema_of(value) is not None:
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]")


def _check_tool_call(params: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    args = params.get("arguments")
    if isinstance(args, Mapping):
        for path, value in _walk(args, "arguments"):
            if is_regex(value):
                try:
                    compile_regex(value)
                except re.error as exc:
                    problems.append(f"{path}: invalid regular expression {value}: {exc}")
            schema = schema_of(value)
            if schema is not None:
                problems.extend(f"{path}: {p}" for p in _schema_problems(schema))
    if params.get("called") is False and params.get("times") not in (None, 0):
        problems.append("tool_call: 'called: false' contradicts 'times'; keep one of them")
    if params.get("called") is False and "permission" in params:
        problems.append("tool_call: 'permission' has no meaning with 'called: false'")
    return problems


def _schema_problems(schema: Any) -> list[str]:
    if not isinstance(schema, Mapping):
        return ["a JSON Schema must be an object"]
    import jsonschema  # imported here: slow to import, only needed for schemas

    try:
        jsonschema.validators.validator_for(schema).check_schema(dict(schema))
    except jsonschema.exceptions.SchemaError as exc:
        where = "".join(f"/{p}" for p in exc.absolute_path) or "/"
        return [f"invalid JSON Schema at {where}: {exc.message}"]
    return []


def _check_json_schema(params: Any, golden_file: str) -> list[str]:
    from evalgate.scorers.schema import SchemaFileError, load_schema_file, schema_path

    if params is True:
        return []
    path = schema_path(params, golden_file)
    if path is None:
        return _schema_problems(params)
    try:
        schema = load_schema_file(path)
    except (SchemaFileError, OSError, UnicodeDecodeError) as exc:
        shown = Path(params["file"])
        return [f"json_schema: cannot read schema file {shown} ({exc})"]
    return [f"{path.name}: {p}" for p in _schema_problems(schema)]


def _check_citation(params: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    pattern = params.get("pattern")
    if isinstance(pattern, str):
        problem = _regex_problem(pattern)
        if problem:
            problems.append(problem)
        elif re.compile(pattern).groups > 1:
            problems.append(f"citation pattern /{pattern}/ must have at most one group (the id)")
    checks = ("required", "any_of", "all_of", "none_of", "min", "must_be_retrieved", "in_text")
    if not any(params.get(k) for k in checks):
        problems.append("citation has no checks; use 'citation: true' or set required/any_of/...")
    overlap = set(params.get("none_of") or ()) & set(params.get("all_of") or ())
    overlap |= set(params.get("none_of") or ()) & set(params.get("any_of") or ())
    if overlap:
        problems.append(
            f"citation: {', '.join(sorted(map(str, overlap)))} both required and forbidden"
        )
    return problems
