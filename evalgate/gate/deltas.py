"""A verdict's deltas in columns: each :class:`~evalgate.gate.verdict.CaseDelta` is made when
it is read.

The gate compares every case with its baseline, so a run of 100,000 cases has as many deltas.
As records they cost about 100 bytes each, more where the baseline's figures are made when
read (``gate/casetable.py``); as columns, about 45. They read as the tuple of records they
stand for: equal to it, in the same order, with the same figures (a figure that is None stays
None; every other one is the same float).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator, Mapping, Sequence
from typing import overload

from evalgate.gate.verdict import CaseDelta

STATUSES = ("shared", "new", "changed", "removed")
_CODE = {s: i for i, s in enumerate(STATUSES)}
_NONE = math.nan  # a figure that is None (the mask says which NaN is None)


class CaseDeltas(Sequence[CaseDelta]):
    """Deltas in the order added; ``answers`` holds the few baseline answers reports show."""

    __slots__ = ("_answers", "_figures", "_ids", "_kinds")

    def __init__(self) -> None:
        self._ids: list[str] = []
        # per delta: its status code, and one bit per figure that is None
        self._kinds = bytearray()
        # per delta: base_score, score, base_pass_rate, pass_rate
        self._figures = array("d")
        self._answers: Mapping[str, str] = {}

    def append(
        self,
        case_id: str,
        status: str,
        base_score: float | None,
        score: float | None,
        base_pass_rate: float | None,
        pass_rate: float | None,
    ) -> None:
        kind = _CODE[status] << 4
        for bit, v in enumerate((base_score, score, base_pass_rate, pass_rate)):
            if v is None:
                kind |= 1 << bit
                self._figures.append(_NONE)
            else:
                self._figures.append(v)
        self._ids.append(case_id)
        self._kinds.append(kind)

    def with_answers(self, answers: Mapping[str, str]) -> CaseDeltas:
        """The same deltas, those of the cases in ``answers`` with that baseline answer."""
        out = CaseDeltas()
        out._ids, out._kinds, out._figures = self._ids, self._kinds, self._figures
        out._answers = {**self._answers, **answers}
        return out

    def status_of(self, i: int) -> str:
        """The status of delta ``i`` (no record is made)."""
        return STATUSES[self._kinds[i] >> 4]

    def case_ids_with(self, status: str) -> list[str]:
        """The case ids of the deltas with this status, in order (no record is made)."""
        code = _CODE[status]
        return [cid for cid, kind in zip(self._ids, self._kinds, strict=True) if kind >> 4 == code]

    def case_ids(self) -> Sequence[str]:
        """Every delta's case id, in order (no record is made; not to be changed)."""
        return self._ids

    def _make(self, i: int) -> CaseDelta:
        kind = self._kinds[i]
        at = 4 * i
        f = self._figures
        cid = self._ids[i]
        return CaseDelta(
            case_id=cid,
            status=STATUSES[kind >> 4],
            base_score=None if kind & 1 else f[at],
            score=None if kind & 2 else f[at + 1],
            base_pass_rate=None if kind & 4 else f[at + 2],
            pass_rate=None if kind & 8 else f[at + 3],
            base_answer=self._answers.get(cid),
        )

    @overload
    def __getitem__(self, i: int) -> CaseDelta: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[CaseDelta, ...]: ...
    def __getitem__(self, i: int | slice) -> CaseDelta | tuple[CaseDelta, ...]:
        if isinstance(i, slice):
            return tuple(self._make(k) for k in range(*i.indices(len(self))))
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("delta index out of range")
        return self._make(i)

    def __iter__(self) -> Iterator[CaseDelta]:
        return map(self._make, range(len(self._ids)))

    def __len__(self) -> int:
        return len(self._ids)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CaseDeltas | tuple | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))  # as the tuple of records it stands for

    def __repr__(self) -> str:
        return f"CaseDeltas({len(self)} deltas)"


__all__ = ["STATUSES", "CaseDeltas"]
