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
returns, a byte order mark. The lines are read by :class:`~evalgate.config.yamlblock.BlockReader`;
an item laid out like one read before is read in one match of its learnt layout
(:mod:`evalgate.config.yamlshape`). ``tests/config/test_yaml_fast.py`` checks the results
against the event reader.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from evalgate.config.yamlblock import BlockReader
from evalgate.config.yamlblock import FlowDoc as FlowDoc
from evalgate.config.yamlflow import NotSubset as NotSubset
from evalgate.config.yamlshape import Shape, learn
from evalgate.config.yamlsrc import Doc, PathKey
from evalgate.errors import Problem


class FastStream(BlockReader):
    """A golden document's top-level mapping, whose ``key`` list is read item by item: the
    interface of :class:`~evalgate.config.yamlstream.ItemStream` (:meth:`head`, then
    :meth:`items` to the end; nothing may be trusted before the iteration has finished
    without :class:`NotSubset`). It reports no problems: a document with one is not in the
    subset."""

    def __init__(self, text: str, file: str, key: str) -> None:
        super().__init__(text, file)
        self.key = key
        self._shapes: list[Shape] = []  # layouts of items read before (most recent first)
        self._learnt = 0  # shapes learnt, and items read with one
        self._replayed = 0
        self._top: FlowDoc | None = None

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
            key = self._key(key)
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
        texts = m.groups()
        try:
            values = [
                inline(rest, first + k, col, path + rel)
                for (k, col, rel), rest in zip(shape.values, texts, strict=True)
            ]
        except NotSubset:
            return None  # the line reader reads it (and says whether it can)
        positions, key_positions = doc.positions, doc.key_positions
        for rel, k, col in shape.positions:
            positions[path + rel] = (first + k, col)
        for rel, k, col in shape.key_positions:
            key_positions[path + rel] = (first + k, col)
        doc.data = shape.build(values)
        doc.source = (path, shape, texts)
        self._replayed += 1
        self._at = m.end()
        self._lineno = first + shape.lines - 1
        self._next()
        return doc
