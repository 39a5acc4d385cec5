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

from evalgate.gate.baseline import BaselineCase

_NONE = math.nan  # a figure not recorded (a baseline's figures are finite: never NaN)


class CaseTable(Mapping[str, BaselineCase]):
    """Cases by id, filled in case-id order (:meth:`add`), read as a mapping."""

    __slots__ = (
        "_answers",
        "_cost",
        "_dataset",
        "_hash",
        "_history",
        "_ids",
        "_last",
        "_lat",
        "_made",
        "_n",
        "_passes",
        "_rate",
        "_score",
        "_scorer_pass",
        "_tags",
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
        self._n = array("q")
        self._passes = array("q")
        self._tags: list[tuple[str, ...]] = []
        self._dataset: list[str] = []
        self._scorer_pass: list[Mapping[str, tuple[int, int]]] = []
        self._history: list[tuple[tuple[int, int, float], ...]] = []
        self._answers: dict[str, str] = {}  # the few cases that keep one
        # latency p95, mean tokens, mean cost (NaN: None), with ``figures`` only
        self._lat = array("d") if figures else None
        self._tok = array("d") if figures else None
        self._cost = array("d") if figures else None
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
            figures = (case.latency_p95_ms, case.mean_tokens, case.mean_cost_usd)
            if any(v is not None and math.isnan(v) for v in figures):
                raise ValueError(f"case {cid!r}: a baseline figure cannot be NaN")
            lat, tok, cost = figures
            self._lat.append(_NONE if lat is None else lat)
            self._tok.append(_NONE if tok is None else tok)
            self._cost.append(_NONE if cost is None else cost)
        self._ids.append(cid)
        self._hash.append(case.content_hash if content_hash is None else content_hash)
        self._score.append(case.score)
        self._rate.append(case.pass_rate)
        self._n.append(case.n)
        self._passes.append(case.passes)
        self._tags.append(case.tags)
        self._dataset.append(case.dataset)
        self._scorer_pass.append(case.scorer_pass)
        self._history.append(case.history)
        if case.answer is not None:
            self._answers[cid] = case.answer

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
        case = BaselineCase(
            content_hash=self._hash[i],
            score=self._score[i],
            pass_rate=self._rate[i],
            n=self._n[i],
            passes=self._passes[i],
            tags=self._tags[i],
            dataset=self._dataset[i],
            scorer_pass=self._scorer_pass[i],
            latency_p95_ms=None if lat is None else _read(lat[i]),
            mean_tokens=None if tok is None else _read(tok[i]),
            mean_cost_usd=None if cost is None else _read(cost[i]),
            history=self._history[i],
            answer=self._answers.get(cid),
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
