"""YAML loading that remembers where every value came from.

PyYAML's safe loader composes a node tree with marks; we build plain Python values from it
ourselves so that each value's ``(line, col)`` can be looked up by its path. This is how every
problem in a config or golden file is reported as ``file:line:col``.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evalgate.errors import Problem

MAX_FILE_BYTES = 20 * 1024 * 1024
# a golden file may hold 100,000 cases and more (it is read case by case)
MAX_GOLDEN_BYTES = 64 * 1024 * 1024
# Values that YAML aliases may add to a document (each use of ``*a`` adds the whole value
# anchored as ``&a``, nested aliases included): the guard against alias bombs ("billion
# laughs"). Values written out in the text do not count; the file size bounds those.
MAX_ALIAS_VALUES = 2_000_000
ALIAS_BOMB = (
    "document expands to too many values (YAML aliases?);"
    " write the values out instead of nesting aliases"
)

PathKey = tuple[str | int, ...]
# libyaml's parser when available (several times faster), else the pure-Python one
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ScalarHook = Callable[[str, PathKey, int, int], Any]


@dataclass
class Doc:
    """A loaded YAML document: its data and the position of every value and key."""

    file: str
    data: Any
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def pos(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        """The position of the value (or key) at ``path``, else of its nearest ancestor."""
        table = self.key_positions if key else self.positions
        p = tuple(path)
        while p:
            if p in table:
                return table[p]
            if p in self.positions:
                return self.positions[p]
            p = p[:-1]
        return self.positions.get((), (1, 1))

    def problem(self, path: PathKey, message: str, *, key: bool = False) -> Problem:
        line, col = self.pos(path, key=key)
        return Problem(self.file, line, col, message)

    def value_key(self, path: PathKey) -> Hashable | None:
        """A key for the value at ``path`` that is equal only for equal values (of this
        file's reader), cheaper than the value's ``repr``; None when the reader has none."""
        return None


class _TooBig(Exception):
    pass


class AliasCount:
    """The values aliases add to a document, as its nodes are met in document order.

    A node met for the first time is written in the text (it counts nothing); met again, it
    is an alias use and adds its whole expanded size. Refuses (:class:`_TooBig`) past
    :data:`MAX_ALIAS_VALUES` without expanding anything.
    """

    def __init__(self) -> None:
        self.added = 0
        self._sizes: dict[int, int] = {}  # id(node) -> expanded size (0 while being sized)

    def alias(self, size: int) -> None:
        self.added += size
        if self.added > MAX_ALIAS_VALUES:
            raise _TooBig()

    def walk(self, node: yaml.Node) -> int:
        """Count the aliases under ``node`` (a node tree from the composer); its size."""
        key = id(node)
        known = self._sizes.get(key)
        if known is not None:
            self.alias(known)  # an alias (a recursive one counts nothing: it never ends)
            return known
        self._sizes[key] = 0
        size = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                size += self.walk(k) + self.walk(v)
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                size += self.walk(v)
        self._sizes[key] = size
        return size


_UNREADABLE = object()  # a scalar that could not be constructed (a problem says why)
_MAX_INT_BITS = 1023  # larger integers do not convert to a float (weights, thresholds, JSON)


class _Builder:
    def __init__(self, doc: Doc, loader: yaml.SafeLoader, hook: ScalarHook | None) -> None:
        self.doc = doc
        self.loader = loader
        self.hook = hook
        self.problems: list[Problem] = []

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        m = node.start_mark
        self.doc.positions[path] = (m.line + 1, m.column + 1)
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            out: dict[str, Any] = {}
            for knode, vnode in node.value:
                key = self.construct(knode)
                if key is _UNREADABLE:
                    continue
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    km = knode.start_mark
                    self.problems.append(
                        Problem(self.doc.file, km.line + 1, km.column + 1, "keys must be strings")
                    )
                    continue
                skey = ("true" if key else "false") if isinstance(key, bool) else str(key)
                kpath = (*path, skey)
                km = knode.start_mark
                if skey in out:
                    self.problems.append(
                        Problem(
                            self.doc.file,
                            km.line + 1,
                            km.column + 1,
                            f"duplicate key '{skey}' (the later value would silently win;"
                            " remove one)",
                        )
                    )
                self.doc.key_positions[kpath] = (km.line + 1, km.column + 1)
                out[skey] = self.build(vnode, kpath)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(v, (*path, i)) for i, v in enumerate(node.value)]
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: PathKey) -> Any:
        """A scalar's plain JSON value (None with a problem when it has none)."""
        value = self.construct(node)
        if value is _UNREADABLE:
            return None
        if isinstance(value, (datetime.date, datetime.datetime)):
            value = value.isoformat()
        elif isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        if isinstance(value, str) and self.hook is not None:
            m = node.start_mark
            value = self.hook(value, path, m.line + 1, m.column + 1)
        return value

    def construct(self, node: yaml.Node) -> Any:
        """The scalar's value, or ``_UNREADABLE`` with a located problem when it is no usable
        JSON value: an integer longer than Python reads (4,300 digits) or past the range of a
        float, ``.inf``/``.nan`` (JSON has neither), a date out of range."""
        try:
            value = self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:
            what = str(exc).split(";")[0]
            if isinstance(node, yaml.ScalarNode) and node.tag.endswith((":int", ":float")):
                what = f"a number of {len(node.value)} characters is too long to read"
            return self._unreadable(node, what)
        if isinstance(value, float) and not math.isfinite(value):
            return self._unreadable(node, f"{_excerpt(node)} is not a finite number")
        if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
            return self._unreadable(node, f"the number {_excerpt(node)} is too large to use")
        return value

    def _unreadable(self, node: yaml.Node, what: str) -> object:
        m = node.start_mark
        self.problems.append(
            Problem(
                self.doc.file,
                m.line + 1,
                m.column + 1,
                f"{what}; write a number in range, or quote it if it is meant as text",
            )
        )
        return _UNREADABLE


def _excerpt(node: yaml.Node) -> str:
    text = str(node.value)
    return f"'{text}'" if len(text) <= 40 else f"'{text[:20]}…' ({len(text)} characters)"


def load_yaml_text(
    text: str, file: str, *, scalar_hook: ScalarHook | None = None
) -> tuple[Doc, list[Problem]]:
    """Parse YAML text. Returns the document and the problems found (syntax, duplicates, size)."""
    doc = Doc(file=file, data=None)
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        return doc, [
            Problem(
                file,
                1,
                1,
                f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB;"
                " split it into several golden files",
            )
        ]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return doc, []
        AliasCount().walk(node)
        builder = _Builder(doc, loader, scalar_hook)
        doc.data = builder.build(node, ())
        return doc, builder.problems
    except _TooBig:
        return Doc(file=file, data=None), [Problem(file, 1, 1, ALIAS_BOMB)]
    except yaml.YAMLError as exc:
        return doc, [yaml_problem(exc, file)]
    except RecursionError:
        return doc, [Problem(file, 1, 1, "document is nested too deeply")]
    finally:
        loader.dispose()


def yaml_problem(exc: yaml.YAMLError, file: str) -> Problem:
    """A parse error as a located problem."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "syntax error"
        return Problem(file, line, col, f"invalid YAML: {what}")
    return Problem(file, 1, 1, f"invalid YAML: {exc}")


def read_yaml_text(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """A YAML file's text, or the problem that stops it being read (size, access, encoding)."""
    raw, problems = read_yaml_bytes(path, display)
    return (None if raw is None else raw.decode("utf-8")), problems


def read_yaml_bytes(
    path: Path, display: str, *, limit: int = MAX_FILE_BYTES
) -> tuple[bytes | None, list[Problem]]:
    """:func:`read_yaml_text`, as the UTF-8 bytes themselves (libyaml's parser reads them
    without the copy it makes of a ``str``); a file larger than ``limit`` is refused unread."""
    try:
        size = path.stat().st_size
        if size > limit:
            return None, [
                Problem(
                    display,
                    1,
                    1,
                    f"file is larger than {limit // (1024 * 1024)} MiB;"
                    " split it into several files",
                )
            ]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(display, 1, 1, f"cannot read file: {exc.strerror}")]
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [
            Problem(display, 1, 1, f"not UTF-8 text (byte {exc.start}); save the file as UTF-8")
        ]
    return raw, []


def load_yaml_file(
    path: Path, display: str | None = None, *, scalar_hook: ScalarHook | None = None
) -> tuple[Doc, list[Problem]]:
    name = display or str(path)
    text, problems = read_yaml_text(path, name)
    if text is None:
        return Doc(name, None), problems
    return load_yaml_text(text, name, scalar_hook=scalar_hook)
