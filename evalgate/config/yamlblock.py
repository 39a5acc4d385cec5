"""The line reader under :class:`~evalgate.config.yamlfast.FastStream`: block YAML read line
by line with compiled regular expressions, into a :class:`FlowDoc`.

:class:`BlockReader` reads block mappings and sequences (two-space or any consistent indent)
and the values written on one line: plain, single- and double-quoted scalars and one-line
flow mappings and sequences (read by :class:`~evalgate.config.yamlflow.ValueReader`), and
skips blank lines and comments. Anything else raises :class:`NotSubset`: so does a text with
a character outside the subset anywhere (:func:`_printable`), so does every problem (a
duplicate key, an empty value, a continued scalar, an odd indent), which the event reader
reports instead.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

from evalgate.config.yamlflow import (
    AFTER,
    MAX_CACHED,
    MAX_CACHED_LEN,
    MISS,
    NotSubset,
    ValueReader,
    quoted,
)
from evalgate.config.yamlshape import LINE as _LINE
from evalgate.config.yamlshape import Shape
from evalgate.config.yamlsrc import Doc, PathKey

# characters that make a file leave the subset wherever they are: tabs, carriage returns and
# YAML's other line breaks, a byte order mark, what the YAML reader refuses as unprintable
_ODD = re.compile(
    "[\t\r\x85\u2028\u2029\ufeff]|[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_BLOCK_START = frozenset("{}[]#&*!|>'\"%@`?:,")  # first characters of a value not read here


# a line with content: its number, indent, whether it starts with a dash, its key (None
# without one), the rest after the key (or dash) and its column, the key's column (0-based)
_Line = tuple[int, int, bool, str | None, str, int, int]


_Marks = tuple[tuple[PathKey, int, bool], ...]  # path below a flow, offset, whether a key


class FlowDoc(Doc):
    """A :class:`Doc` whose positions inside one-line flow collections are filled in when a
    position below one is first asked for (most are never asked for)."""

    def __init__(self, file: str, data: Any) -> None:
        super().__init__(file, data)
        self.flows: dict[PathKey, tuple[int, int, _Marks]] = {}  # path -> line, column, marks
        # an item read in a learnt layout: its path, the shape and its values' texts
        self.source: tuple[PathKey, Shape, tuple[str, ...]] | None = None

    def value_key(self, path: PathKey) -> Hashable | None:
        """For a key of an item read in a learnt layout: the shape and the texts of the
        values written below the key (equal texts in one layout are read as equal values)."""
        source = self.source
        if source is None or len(path) != len(source[0]) + 1 or path[:-1] != source[0]:
            return None
        _, shape, texts = source
        at = shape.under.get(path[-1])
        if at is None:
            return None
        return (shape, path[-1], *[texts[j] for j in at])

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


class BlockReader(ValueReader):
    """Block nodes and the values on their lines, read from ``text`` line by line: the
    reader's place is the current line with content (:attr:`cur`), positions are written to
    the current :class:`FlowDoc` (``_doc``) as they are read."""

    def __init__(self, text: str, file: str) -> None:
        if not _printable(text):
            raise NotSubset()
        super().__init__(file)
        self._text = text
        self._at = 0  # offset of the next line
        self._cur_at = 0  # offset of the current line
        self._cur_end = 0  # offset of the end of the current line
        self._last_end = 0  # ... and of the line with content before it
        self._lineno = 0  # number (1-based) of the current line
        self.cur: _Line | None = None
        self._rests: dict[str, Any] = {}  # a scalar with what follows it on its line -> value
        self._flows: dict[str, tuple[Any, tuple[tuple[PathKey, int, bool], ...]]] = {}
        self._doc = FlowDoc(file, None)
        self._next()

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
            key = self._key(key)
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
        value = self._rests.get(rest, MISS)  # a scalar read before
        if value is not MISS:
            return value
        c = rest[0]
        if c == "{" or c == "[":
            return self._flow(rest, line, col, path)
        if c == '"' or c == "'":
            value, end = quoted(rest, 0)
            if not AFTER.fullmatch(rest, end):
                raise NotSubset()
        else:
            if c in _BLOCK_START or (c == "-" and (len(rest) == 1 or rest[1] == " ")):
                raise NotSubset()
            cut = rest.find(" #")
            text = (rest if cut < 0 else rest[:cut]).rstrip(" ")
            if ": " in text or text.endswith(":"):
                raise NotSubset()
            value = self._plain(text)
        if len(rest) <= MAX_CACHED_LEN and len(self._rests) < MAX_CACHED:
            self._rests[rest] = value
        return value

    def _flow(self, rest: str, line: int, col: int, path: PathKey) -> Any:
        hit = self._flows.get(rest)
        if hit is None and rest[0] == "{":
            m = _ONE_PAIR.match(rest)  # one key and a double-quoted text: common, and unique
            if m is not None and AFTER.fullmatch(rest, m.end()):
                key = self._key(m.group(1))
                kpath = (key,)
                self._doc.flows[path] = (
                    line,
                    col + 1,
                    ((kpath, m.start(1), True), (kpath, m.start(2) - 1, False)),
                )
                return {key: m.group(2)}
        if hit is None:
            marks: list[tuple[PathKey, int, bool]] = []
            value, end = self._flow_node(rest, 0, (), marks)
            if not AFTER.fullmatch(rest, end):
                raise NotSubset()
            hit = (value, tuple(marks))
            # quoted text (a message) rarely repeats: remembering it would only churn memory
            if len(self._flows) < MAX_CACHED and '"' not in rest and "'" not in rest:
                self._flows[rest] = hit
        else:
            # the value read before, itself: the file's values are not changed while it is
            # read, and what a case holds as it was read the case builder copies
            # (:func:`evalgate.config.casebuild.held`)
            value = hit[0]
        if hit[1]:
            self._doc.flows[path] = (line, col + 1, hit[1])
        return value


# a flow mapping of one plain key and a double-quoted value without escapes, read as
# ``ValueReader._flow_node`` reads it
_ONE_PAIR = re.compile(r'\{ *([A-Za-z_][A-Za-z0-9_]*): +"([^"\\]*)" *\}')
_ASCII_OK = bytes(range(0x20, 0x7F)) + b"\n"


def _printable(text: str) -> bool:
    """Whether the text holds none of :data:`_ODD` (quickly for ASCII text, and for text
    Python finds printable: a subset of what YAML does, without its line breaks)."""
    if text.isascii():
        return not text.encode("ascii").translate(None, _ASCII_OK)
    return text.replace("\n", "").isprintable() or not _ODD.search(text)
