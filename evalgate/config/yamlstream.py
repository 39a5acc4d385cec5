"""Read one list of a large YAML mapping an item at a time, with the same positions.

A golden file is a small mapping whose ``cases`` list can hold tens of thousands of items.
Composing the whole document first holds every node (and a position for every value) at
once; :class:`ItemStream` instead composes the top-level keys normally and then each item
of the list on its own, from PyYAML's events, so only one item's nodes are alive at a time.

It handles the plain layout only. Anything else — anchors or aliases (which may point across
items and are what the expansion guard is about), the list key repeated or followed by other
keys, a merge key at the top, more values than the document limit, any YAML error, very deep
nesting — raises :class:`Fallback`, and the caller parses the whole document as before, which
gives the very same data, positions and messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from evalgate.config.yamlsrc import MAX_NODES, Doc, PathKey, _Builder, _Loader
from evalgate.errors import Problem

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class Fallback(Exception):
    """The document needs the whole-document parse (see the module's docstring)."""


class ItemStream:
    """A YAML mapping whose ``key`` list is read item by item.

    Call :meth:`head` first (the mapping with that list left empty), then iterate
    :meth:`items` to the end: the end of the document is checked only then, so nothing
    built from the items may be trusted before the iteration has finished without
    :class:`Fallback`.
    """

    def __init__(self, text: str, file: str, key: str) -> None:
        self.file = file
        self.key = key
        # Any: the stubs leave the event API untyped and type C marks apart from Python ones
        self._loader: Any = _Loader(text)
        self._count = 0
        self._key_seen = False
        self._seq_open = False  # the list's items come next
        self._top: Doc | None = None

    def close(self) -> None:
        self._loader.dispose()

    def head(self) -> tuple[Doc, list[Problem]]:
        """The top-level mapping (the list as ``[]``) and the YAML problems found in it."""
        try:
            return self._head()
        except (yaml.YAMLError, RecursionError) as exc:
            raise Fallback() from exc

    def _head(self) -> tuple[Doc, list[Problem]]:
        ld = self._loader
        ld.get_event()  # stream start
        if ld.check_event(yaml.StreamEndEvent):
            raise Fallback()  # empty file
        ld.get_event()  # document start
        if not ld.check_event(yaml.MappingStartEvent):
            raise Fallback()  # not a mapping: the whole-document path says so
        start = ld.get_event()
        self._node_event(start)
        top = yaml.MappingNode(
            self._tag(start, yaml.MappingNode), [], start.start_mark, None, flow_style=None
        )
        while not ld.check_event(yaml.MappingEndEvent):
            knode = self._compose()
            if knode.tag == _MERGE_TAG:
                raise Fallback()
            if self._is_key(knode) and ld.check_event(yaml.SequenceStartEvent):
                ev = ld.get_event()
                self._node_event(ev)
                seq = yaml.SequenceNode(
                    self._tag(ev, yaml.SequenceNode), [], ev.start_mark, ev.start_mark
                )
                top.value.append((knode, seq))
                self._seq_open = True
                break
            top.value.append((knode, self._compose()))
        doc = Doc(self.file, None)
        builder = _Builder(doc, ld, None)
        doc.data = builder.build(top, ())
        self._drop_constructed()
        self._top = doc
        return doc, builder.problems

    def items(self) -> Iterator[tuple[int, Doc, list[Problem]]]:
        """Each item of the list: its index, a Doc holding its value (positions keyed by the
        full path, with the list's and the document's own), and its YAML problems."""
        try:
            yield from self._items()
        except (yaml.YAMLError, RecursionError) as exc:
            raise Fallback() from exc

    def _items(self) -> Iterator[tuple[int, Doc, list[Problem]]]:
        top = self._top
        if top is None:
            raise RuntimeError("call head() first")
        ld = self._loader
        base: PathKey = (self.key,)
        if self._seq_open:
            i = 0
            while not ld.check_event(yaml.SequenceEndEvent):
                node = self._compose()
                doc = Doc(self.file, None)
                for p in ((), base):
                    if p in top.positions:
                        doc.positions[p] = top.positions[p]
                if base in top.key_positions:
                    doc.key_positions[base] = top.key_positions[base]
                builder = _Builder(doc, ld, None)
                doc.data = builder.build(node, (*base, i))
                self._drop_constructed()
                yield i, doc, builder.problems
                i += 1
            ld.get_event()
            if not ld.check_event(yaml.MappingEndEvent):
                raise Fallback()  # keys after the list: they may change how items are read
        ld.get_event()  # mapping end
        ld.get_event()  # document end
        if not ld.check_event(yaml.StreamEndEvent):
            raise Fallback()  # a second document: the whole-document path reports it

    def _is_key(self, knode: yaml.Node) -> bool:
        if not (isinstance(knode, yaml.ScalarNode) and knode.tag == _STR_TAG):
            return False
        if knode.value != self.key:
            return False
        if self._key_seen:
            raise Fallback()  # the list key twice: the later one would win
        self._key_seen = True
        return True

    def _drop_constructed(self) -> None:
        # the constructor caches every node it built; keeping that cache would keep the nodes
        self._loader.constructed_objects.clear()
        self._loader.recursive_objects.clear()

    def _node_event(self, ev: Any) -> None:
        if isinstance(ev, yaml.AliasEvent) or ev.anchor is not None:
            raise Fallback()
        self._count += 1
        if self._count > MAX_NODES:
            raise Fallback()

    def _tag(self, ev: Any, kind: type[yaml.Node]) -> str:
        tag: str | None = ev.tag
        if tag is None or tag == "!":
            value = ev.value if kind is yaml.ScalarNode else None
            resolved: str = self._loader.resolve(kind, value, ev.implicit)
            return resolved
        return tag

    def _compose(self) -> yaml.Node:
        """One node from the events, as PyYAML's composer builds it (no anchors)."""
        ld = self._loader
        ev = ld.get_event()
        self._node_event(ev)
        start: Any = ev.start_mark  # libyaml's marks (typed apart from PyYAML's)
        end: Any = ev.end_mark
        if isinstance(ev, yaml.ScalarEvent):
            return yaml.ScalarNode(self._tag(ev, yaml.ScalarNode), ev.value, start, end, ev.style)
        if isinstance(ev, yaml.SequenceStartEvent):
            seq = yaml.SequenceNode(self._tag(ev, yaml.SequenceNode), [], start, None)
            while not ld.check_event(yaml.SequenceEndEvent):
                seq.value.append(self._compose())
            seq.end_mark = ld.get_event().end_mark
            return seq
        if isinstance(ev, yaml.MappingStartEvent):
            mapping = yaml.MappingNode(self._tag(ev, yaml.MappingNode), [], start, None)
            while not ld.check_event(yaml.MappingEndEvent):
                k = self._compose()
                mapping.value.append((k, self._compose()))
            mapping.end_mark = ld.get_event().end_mark
            return mapping
        raise Fallback()  # an unexpected event: let the whole-document parse explain it
