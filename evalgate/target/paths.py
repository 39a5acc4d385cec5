"""Direct accessors for the JMESPath expressions response mappings use most.

A mapping such as ``answer``, ``usage.input_tokens``, ``choices[0].message.content`` or
``citations[].doc_id`` is parsed by jmespath once (so the syntax, and every syntax error, is
jmespath's own) and its tree is turned into plain Python that reads the body the way
jmespath's interpreter would: a field of anything without ``.get`` is null, an index of
anything but a list (or past its end) is null, ``a[]`` flattens one level, a projection keeps
the non-null results. Any other node (functions, filters, slices, literals, multi-selects,
pipes, comparisons, ``||``) leaves the whole expression to jmespath.

Null absorbs every supported step (a field, an index, a flatten or a projection of null is
null), so a path stops at the first null with the result jmespath would reach.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Accessor = Callable[[Any], Any]
_Node = Mapping[str, Any]


def accessor(tree: _Node) -> Accessor | None:
    """A function giving jmespath's result for the parsed ``tree``, or None if unsupported."""
    steps = _steps(tree)
    if steps is not None:
        return _path(steps)
    kind = tree.get("type")
    if kind in ("identity", "current"):
        return _same
    if kind == "flatten":
        (child,) = tree["children"]
        inner = accessor(child)
        return None if inner is None else _flatten(inner)
    if kind == "projection":
        left_node, right_node = tree["children"]
        left = accessor(left_node)
        right: Accessor | None = None  # None: each element as it is
        if right_node.get("type") not in ("identity", "current"):
            right = accessor(right_node)
            if right is None:
                return None
        return None if left is None else _projection(left, right)
    if kind in ("subexpression", "index_expression"):
        parts = [accessor(c) for c in tree["children"]]
        if any(p is None for p in parts):
            return None
        return _chain(tuple(p for p in parts if p is not None))
    return None


def _steps(tree: _Node) -> tuple[str | int, ...] | None:
    """Fields (str) and indexes (int) in order, when the tree is nothing else."""
    kind = tree.get("type")
    if kind == "field":
        value = tree["value"]
        return (value,) if isinstance(value, str) else None
    if kind == "index":
        value = tree["value"]
        return (value,) if type(value) is int else None
    if kind in ("subexpression", "index_expression"):
        out: list[str | int] = []
        for child in tree["children"]:
            part = _steps(child)
            if part is None:
                return None
            out.extend(part)
        return tuple(out)
    return None


def _same(value: Any) -> Any:
    return value


def _path(steps: tuple[str | int, ...]) -> Accessor:
    if len(steps) == 1 and isinstance(steps[0], str):
        key = steps[0]

        def field(value: Any) -> Any:
            try:
                return value.get(key)
            except AttributeError:
                return None

        return field
    if all(isinstance(s, str) for s in steps):
        keys = steps

        def fields(value: Any) -> Any:
            for key in keys:
                try:
                    value = value.get(key)
                except AttributeError:
                    return None
                if value is None:
                    return None
            return value

        return fields

    def path(value: Any) -> Any:
        for step in steps:
            if isinstance(step, str):
                try:
                    value = value.get(step)
                except AttributeError:
                    return None
            elif isinstance(value, list):
                try:
                    value = value[step]
                except IndexError:
                    return None
            else:
                return None
            if value is None:
                return None
        return value

    return path


def _chain(parts: tuple[Accessor, ...]) -> Accessor:
    def chain(value: Any) -> Any:
        for part in parts:
            value = part(value)
            if value is None:
                return None
        return value

    return chain


def _flatten(inner: Accessor) -> Accessor:
    def flatten(value: Any) -> Any:
        base = inner(value)
        if not isinstance(base, list):
            return None
        merged: list[Any] = []
        for element in base:
            if isinstance(element, list):
                merged.extend(element)
            else:
                merged.append(element)
        return merged

    return flatten


def _projection(left: Accessor, right: Accessor | None) -> Accessor:
    def projection(value: Any) -> Any:
        base = left(value)
        if not isinstance(base, list):
            return None
        if right is None:
            return [element for element in base if element is not None]
        collected = []
        for element in base:
            current = right(element)
            if current is not None:
                collected.append(current)
        return collected

    return projection
