"""Parts of a JSON document built when read, so a large one is never held whole.

A run's ``summary.json`` has an entry per case (``cases``) and, when gated, a delta per case
(``verdict.deltas``). :class:`LazyMap` and :class:`LazyList` stand for those parts: each
entry is built from the typed record it comes from when it is read (or written, by
:func:`evalgate.fsutil.atomic_write_wide_json`, an entry at a time), and dropped after.
:func:`plain` turns a document with such parts into plain dicts and lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload


class LazyMap(Mapping[str, Any]):
    """``{key: build(value)}`` for ``source``'s items, each value built when read."""

    __slots__ = ("_build", "_source")

    def __init__(self, source: Mapping[str, Any], build: Callable[[Any], Any]) -> None:
        self._source = source
        self._build = build

    def __getitem__(self, key: str) -> Any:
        return self._build(self._source[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._source)

    def __len__(self) -> int:
        return len(self._source)

    def __contains__(self, key: object) -> bool:
        return key in self._source

    def entries(self) -> Iterator[tuple[str, Any]]:
        """The items, each value built as it is taken (one lookup per key fewer than items)."""
        build = self._build
        for k, v in self._source.items():
            yield k, build(v)

    def __repr__(self) -> str:
        return f"LazyMap({len(self)} entries)"


class LazyList(Sequence[Any]):
    """``[build(item) for item in source]``, each item built when read."""

    __slots__ = ("_build", "_source")

    def __init__(self, source: Sequence[Any], build: Callable[[Any], Any]) -> None:
        self._source = source
        self._build = build

    @overload
    def __getitem__(self, i: int) -> Any: ...
    @overload
    def __getitem__(self, i: slice) -> list[Any]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self._build(x) for x in self._source[i]]
        return self._build(self._source[i])

    def __iter__(self) -> Iterator[Any]:
        return map(self._build, self._source)

    def __len__(self) -> int:
        return len(self._source)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, LazyList)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to a list, so unhashable like one

    def __repr__(self) -> str:
        return f"LazyList({len(self)} items)"


# JSON's own types, exactly: no value of these is a lazy part (the lazy parts are abstract
# base classes' subclasses, and an isinstance check against one costs a call into ``abc``,
# which a summary's writing made tens of times per case)
LEAVES = frozenset({str, int, float, bool, type(None)})


def _holds(value: Any) -> bool:
    """``isinstance(value, (LazyMap, LazyList, dict))``: what :func:`plain` must look into."""
    t = type(value)
    return t is dict or (t not in LEAVES and t is not list and isinstance(value, _HOLDS))


def plain(value: Any) -> Any:
    """``value`` with every lazy part built: plain dicts and lists (a copy where lazy)."""
    t = type(value)
    if t in LEAVES or t is list:
        return value
    if t is not dict:
        if isinstance(value, LazyMap):
            return {k: plain(v) for k, v in value.entries()}
        if isinstance(value, LazyList):
            return [plain(v) for v in value]
        if not isinstance(value, dict):
            return value
    if not any(map(_holds, value.values())):
        return value
    return {k: plain(v) for k, v in value.items()}


def json_default(value: Any) -> Any:
    """For ``json.dump(default=...)``: a lazy part as the plain value it stands for."""
    if isinstance(value, LazyMap):
        return dict(value.entries())
    if isinstance(value, LazyList):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_HOLDS = (LazyMap, LazyList, dict)
