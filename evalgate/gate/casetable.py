"""A reference's cases in columns: the :class:`~evalgate.gate.baseline.BaselineCase` of each
case is made when it is read, not held.

``compare`` judges one stored run against another; the other run becomes a reference
(``engine/stored.py``) of up to 100,000 cases, held beside the judged run's own results and
figures. As records, its cases cost about 220 bytes each (the record, a mapping entry, its
latency figure); as columns, about 70. A reference keeps what the gate and the reports read:
content hash, score, pass rate, repeats, passes, tags, dataset, per-scorer counts, history and
answer. The latency, token and cost figures a canary or a cost budget reads from a recorded
baseline are kept only by a table made with ``figures=True`` (else they read as None: nothing
in a comparison reads them).

A baseline file read for the gate (``gate/baseline_read.py``) is held the same way, figures
and all, its case-id and content-hash texts shared with the run's own when they are equal
(``known``): read back, every case is equal to the record the file's text gives.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from typing import Any

from evalgate.gate.baseline import BaselineCase

SHAPES = 4096  # distinct (tags, dataset, per-scorer counts, n, passes) held once
Shape = tuple[tuple[str, ...], str, Mapping[str, tuple[int, int]], int, int]
_NONE = math.nan  # a figure not recorded (a baseline's figures are finite: never NaN)


class CaseTable(Mapping[str, BaselineCase]):
    """Cases by id, filled in case-id order (:meth:`add`), read as a mapping."""

    __slots__ = (
        "_answers",
        "_cost",
        "_hash",
        "_history",
        "_ids",
        "_last",
        "_lat",
        "_made",
        "_odd",
        "_rate",
        "_score",
        "_shape",
        "_shape_at",
        "_shapes",
        "_tok",
        "checked",
    )

    def __init__(self, *, figures: bool = False) -> None:
        self._ids: list[str] = []
        self._hash: list[str] = []
        # equal scores and pass rates are one float (as a run's figures share them): a list
        # of them costs what an array does, and reading one makes no float
        self._score: list[float] = []
        self._rate: list[float] = []
        # tags, dataset, per-scorer counts, n and passes: most cases have the same, held once
        # each (at most SHAPES of them; the cases of any other are kept by position in _odd)
        self._shape = array("I")
        self._shapes: list[Shape] = []
        self._shape_at: dict[Any, int] = {}
        self._odd: dict[int, Shape] = {}
        self._history: list[tuple[tuple[int, int, float], ...]] = []
        self._answers: dict[str, str] = {}  # the few cases that keep one
        # latency p95 (NaN: None), mean tokens, mean cost, with ``figures`` only
        self._lat = array("d") if figures else None
        # (tokens and cost as the figures read: most cases share one, or have None)
        self._tok: list[float | None] | None = [] if figures else None
        self._cost: list[float | None] | None = [] if figures else None
        # every case's figures passed the baseline file's checks as they were read
        self.checked = False
        # the gate reads the cases in id order, often the same one twice running: where the
        # last one read was, and the case made for it
        self._last = 0
        self._made: tuple[str, BaselineCase] | None = None

    def add(self, cid: str, case: BaselineCase, content_hash: str | None = None) -> None:
        """Append ``case`` under ``cid``, which must sort after every id added before;
        ``content_hash``: an equal text to hold in place of the case's own."""
        if self._ids and not self._ids[-1] < cid:
            raise ValueError(f"case {cid!r} added out of order")
        if self._lat is not None and self._tok is not None and self._cost is not None:
            lat, tok, cost = case.latency_p95_ms, case.mean_tokens, case.mean_cost_usd
            if lat != lat or tok != tok or cost != cost:  # NaN (None equals itself)
                raise ValueError(f"case {cid!r}: a baseline figure cannot be NaN")
            self._lat.append(_NONE if lat is None else lat)
            self._tok.append(tok)
            self._cost.append(cost)
        self._ids.append(cid)
        self._hash.append(case.content_hash if content_hash is None else content_hash)
        self._score.append(case.score)
        self._rate.append(case.pass_rate)
        self._add_shape(case)
        self._history.append(case.history)
        if case.answer is not None:
            self._answers[cid] = case.answer

    def _add_shape(self, case: BaselineCase) -> None:
        counts = case.scorer_pass
        key = (case.tags, case.dataset, tuple(counts.items()), case.n, case.passes)
        at = self._shape_at.get(key)
        if at is None:
            shape = (case.tags, case.dataset, counts, case.n, case.passes)
            if len(self._shapes) >= SHAPES:
                self._odd[len(self._shape)] = shape
                self._shape.append(SHAPES)
                return
            at = self._shape_at[key] = len(self._shapes)
            self._shapes.append(shape)
        self._shape.append(at)

    def _at(self, cid: object) -> int:
        ids = self._ids
        last = self._last
        if last + 1 < len(ids) and ids[last + 1] == cid:
            i = last + 1
        elif last < len(ids) and ids[last] == cid:
            i = last
        elif isinstance(cid, str):
            i = bisect_left(ids, cid)
            if i >= len(ids) or ids[i] != cid:
                return -1
        else:
            return -1
        self._last = i
        return i

    def content_hash_of(self, cid: str) -> str | None:
        """``self[cid].content_hash``, or None for a case not here (no case is made)."""
        i = self._at(cid)
        return self._hash[i] if i >= 0 else None

    def __getitem__(self, cid: str) -> BaselineCase:
        made = self._made
        if made is not None and made[0] == cid:
            return made[1]
        i = self._at(cid)
        if i < 0:
            raise KeyError(cid)
        lat, tok, cost = self._lat, self._tok, self._cost
        at = self._shape[i]
        tags, dataset, counts, n, passes = self._shapes[at] if at < SHAPES else self._odd[i]
        # (positional: BaselineCase's fields in their order, each case made quickly)
        case = BaselineCase(
            self._hash[i],
            self._score[i],
            self._rate[i],
            n,
            passes,
            tags,
            dataset,
            counts,
            None if lat is None else _read(lat[i]),
            None if tok is None else tok[i],
            None if cost is None else cost[i],
            self._history[i],
            self._answers.get(cid),
        )
        self._made = (cid, case)
        return case

    def __contains__(self, cid: object) -> bool:
        return self._at(cid) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def content_hashes(self) -> Iterator[str]:
        """Every case's content hash, in case-id order (no case is made)."""
        return iter(self._hash)

    def __repr__(self) -> str:
        return f"CaseTable({len(self)} cases)"


def _read(value: float) -> float | None:
    return None if math.isnan(value) else value


__all__ = ["CaseTable"]
