"""A fast reader for the block YAML that golden files are written in, item by item.

Reading a large golden file through the parser's events makes a Python object for every
event and mark; most of that is wasted on the few constructs golden files use. :class:`FastStream`
reads the common subset line by line with compiled regular expressions: block mappings and
sequences (two-space or any consistent indent), one-line flow mappings and sequences, plain,
single- and double-quoted scalars on one line, and comments. It gives what
:class:`~evalgate.config.yamlstream.ItemStream` gives (the same values, positions and the same
item-by-item interface), and plain scalars are resolved by PyYAML's own resolver and
constructor (YAML 1.1: ``yes``/``no`` booleans, octal and sexagesimal integers, timestamps...).

Anything outside the subset raises :class:`NotSubset` and the caller reads the file with the
event reader instead, so every other document, and every document with a problem (a syntax
error, a duplicate key, a key that is not a string, a value that cannot be used), is read and
reported exactly as before: anchors, aliases, tags, block scalars (``|``, ``>``), multi-line
scalars or flow collections, complex keys, several documents, directives, tabs, carriage
returns, a byte order mark. ``tests/config/test_yaml_fast.py`` checks the results against the
event reader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import yaml

from evalgate.config.yamlshape import LINE as _LINE
from evalgate.config.yamlshape import Shape, build, learn
from evalgate.config.yamlsrc import Doc, PathKey, _Builder, _Loader
from evalgate.errors import Problem

# characters that make a file leave the subset wherever they are: tabs, carriage returns and
# YAML's other line breaks, a byte order mark, what the YAML reader refuses as unprintable
_ODD = re.compile(
    "[\t\r\x85\u2028\u2029\ufeff]|[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_DQ = re.compile(r'"((?:[^"\\]|\\.)*)"')
_SQ = re.compile(r"'((?:[^']|'')*)'")
_AFTER = re.compile(r"(?: +#.*| *)")  # what may follow a value on its line
# double-quoted text whose escapes JSON reads as YAML does (no surrogates, no YAML-only escapes)
_JSON_ESCAPES = re.compile(r'(?:[^\\]|\\["\\bfnrt]|\\u(?![dD][89abAB])[0-9a-fA-F]{4})*')
# a plain scalar inside a flow collection (no ':' or '#': those leave the subset)
_FLOW_PLAIN = re.compile(r"(?:[^\s,\[\]{}:#'\"&*!|>%@`?-]|-(?=[^\s,\[\]{}]))[^,\[\]{}:#]*")
_BLOCK_START = frozenset("{}[]#&*!|>'\"%@`?:,")  # first characters of a value not read here
_STR = "tag:yaml.org,2002:str"
_MAX_CACHED = 20_000  # distinct scalars and flow values remembered per file
_MAX_CACHED_LEN = 200
_MISS = object()


# a line with content: its number, indent, whether it starts with a dash, its key (None
# without one), the rest after the key (or dash) and its column, the key's column (0-based)
_Line = tuple[int, int, bool, str | None, str, int, int]
_NO_MARK = yaml.Mark("", 0, 0, 0, "", 0)


class NotSubset(Exception):
    """The document leaves the subset (see the module's docstring)."""


_Marks = tuple[tuple[PathKey, int, bool], ...]  # path below a flow, offset, whether a key


class FlowDoc(Doc):
    """A :class:`Doc` whose positions inside one-line flow collections are filled in when a
    position below one is first asked for (most are never asked for)."""

    def __init__(self, file: str, data: Any) -> None:
        super().__init__(file, data)
        self.flows: dict[PathKey, tuple[int, int, _Marks]] = {}  # path -> line, column, marks

    def settle(self) -> None:
        """Record every position inside the flow collections."""
        positions, key_positions = self.positions, self.key_positions
        for path, (line, col, marks) in self.flows.items():
            for rel, at, is_key in marks:
                (key_positions if is_key else positions)[(*path, *rel)] = (line, col + at)
        self.flows.clear()

    def pos(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        p = tuple(path)
        hit = (self.key_positions if key else self.positions).get(p)
        if hit is not None:
            return hit  # recorded as read: no flow holds it
        flows = self.flows
        if flows:
            for k in range(1, len(p)):
                if p[:k] in flows:
                    self.settle()
                    break
        return super().pos(p, key=key)


class FastStream:
    """A golden document's top-level mapping, whose ``key`` list is read item by item: the
    interface of :class:`~evalgate.config.yamlstream.ItemStream` (:meth:`head`, then
    :meth:`items` to the end; nothing may be trusted before the iteration has finished
    without :class:`NotSubset`). It reports no problems: a document with one is not in the
    subset."""

    def __init__(self, text: str, file: str, key: str) -> None:
        if not _printable(text):
            raise NotSubset()
        self.file = file
        self.key = key
        self._text = text
        self._at = 0  # offset of the next line
        self._cur_at = 0  # offset of the current line
        self._cur_end = 0  # offset of the end of the current line
        self._last_end = 0  # ... and of the line with content before it
        self._shapes: list[Shape] = []  # layouts of items read before (most recent first)
        self._learnt = 0  # shapes learnt, and items read with one
        self._replayed = 0
        self._lineno = 0  # number (1-based) of the current line
        self.cur: _Line | None = None
        self._loader: Any = _Loader("")
        self._scalars: dict[str, Any] = {}  # plain scalar text -> value
        self._rests: dict[str, Any] = {}  # a scalar with what follows it on its line -> value
        self._keys: set[str] = set()  # plain keys found to be strings
        self._flows: dict[str, tuple[Any, tuple[tuple[PathKey, int, bool], ...]]] = {}
        self._top: FlowDoc | None = None
        self._doc = FlowDoc(file, None)
        self._next()

    def close(self) -> None:
        self._loader.dispose()

    # -- lines ---------------------------------------------------------------------------

    def _next(self) -> None:
        """Move to the next line with content (see :data:`_Line`)."""
        text, n = self._text, len(self._text)
        at = self._at
        while at < n:
            m: Any = _LINE.match(text, at)  # every line matches
            self._lineno += 1
            (start, end), (_, ind), (dash, _), (ks, ke), (rs, _) = m.regs
            at = end + 1
            if dash < 0 and ks < 0 and (rs == end or text[rs] == "#"):
                continue  # blank or a comment
            self._at = at
            self._cur_at, self._last_end, self._cur_end = start, self._cur_end, end
            self.cur = (
                self._lineno,
                ind - start,
                dash >= 0,
                text[ks:ke] if ks >= 0 else None,
                text[rs:end],
                rs - start,
                ks - start,
            )
            return
        self._at = at
        self.cur = None

    # -- the document ----------------------------------------------------------------------

    def head(self) -> tuple[Doc, list[Problem]]:
        """The top-level mapping (the list as ``[]``) and its problems (none)."""
        cur = self.cur
        if cur is None or cur[1] != 0 or cur[2] or cur[3] is None:
            raise NotSubset()
        doc = FlowDoc(self.file, {})
        self._doc = doc
        doc.positions[()] = (cur[0], 1)
        out: dict[str, Any] = doc.data
        while True:
            cur = self.cur
            if cur is None:
                raise NotSubset()  # no list: the event reader says what it makes of it
            line, ind, dash, key, rest, rcol, _ = cur
            if ind != 0 or dash or key is None:
                raise NotSubset()
            self._check_key(key)
            if key in out:
                raise NotSubset()
            kpath: PathKey = (key,)
            doc.key_positions[kpath] = (line, 1)
            if key == self.key:
                if rest and rest[0] != "#":
                    raise NotSubset()
                self._next()
                nxt = self.cur
                if nxt is None or not nxt[2]:
                    raise NotSubset()
                doc.positions[kpath] = (nxt[0], nxt[1] + 1)
                out[key] = []
                self._top = doc
                return doc, []
            out[key] = self._value(rest, line, rcol, 0, kpath)

    def items(self) -> Iterator[tuple[int, Doc, list[Problem]]]:
        """Each item of the list: its index, a Doc holding its value (positions keyed by the
        full path, with the list's and the document's own), and its problems (none)."""
        top = self._top
        if top is None:
            raise RuntimeError("call head() first")
        base: PathKey = (self.key,)
        cur = self.cur
        assert cur is not None
        ind = cur[1]
        i = 0
        top_pos = top.positions[()]
        seq_pos = top.positions[base]
        key_pos = top.key_positions[base]
        while cur is not None and cur[1] == ind and cur[2]:
            path = (*base, i)
            doc = None
            if self._shapes:
                doc = self._replay(path, top_pos, seq_pos, key_pos)
            if doc is None:
                doc = self._new_doc(top_pos, seq_pos, key_pos)
                at, line = self._cur_at, cur[0]
                doc.data = self._entry(ind, path)
                if self._learnt <= 16 + 2 * self._replayed:  # a file of alike items
                    self._learn(at, line, ind, path, doc)
            yield i, doc, []
            i += 1
            cur = self.cur
        if cur is not None:
            raise NotSubset()  # keys after the list, or an odd indent

    def _new_doc(self, top_pos: Any, seq_pos: Any, key_pos: Any) -> FlowDoc:
        doc = FlowDoc(self.file, None)
        doc.positions[()] = top_pos
        doc.positions[(self.key,)] = seq_pos
        doc.key_positions[(self.key,)] = key_pos
        self._doc = doc
        return doc

    def _learn(self, at: int, line: int, ind: int, path: PathKey, doc: FlowDoc) -> None:
        self._learnt += 1
        shape = learn(self._text[at : self._last_end], line, ind, path, doc)
        if shape is not None:
            self._shapes = [shape, *self._shapes[:3]]

    def _replay(self, path: PathKey, top_pos: Any, seq_pos: Any, key_pos: Any) -> FlowDoc | None:
        """The item at the current line read in the layout of one before, or None."""
        cur = self.cur
        assert cur is not None
        for shape in self._shapes:
            m = shape.pattern.match(self._text, self._cur_at)
            if m is not None:
                break
        else:
            return None
        first = cur[0]
        doc = self._new_doc(top_pos, seq_pos, key_pos)
        inline = self._inline
        try:
            values = [
                inline(rest, first + k, col, (*path, *rel))
                for (k, col, rel), rest in zip(shape.values, m.groups(), strict=True)
            ]
        except NotSubset:
            return None  # the line reader reads it (and says whether it can)
        positions, key_positions = doc.positions, doc.key_positions
        for rel, k, col in shape.positions:
            positions[(*path, *rel)] = (first + k, col)
        for rel, k, col in shape.key_positions:
            key_positions[(*path, *rel)] = (first + k, col)
        doc.data = build(shape.tree, values)
        self._replayed += 1
        self._at = m.end()
        self._lineno = first + shape.lines - 1
        self._next()
        return doc

    # -- block nodes -----------------------------------------------------------------------

    def _value(self, rest: str, line: int, rcol: int, ind: int, path: PathKey) -> Any:
        """The value after a key at indent ``ind`` whose line holds ``rest`` from ``rcol``;
        moves past it."""
        if rest and rest[0] != "#":
            value = self._inline(rest, line, rcol, path)
            self._next()
            nxt = self.cur
            if nxt is not None and nxt[1] > ind:
                raise NotSubset()  # a continued scalar, or an error
            return value
        self._next()
        nxt = self.cur
        if nxt is None or nxt[1] < ind or (nxt[1] == ind and not nxt[2]):
            raise NotSubset()  # an empty value
        if nxt[2]:
            return self._seq(nxt[1], path)
        if nxt[3] is None:
            raise NotSubset()
        return self._map(nxt[1], path)

    def _map(self, ind: int, path: PathKey) -> dict[str, Any]:
        """A block mapping whose first key is the current line's, at column ``ind``."""
        out: dict[str, Any] = {}
        cur = self.cur
        assert cur is not None
        self._doc.positions[path] = (cur[0], ind + 1)
        return self._map_rest(out, ind, path)

    def _map_rest(self, out: dict[str, Any], ind: int, path: PathKey) -> dict[str, Any]:
        key_positions = self._doc.key_positions
        while True:
            cur = self.cur
            assert cur is not None
            line, _, _, key, rest, rcol, _ = cur
            if key is None:
                raise NotSubset()
            if key not in self._keys:
                self._check_key(key)
            if key in out:
                raise NotSubset()  # a duplicate: the event reader reports it
            kpath = (*path, key)
            key_positions[kpath] = (line, ind + 1)
            if rest and rest[0] != "#":  # the value on the key's line (as _value reads it)
                out[key] = self._inline(rest, line, rcol, kpath)
                self._next()
            else:
                out[key] = self._value(rest, line, rcol, ind, kpath)
            cur = self.cur
            if cur is None or cur[1] < ind:
                return out
            if cur[1] != ind or cur[2]:
                raise NotSubset()  # deeper: a continued scalar, or an error

    def _seq(self, ind: int, path: PathKey) -> list[Any]:
        """A block sequence whose first dash is the current line's, at column ``ind``."""
        cur = self.cur
        assert cur is not None
        self._doc.positions[path] = (cur[0], ind + 1)
        out: list[Any] = []
        while True:
            out.append(self._entry(ind, (*path, len(out))))
            cur = self.cur
            if cur is None or cur[1] < ind or (cur[1] == ind and not cur[2]):
                return out
            if cur[1] != ind:
                raise NotSubset()

    def _entry(self, ind: int, path: PathKey) -> Any:
        """The sequence entry on the current line (its dash at column ``ind``); moves past it."""
        cur = self.cur
        assert cur is not None
        line, _, _, key, rest, rcol, _ = cur
        if key is not None:
            kind = cur[6]  # the key's column
            if kind <= ind:
                raise NotSubset()
            self._doc.positions[path] = (line, kind + 1)
            return self._map_rest({}, kind, path)
        if not rest or rest[0] == "#":
            raise NotSubset()  # an empty entry, or its value on the next lines
        value = self._inline(rest, line, rcol, path)
        self._next()
        nxt = self.cur
        if nxt is not None and nxt[1] > ind:
            raise NotSubset()
        return value

    # -- values on one line ------------------------------------------------------------------

    def _inline(self, rest: str, line: int, col: int, path: PathKey) -> Any:
        """The value written at column ``col`` (0-based) of ``line``: ``rest`` to its end."""
        self._doc.positions[path] = (line, col + 1)
        value = self._rests.get(rest, _MISS)  # a scalar read before
        if value is not _MISS:
            return value
        c = rest[0]
        if c == "{" or c == "[":
            return self._flow(rest, line, col, path)
        if c == '"' or c == "'":
            value, end = _quoted(rest, 0)
            if not _AFTER.fullmatch(rest, end):
                raise NotSubset()
        else:
            if c in _BLOCK_START or (c == "-" and (len(rest) == 1 or rest[1] == " ")):
                raise NotSubset()
            cut = rest.find(" #")
            text = (rest if cut < 0 else rest[:cut]).rstrip(" ")
            if ": " in text or text.endswith(":"):
                raise NotSubset()
            value = self._plain(text)
        if len(rest) <= _MAX_CACHED_LEN and len(self._rests) < _MAX_CACHED:
            self._rests[rest] = value
        return value

    def _plain(self, text: str) -> Any:
        hit = self._scalars.get(text, _MISS)
        if hit is not _MISS:
            return hit
        value = self._resolve(text)
        if len(text) <= _MAX_CACHED_LEN and len(self._scalars) < _MAX_CACHED:
            self._scalars[text] = value
        return value

    def _resolve(self, text: str) -> Any:
        """A plain scalar's value, as the event reader builds it."""
        ld = self._loader
        tag: str = ld.resolve(yaml.ScalarNode, text, (True, False))
        if tag == _STR:
            return text
        if tag.endswith((":merge", ":value")):
            raise NotSubset()
        node = yaml.ScalarNode(tag, text, _NO_MARK, _NO_MARK, None)
        builder = _Builder(Doc(self.file, None), ld, None)
        try:
            value = builder.scalar(node, ())
        except yaml.YAMLError as exc:
            raise NotSubset() from exc
        finally:
            ld.constructed_objects.pop(node, None)
        if builder.problems:
            raise NotSubset()
        return value

    def _check_key(self, key: str) -> None:
        if self._loader.resolve(yaml.ScalarNode, key, (True, False)) != _STR:
            raise NotSubset()  # a key read as a number, boolean, null or date
        if len(self._keys) < _MAX_CACHED:
            self._keys.add(key)

    def _flow(self, rest: str, line: int, col: int, path: PathKey) -> Any:
        hit = self._flows.get(rest)
        if hit is None:
            marks: list[tuple[PathKey, int, bool]] = []
            value, end = self._flow_node(rest, 0, (), marks)
            if not _AFTER.fullmatch(rest, end):
                raise NotSubset()
            hit = (value, tuple(marks))
            if len(self._flows) < _MAX_CACHED:
                self._flows[rest] = hit
        else:
            # each case its own containers (the first is the one remembered: the file's
            # values are not changed while it is read)
            value = _copy(hit[0])
        if hit[1]:
            self._doc.flows[path] = (line, col + 1, hit[1])
        return value

    def _flow_node(
        self, s: str, i: int, rel: PathKey, marks: list[tuple[PathKey, int, bool]]
    ) -> tuple[Any, int]:
        """The flow node at ``s[i]`` (no space before it), and the offset after it."""
        if rel:
            marks.append((rel, i, False))
        c = s[i : i + 1]
        if c == "[":
            out: list[Any] = []
            i = _skip(s, i + 1)
            while s[i : i + 1] != "]":
                at, erel = i, (*rel, len(out))
                value, i = self._flow_node(s, i, erel, marks)
                if s[i : i + 2] == ": " and s[at] != "[" and s[at] != "{":
                    # a single pair ("[contains: x]"): a mapping placed where its key is
                    key, _ = self._flow_scalar(s, at, is_key=True)
                    kpath = (*erel, key)
                    marks.append((kpath, at, True))
                    i = _skip(s, i + 2)
                    pair, i = self._flow_node(s, i, kpath, marks)
                    value = {key: pair}
                out.append(value)
                i = _skip(s, i)
                if s[i : i + 1] == ",":
                    i = _skip(s, i + 1)
                    if s[i : i + 1] == "]":
                        raise NotSubset()  # a trailing comma
                elif s[i : i + 1] != "]":
                    raise NotSubset()
            return out, i + 1
        if c == "{":
            mapping: dict[str, Any] = {}
            i = _skip(s, i + 1)
            while s[i : i + 1] != "}":
                kat = i
                key, i = self._flow_scalar(s, i, is_key=True)
                if s[i : i + 2] != ": " or key in mapping:
                    raise NotSubset()
                kpath = (*rel, key)
                marks.append((kpath, kat, True))
                i = _skip(s, i + 2)
                mapping[key], i = self._flow_node(s, i, kpath, marks)
                i = _skip(s, i)
                if s[i : i + 1] == ",":
                    i = _skip(s, i + 1)
                    if s[i : i + 1] == "}":
                        raise NotSubset()
                elif s[i : i + 1] != "}":
                    raise NotSubset()
            return mapping, i + 1
        value, i = self._flow_scalar(s, i, is_key=False)
        return value, i

    def _flow_scalar(self, s: str, i: int, *, is_key: bool) -> tuple[Any, int]:
        c = s[i : i + 1]
        if c == '"' or c == "'":
            value, end = _quoted(s, i)
            return value, end
        m = _FLOW_PLAIN.match(s, i)
        if m is None:
            raise NotSubset()
        text = m.group().rstrip(" ")
        if is_key:
            if text not in self._keys:
                self._check_key(text)
            return text, i + len(text)
        return self._plain(text), i + len(text)


def _skip(s: str, i: int) -> int:
    """The offset of the first character from ``i`` that is not a space."""
    while s[i : i + 1] == " ":
        i += 1
    return i


_ASCII_OK = bytes(range(0x20, 0x7F)) + b"\n"


def _printable(text: str) -> bool:
    """Whether the text holds none of :data:`_ODD` (quickly for ASCII text, and for text
    Python finds printable: a subset of what YAML does, without its line breaks)."""
    if text.isascii():
        return not text.encode("ascii").translate(None, _ASCII_OK)
    return text.replace("\n", "").isprintable() or not _ODD.search(text)


def _quoted(s: str, i: int) -> tuple[str, int]:
    """The quoted scalar at ``s[i]`` on one line, and the offset after it."""
    if s[i] == "'":
        m = _SQ.match(s, i)
        if m is None:
            raise NotSubset()  # not closed on its line
        return m.group(1).replace("''", "'"), m.end()
    m = _DQ.match(s, i)
    if m is None:
        raise NotSubset()
    inner = m.group(1)
    if "\\" in inner:
        if not _JSON_ESCAPES.fullmatch(inner):
            raise NotSubset()
        try:
            inner = json.loads(f'"{inner}"')
        except ValueError as exc:
            raise NotSubset() from exc
    return inner, m.end()


def _copy(value: Any) -> Any:
    """A fresh copy of a flow value (its containers; scalars are immutable)."""
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_copy(v) for v in value]
    return value
