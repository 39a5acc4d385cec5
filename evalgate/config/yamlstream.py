"""Read one list of a large YAML mapping an item at a time, with the same positions.

A golden file is a small mapping whose ``cases`` list can hold 100,000 items. Composing the
whole document first holds every node (and a position for every value) at once;
:class:`ItemStream` instead reads the top-level keys and then each item of the list on its
own, from PyYAML's events (libyaml's parser when available), so only one item is alive at a
time. A plain item (no anchor, alias, tag or merge key: nearly all of them) is built straight
from its events (:mod:`evalgate.config.yamlitems`); any other is composed into nodes and
built as the whole-document parse builds it. Anchored nodes are kept for the aliases that
follow, and each alias adds its anchor's size to the document's :class:`AliasCount`, so an
alias bomb is refused before anything is expanded.

Results are the whole-document parse's: the same data, positions, problems and messages
(``tests/config/test_golden_streaming.py`` compares both). A YAML syntax error is reported
from here, as the whole-document parse would report it. A few layouts still raise
:class:`Fallback`, and the caller parses the whole document: an empty file or one that is not
a mapping, keys after the list, the list key repeated, the list or the whole document
anchored, a merge key at the top level, a second document, a recursive alias, a scalar that
cannot be constructed (an unknown tag), more alias values than the limit, nesting too deep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import yaml

from evalgate.config.yamlitems import NotPlain, PlainBuilder
from evalgate.config.yamlsrc import (
    AliasCount,
    Doc,
    PathKey,
    _Builder,
    _Loader,
    _TooBig,
    yaml_problem,
)
from evalgate.errors import Problem

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAP_START, _SEQ_START = yaml.MappingStartEvent, yaml.SequenceStartEvent
_MAP_END, _SEQ_END = yaml.MappingEndEvent, yaml.SequenceEndEvent
_ALIAS = yaml.AliasEvent


class Fallback(Exception):
    """The document needs the whole-document parse (see the module's docstring)."""


class YamlFailure(Exception):
    """The document is not valid YAML: the one problem the whole-document parse reports."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class ItemStream:
    """A YAML mapping whose ``key`` list is read item by item.

    Call :meth:`head` first (the mapping with that list left empty), then iterate
    :meth:`items` to the end: the end of the document is checked only then, so nothing
    built from the items may be trusted before the iteration has finished without
    :class:`Fallback` or :class:`YamlFailure`.
    """

    def __init__(self, text: str | bytes, file: str, key: str) -> None:
        self.file = file
        self.key = key
        # Any: the stubs leave the event API untyped and type C marks apart from Python ones
        self._loader: Any = _Loader(text)
        self._key_seen = False
        self._seq_open = False  # the list's items come next
        self._top: Doc | None = None
        self._anchors: dict[str, tuple[yaml.Node, int]] = {}  # name -> (node, expanded size)
        self._open: set[str] = set()  # anchors whose node is being composed
        self._aliases = AliasCount()
        self._plain = PlainBuilder(self._loader, file)

    def close(self) -> None:
        self._loader.dispose()

    def head(self) -> tuple[Doc, list[Problem]]:
        """The top-level mapping (the list as ``[]``) and the YAML problems found in it."""
        try:
            return self._head()
        except (yaml.YAMLError, RecursionError) as exc:
            raise _failure(exc, self.file) from exc

    def _head(self) -> tuple[Doc, list[Problem]]:
        ld = self._loader
        ld.get_event()  # stream start
        if ld.check_event(yaml.StreamEndEvent):
            raise Fallback()  # empty file
        ld.get_event()  # document start
        if not ld.check_event(yaml.MappingStartEvent):
            raise Fallback()  # not a mapping: the whole-document path says so
        start = ld.get_event()
        self._check_anchor(start, set())
        if start.anchor is not None:
            raise Fallback()  # the whole document anchored: only the whole parse has it
        top = yaml.MappingNode(
            self._tag(start, yaml.MappingNode), [], start.start_mark, None, flow_style=None
        )
        while not ld.check_event(yaml.MappingEndEvent):
            knode = self._compose(self._collect()[0])
            if knode.tag == _MERGE_TAG:
                raise Fallback()
            if self._is_key(knode) and ld.check_event(yaml.SequenceStartEvent):
                ev = ld.get_event()
                self._check_anchor(ev, set())
                if ev.anchor is not None:
                    raise Fallback()  # the list anchored: an alias would need all of it
                seq = yaml.SequenceNode(
                    self._tag(ev, yaml.SequenceNode), [], ev.start_mark, ev.start_mark
                )
                top.value.append((knode, seq))
                self._seq_open = True
                break
            top.value.append((knode, self._compose(self._collect()[0])))
        doc = Doc(self.file, None)
        builder = _Builder(doc, ld, None)
        doc.data = self._build(lambda: builder.build(top, ()))
        self._drop_constructed()
        self._top = doc
        return doc, builder.problems

    def items(self) -> Iterator[tuple[int, Doc, list[Problem]]]:
        """Each item of the list: its index, a Doc holding its value (positions keyed by the
        full path, with the list's and the document's own), and its YAML problems."""
        try:
            yield from self._items()
        except (yaml.YAMLError, RecursionError) as exc:
            raise _failure(exc, self.file) from exc

    def _items(self) -> Iterator[tuple[int, Doc, list[Problem]]]:
        top = self._top
        if top is None:
            raise RuntimeError("call head() first")
        ld = self._loader
        base: PathKey = (self.key,)
        if self._seq_open:
            i = 0
            while not ld.check_event(yaml.SequenceEndEvent):
                doc = Doc(self.file, None)
                for p in ((), base):
                    if p in top.positions:
                        doc.positions[p] = top.positions[p]
                if base in top.key_positions:
                    doc.key_positions[base] = top.key_positions[base]
                yield i, doc, self._item(doc, (*base, i))
                i += 1
            ld.get_event()
            if not ld.check_event(yaml.MappingEndEvent):
                raise Fallback()  # keys after the list: they may change how items are read
        ld.get_event()  # mapping end
        ld.get_event()  # document end
        if not ld.check_event(yaml.StreamEndEvent):
            raise Fallback()  # a second document: the whole-document path reports it

    def _item(self, doc: Doc, path: PathKey) -> list[Problem]:
        """Read and build the next item into ``doc``; its problems.

        A plain item is built as its events are read; at the first sign that it is not plain
        the rest of its events are read as :meth:`_collect` reads them, and the item is
        composed into nodes and built from them."""
        try:
            doc.data, problems = self._plain.read(doc, path)
            return problems
        except (NotPlain, RecursionError):
            events = self._rest(self._plain.events)
            doc.positions = {p: v for p, v in doc.positions.items() if len(p) < len(path)}
            doc.key_positions = {p: v for p, v in doc.key_positions.items() if len(p) < len(path)}
        node = self._compose(events)
        builder = _Builder(doc, self._loader, None)
        doc.data = self._build(lambda: builder.build(node, path))
        self._drop_constructed()
        return builder.problems

    def _build(self, build: Callable[[], Any]) -> Any:
        # a scalar that cannot be constructed raises here, where the whole-document parse
        # would first read the rest of the document: that parse says which error comes first
        try:
            return build()
        except (yaml.YAMLError, RecursionError) as exc:
            raise Fallback() from exc

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

    def _tag(self, ev: Any, kind: type[yaml.Node]) -> str:
        tag: str | None = ev.tag
        if tag is None or tag == "!":
            value = ev.value if kind is yaml.ScalarNode else None
            resolved: str = self._loader.resolve(kind, value, ev.implicit)
            return resolved
        return tag

    def _collect(self) -> tuple[list[Any], bool]:
        """The events of the next node, and whether it is plain (no anchor, alias or tag).
        Anchors and aliases are checked as they come, so their errors come in the order the
        whole-document parse meets them."""
        get = self._loader.get_event
        local: set[str] = set()
        ev = get()
        events = [ev]
        plain = ev.anchor is None and ev.tag is None if type(ev) is not _ALIAS else False
        self._check_anchor(ev, local)
        kind = type(ev)
        if kind is _MAP_START or kind is _SEQ_START:
            depth = 1
            while depth:
                ev = get()
                events.append(ev)
                kind = type(ev)
                if kind is _MAP_END or kind is _SEQ_END:
                    depth -= 1
                    continue
                if kind is _MAP_START or kind is _SEQ_START:
                    depth += 1
                if ev.anchor is not None:
                    plain = False
                    self._check_anchor(ev, local)
                elif kind is not _ALIAS and ev.tag is not None:
                    plain = False
        return events, plain

    def _rest(self, events: list[Any]) -> list[Any]:
        """``events``, the start of a node read so far, with the rest of the node's events:
        anchors and aliases checked in document order, as :meth:`_collect` checks them."""
        local: set[str] = set()
        depth = 0
        for ev in events:
            kind = type(ev)
            if kind is _MAP_END or kind is _SEQ_END:
                depth -= 1
                continue
            if kind is _MAP_START or kind is _SEQ_START:
                depth += 1
            self._check_anchor(ev, local)
        get = self._loader.get_event
        while depth:
            ev = get()
            events.append(ev)
            kind = type(ev)
            if kind is _MAP_END or kind is _SEQ_END:
                depth -= 1
                continue
            if kind is _MAP_START or kind is _SEQ_START:
                depth += 1
            self._check_anchor(ev, local)
        return events

    def _check_anchor(self, ev: Any, local: set[str]) -> None:
        name = ev.anchor
        if name is None:
            return
        if isinstance(ev, yaml.AliasEvent):
            if name not in self._anchors and name not in local:
                mark: Any = ev.start_mark
                what = "found undefined alias"  # libyaml's composer's words; PyYAML's name it
                if isinstance(self._loader, yaml.composer.Composer):
                    what += f" {name!r}"
                raise yaml.composer.ComposerError(None, None, what, mark)
            return
        if name in self._anchors or name in local:
            first = self._anchors[name][0].start_mark if name in self._anchors else None
            raise yaml.composer.ComposerError(
                "found duplicate anchor; first occurrence",
                first,
                "second occurrence",
                ev.start_mark,
            )
        local.add(name)

    def _compose(self, events: list[Any]) -> yaml.Node:
        """The node of ``events`` (one whole node), registering its anchors."""
        node, _, _ = self._node(events, 0)
        return node

    def _node(self, events: list[Any], i: int) -> tuple[yaml.Node, int, int]:
        """The node starting at ``events[i]``, as PyYAML's composer builds it, its expanded
        size and the index after it."""
        ev: Any = events[i]
        start: Any = ev.start_mark  # libyaml's marks (typed apart from PyYAML's)
        if isinstance(ev, yaml.AliasEvent):
            if ev.anchor in self._open:
                raise Fallback()  # recursive: the whole-document path says what it makes of it
            node, size = self._anchors[str(ev.anchor)]
            self._alias(size)
            return node, size, i + 1
        anchor: str | None = ev.anchor
        if anchor is not None:
            self._open.add(anchor)
        size = 1
        i += 1
        if isinstance(ev, yaml.ScalarEvent):
            end: Any = ev.end_mark
            node = yaml.ScalarNode(self._tag(ev, yaml.ScalarNode), ev.value, start, end, ev.style)
        elif isinstance(ev, yaml.SequenceStartEvent):
            node = yaml.SequenceNode(self._tag(ev, yaml.SequenceNode), [], start, None)
            while not isinstance(events[i], yaml.SequenceEndEvent):
                item, n, i = self._node(events, i)
                node.value.append(item)
                size += n
        else:
            node = yaml.MappingNode(self._tag(ev, yaml.MappingNode), [], start, None)
            while not isinstance(events[i], yaml.MappingEndEvent):
                k, kn, i = self._node(events, i)
                v, vn, i = self._node(events, i)
                node.value.append((k, v))
                size += kn + vn
        if not isinstance(ev, yaml.ScalarEvent):
            node.end_mark = events[i].end_mark
            i += 1
        if anchor is not None:
            self._open.discard(anchor)
            self._anchors[anchor] = (node, size)
        return node, size, i

    def _alias(self, size: int) -> None:
        try:
            self._aliases.alias(size)
        except _TooBig as exc:
            raise Fallback() from exc  # the whole-document parse refuses it with its message


def _failure(exc: yaml.YAMLError | RecursionError, file: str) -> Exception:
    """What a YAML error met while reading events becomes (too deep: the whole parse)."""
    if isinstance(exc, yaml.YAMLError):
        return YamlFailure(yaml_problem(exc, file))
    return Fallback()
