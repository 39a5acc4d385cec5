"""Items of a golden list read again in the layout of one read before.

Most items of a large golden file are written alike: the same lines, indents and keys, only
some values differ. A :class:`Shape` is learnt from an item the line reader
(:class:`~evalgate.config.yamlfast.FastStream`) has read: one compiled pattern for its whole
text, where each value written after a key or dash is left open, and where each value goes.
An item that matches it is read with one match: its values are read by the line reader's own
code for a value on a line, everything else (the containers, the keys, the positions of the
keys, of the containers and of the list entries) is the learnt item's, its lines moved. What
the pattern fixes (every key, indent and dash, the lines between them, no blank line or
comment inside the item, and where the item ends) is what decides how the line reader would
read the item, so both read it alike; an item that does not match is read line by line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from evalgate.config.yamlsrc import PathKey

# one value written on its line (the line reader reads it: a first character that is no space)
_VALUE = r"([^ \n][^\n]*)"
# a line: its indent, a sequence entry's dash, a plain key and its colon, the rest (the line
# reader's, :mod:`evalgate.config.yamlblock`)
LINE = re.compile(
    r"( *)(?:(-)(?: +|(?=\n)|$))?(?:([A-Za-z0-9_][A-Za-z0-9_ ./-]*?) *:(?: +|(?=\n)|$))?([^\n]*)"
)
_Node = tuple[Any, ...]  # (0, value index) | (1, ((key, node), ...)) | (2, (node, ...))


class Shape:
    """The layout of one item (see the module's docstring)."""

    def __init__(
        self,
        pattern: re.Pattern[str],
        lines: int,
        values: tuple[tuple[int, int, PathKey], ...],
        tree: _Node,
        positions: tuple[tuple[PathKey, int, int], ...],
        key_positions: tuple[tuple[PathKey, int, int], ...],
    ) -> None:
        self.pattern = pattern
        self.lines = lines  # how many lines the item has
        self.values = values  # each value: its line (from the item's first), column, path
        self.tree = tree
        self.positions = positions  # path below the item, line (from its first), column
        self.key_positions = key_positions
        # each key of the item: the indices of the values written below it (the shape fixes
        # everything else of its value, so these values' texts and the shape decide it)
        under: dict[Any, list[int]] = {}
        for j, (_, _, rel) in enumerate(values):
            if rel:
                under.setdefault(rel[0], []).append(j)
        self.under = {k: tuple(v) for k, v in under.items()}
        self.build: Callable[[list[Any]], Any] = compiled(tree) or partial(build, tree)


def learn(text: str, first_line: int, indent: int, path: PathKey, doc: Any) -> Shape | None:
    """The shape of the item whose lines are ``text`` (from its first line, numbered
    ``first_line``, to its last, with no line after), its dash at column ``indent`` and read
    into ``doc`` at ``path``; None when it has a blank line or a comment, or a line the
    pattern cannot fix."""
    lines = text.split("\n")
    parts: list[str] = []
    line_of: dict[tuple[int, int], int] = {}  # (line, column) of a value -> its line's index
    for k, line in enumerate(lines):
        m = LINE.fullmatch(line)
        if m is None:
            return None
        dash, key, rest = m.group(2, 3, 4)
        if (dash is None and key is None) or rest.startswith("#") or not (rest or key):
            return None  # a blank line, a comment, a dash alone
        prefix = line[: m.start(4)]
        if rest:
            parts.append(re.escape(prefix) + _VALUE)
            line_of[(first_line + k, m.start(4) + 1)] = k
        else:
            parts.append(re.escape(prefix))
    n = len(path)
    values: list[tuple[int, int, PathKey]] = []
    positions: list[tuple[PathKey, int, int]] = []
    for p, (line, col) in doc.positions.items():
        if len(p) < n or p[:n] != path:
            continue
        at = line_of.get((line, col))
        if at is not None:
            values.append((at, col - 1, p[n:]))
        else:
            positions.append((p[n:], line - first_line, col))
    key_positions = tuple(
        (p[n:], line - first_line, col)
        for p, (line, col) in doc.key_positions.items()
        if len(p) > n and p[:n] == path
    )
    if len(values) != len(line_of):
        return None  # a line's value that is not a whole value (never so: kept safe)
    values.sort()
    index = {rel: j for j, (_, _, rel) in enumerate(values)}
    tree = _tree(doc.data, (), index)
    if tree is None:
        return None
    # where the item ends: the next line with content is no deeper than its dash
    # (a comment is skipped wherever it is, as the line reader skips it)
    end = rf"(?:\n|\Z)(?=(?:[ ]*(?:\#[^\n]*)?\n)*(?:[ ]*(?:\#[^\n]*)?\Z|[ ]{{0,{indent}}}[^ \n#]))"
    pattern = re.compile("\n".join(parts) + end)
    return Shape(pattern, len(lines), tuple(values), tree, tuple(positions), key_positions)


def _tree(value: Any, rel: PathKey, index: dict[PathKey, int]) -> _Node | None:
    j = index.get(rel)
    if j is not None:
        return (0, j)
    if type(value) is dict:
        items = []
        for k, v in value.items():
            node = _tree(v, (*rel, k), index)
            if node is None:
                return None
            items.append((k, node))
        return (1, tuple(items))
    if type(value) is list:
        nodes = []
        for i, v in enumerate(value):
            node = _tree(v, (*rel, i), index)
            if node is None:
                return None
            nodes.append(node)
        return (2, tuple(nodes))
    return None  # a value not written on a line of its own: not learnt


def compiled(tree: _Node) -> Callable[[list[Any]], Any] | None:
    """:func:`build` for ``tree`` as one function that makes the item's containers from its
    values at once (``lambda v: {'id': v[0], 'expect': [{'contains': v[1]}]}``), no walk of
    the tree per item; None when Python cannot compile it (a very deep item)."""
    try:
        code = compile("lambda v: " + _display(tree), "<golden item layout>", "eval")
        fn: Callable[[list[Any]], Any] = eval(code, {"__builtins__": {}})
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return None
    return fn


def _display(tree: _Node) -> str:
    """The Python display of the item's containers: keys as literals (``repr`` of a str),
    values as ``v[j]``; nothing else is written in it."""
    kind, body = tree
    if kind == 0:
        return f"v[{int(body)}]"
    if kind == 1:
        return "{" + ", ".join(f"{_str(k)!r}: {_display(n)}" for k, n in body) + "}"
    return "[" + ", ".join(_display(n) for n in body) + "]"


def _str(key: Any) -> str:
    if type(key) is not str:
        raise ValueError("a key that is not a str")  # never so: the line reader's keys are
    return key


def build(tree: _Node, values: list[Any]) -> Any:
    """The item's value from its values read from its lines."""
    kind, body = tree
    if kind == 0:
        return values[body]
    if kind == 1:
        return {k: build(node, values) for k, node in body}
    return [build(node, values) for node in body]
