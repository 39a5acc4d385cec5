"""Equal parts of many baseline cases held once.

Most cases of a baseline have the same dataset, tags, per-scorer counts and history (a case
that passed every recorded run has ``((1, 1, 1.0), (1, 1, 1.0), ...)``): a 100,000-case
baseline read from its file, or grown by ``baseline record``, would otherwise hold a copy of
each per case, several tuples and a string each. :class:`CaseParts` hands out one object for
equal values (as :func:`~evalgate.results.aggregate` shares equal per-scorer counts); each of
its tables keeps at most :data:`LIMIT` values, so a baseline whose values all differ holds no
more than before. Only identities change: every case compares equal to the one it replaces.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from evalgate.gate.baseline import BaselineCase

LIMIT = 4096  # values kept per kind
T = TypeVar("T")
Sample = tuple[int, int, float]


def _one(table: dict[Any, Any], value: T) -> T:
    found: T | None = table.get(value)
    if found is not None:
        return found
    if len(table) < LIMIT:
        table[value] = value
    return value


class CaseParts:
    """One object for equal parts of the cases of one baseline (a table per kind)."""

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._tags: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._samples: dict[Sample, Sample] = {}
        self._histories: dict[tuple[Sample, ...], tuple[Sample, ...]] = {}
        self._counts: dict[tuple[tuple[str, tuple[int, int]], ...], Mapping[str, Any]] = {}

    def history(self, history: tuple[Sample, ...]) -> tuple[Sample, ...]:
        found = self._histories.get(history)
        if found is not None:
            return found
        samples = self._samples
        return _one(self._histories, tuple([_one(samples, s) for s in history]))

    def case(self, case: BaselineCase) -> BaselineCase:
        """``case``, or an equal one made of the parts already held."""
        dataset = _one(self._strings, case.dataset)
        tags = _one(self._tags, case.tags)
        history = self.history(case.history)
        counts = case.scorer_pass
        scorer_pass = self._counts.setdefault(tuple(counts.items()), counts)
        if (
            dataset is case.dataset
            and tags is case.tags
            and history is case.history
            and scorer_pass is counts
        ):
            return case
        return dataclasses.replace(
            case, dataset=dataset, tags=tags, history=history, scorer_pass=scorer_pass
        )
