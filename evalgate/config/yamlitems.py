"""Plain YAML values built straight from parser events, as the whole-document parse builds them.

Composing a node for every value and then walking the nodes was most of the cost of reading a
large golden file. :class:`PlainBuilder` builds the value, its positions and its problems
(duplicate keys, keys that are not strings, numbers that cannot be used) as it reads the
events of one *plain* item (no anchor, alias or tag) from the parser. Anything else it meets
(an anchor, alias or tag, a merge key ``<<``, a key that is not a scalar, a scalar it cannot
construct) raises :class:`NotPlain`; the caller reads the rest of the item's events, composes
its nodes and builds them with :class:`~evalgate.config.yamlsrc._Builder`, which gives the
same result for every item (``tests/config/test_golden_streaming.py``).

Equal plain scalars are resolved and constructed once per file (most keys and many values
repeat in every case) and the same string object is shared by every case that has it.
"""

from __future__ import annotations

from typing import Any

import yaml

from evalgate.config.yamlsrc import _UNREADABLE, Doc, PathKey, _Builder
from evalgate.errors import Problem

_STR = "tag:yaml.org,2002:str"
_SPECIAL = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})
_KEY_TYPES = (str, int, float, bool)
_MAX_CACHED = 20_000  # distinct scalars remembered per file (and table): memory stays flat
_MAX_CACHED_LEN = 200  # longer scalars are rarely repeated


class NotPlain(Exception):
    """The item needs the node path."""


_SCALAR, _ALIAS = yaml.ScalarEvent, yaml.AliasEvent
_MAP_START, _MAP_END = yaml.MappingStartEvent, yaml.MappingEndEvent
_SEQ_START, _SEQ_END = yaml.SequenceStartEvent, yaml.SequenceEndEvent


_MISS = object()


class PlainBuilder:
    """Builds plain items of one document (see the module's docstring)."""

    def __init__(self, loader: Any, file: str) -> None:
        self.loader = loader
        self.file = file
        resolvers = loader.yaml_implicit_resolvers
        # first characters for which a plain scalar may be something other than a string
        self._maybe_typed: frozenset[str] | None = (
            None if None in resolvers else frozenset(k for k in resolvers if k)
        )
        self._values: dict[str, Any] = {}  # plain scalar text -> its value
        self._keys: dict[str, Any] = {}  # plain scalar text -> its value as a key
        self._strings: dict[str, str] = {}  # one object per equal quoted string
        self.events: list[Any] = []  # the events :meth:`read` took from the parser

    def read(self, doc: Doc, path: PathKey) -> tuple[Any, list[Problem]]:
        """The value of the next node at ``path``, recording positions in ``doc``, and its
        problems, taking the node's events from the parser as it goes (each is kept in
        :attr:`events`). Raises :class:`NotPlain` at the first anchor, alias or tag, or at
        what only the node path reads (a merge key, a complex key, a scalar it cannot
        construct); the rest of the node's events are then still to be read."""
        self.events = []
        self._append = self.events.append
        self._get = self.loader.get_event
        b = _Builder(doc, self.loader, None)
        self._b = b
        self._doc = doc
        ev = self._get()
        self._append(ev)
        return self._read_node(ev, path), b.problems

    def _read_node(self, ev: Any, path: PathKey) -> Any:
        kind = type(ev)
        if kind is _ALIAS or ev.anchor is not None or ev.tag is not None:
            raise NotPlain()
        m = ev.start_mark
        self._doc.positions[path] = (m.line + 1, m.column + 1)
        if kind is _SCALAR:
            return self._scalar(ev, path)
        if kind is _SEQ_START:
            get, append = self._get, self._append
            out: list[Any] = []
            while type(ev := get()) is not _SEQ_END:
                append(ev)
                out.append(self._read_node(ev, (*path, len(out))))
            append(ev)
            return out
        if kind is not _MAP_START:
            raise NotPlain()
        return self._read_mapping(path)

    def _read_mapping(self, path: PathKey) -> dict[str, Any]:
        get, append = self._get, self._append
        out: dict[str, Any] = {}
        positions, key_positions = self._doc.positions, self._doc.key_positions
        keys, values = self._keys, self._values
        while type(kev := get()) is not _MAP_END:
            append(kev)
            if type(kev) is not _SCALAR or kev.anchor is not None or kev.tag is not None:
                raise NotPlain()  # a complex key, or one the node path reads
            key = keys.get(kev.value, _MISS) if kev.implicit[0] else _MISS
            if key is _MISS:
                key = self._key(kev)
            km: Any = kev.start_mark
            if type(key) is str:
                skey = key
            elif key is _UNREADABLE:
                self._read_skip()
                continue
            elif not isinstance(key, _KEY_TYPES) or key is None:
                self._b.problems.append(
                    Problem(self.file, km.line + 1, km.column + 1, "keys must be strings")
                )
                self._read_skip()
                continue
            else:
                skey = ("true" if key else "false") if isinstance(key, bool) else str(key)
            kpath = (*path, skey)
            if skey in out:
                self._b.problems.append(
                    Problem(
                        self.file,
                        km.line + 1,
                        km.column + 1,
                        f"duplicate key '{skey}' (the later value would silently win; remove one)",
                    )
                )
            key_positions[kpath] = (km.line + 1, km.column + 1)
            vev = get()
            append(vev)
            if type(vev) is _SCALAR and vev.anchor is None and vev.tag is None:
                vm: Any = vev.start_mark  # most values: no call for the position and the value
                positions[kpath] = (vm.line + 1, vm.column + 1)
                value = values.get(vev.value, _MISS) if vev.implicit[0] else _MISS
                out[skey] = self._scalar(vev, kpath) if value is _MISS else value
            else:
                out[skey] = self._read_node(vev, kpath)
        append(kev)
        return out

    def _read_skip(self) -> None:
        """Read past the next node (a value whose key was refused), still plain only."""
        depth = 0
        while True:
            ev = self._get()
            self._append(ev)
            kind = type(ev)
            if kind is _MAP_END or kind is _SEQ_END:
                depth -= 1
            elif kind is _ALIAS or ev.anchor is not None or ev.tag is not None:
                raise NotPlain()
            elif kind is _MAP_START or kind is _SEQ_START:
                depth += 1
            if depth == 0:
                return

    def _tag(self, ev: Any) -> str:
        """The scalar's resolved tag (plain: by its text; quoted or block: a string)."""
        if not ev.implicit[0]:
            return _STR
        value: str = ev.value
        if self._maybe_typed is not None and value and value[0] not in self._maybe_typed:
            return _STR
        tag: str = self.loader.resolve(yaml.ScalarNode, value, ev.implicit)
        if tag in _SPECIAL:
            raise NotPlain()  # '<<' and '=': the composer's flattening handles them
        return tag

    def _scalar(self, ev: Any, path: PathKey) -> Any:
        value: str = ev.value
        plain = ev.implicit[0]
        if plain:
            hit = self._values.get(value, _MISS)
            if hit is not _MISS:
                return hit
        tag = self._tag(ev)
        if tag == _STR:
            strings = self._strings
            if len(value) <= 64 and len(strings) < _MAX_CACHED:
                out: Any = strings.setdefault(value, value)
            else:
                out = strings.get(value, value)
        else:
            before = len(self._b.problems)
            out = self._construct(lambda node: self._b.scalar(node, path), ev, tag)
            if len(self._b.problems) != before:
                return out  # a problem is located: not remembered
        if plain and len(value) <= _MAX_CACHED_LEN and len(self._values) < _MAX_CACHED:
            self._values[value] = out
        return out

    def _key(self, ev: Any) -> Any:
        value: str = ev.value
        plain = ev.implicit[0]
        if plain:
            hit = self._keys.get(value, _MISS)
            if hit is not _MISS:
                return hit
        tag = self._tag(ev)
        if tag == _STR:
            out: Any = value
        else:
            before = len(self._b.problems)
            out = self._construct(self._b.construct, ev, tag)
            if len(self._b.problems) != before or out is _UNREADABLE:
                return out
        if plain and len(value) <= _MAX_CACHED_LEN and len(self._keys) < _MAX_CACHED:
            self._keys[value] = out
        return out

    def _construct(self, fn: Any, ev: Any, tag: str) -> Any:
        node = yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, ev.style)
        try:
            return fn(node)
        except yaml.YAMLError as exc:
            raise NotPlain() from exc  # the node path meets it again, where it is reported
        finally:
            self.loader.constructed_objects.pop(node, None)
            self.loader.recursive_objects.pop(node, None)
