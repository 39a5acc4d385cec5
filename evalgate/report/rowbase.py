"""What a report row takes from the verdict and the baseline: its case's delta, asked for in
case-id order, and the baseline's figures, one record for equal ones."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from evalgate.gate.deltas import CaseDeltas
from evalgate.gate.verdict import CaseDelta


@dataclass(frozen=True)
class BaseCase:
    """A case's figures in the baseline the run was compared with."""

    score: float | None
    pass_rate: float | None
    answer: str | None = None  # the baseline's answer, when the verdict kept it


_MAX_BASES = 4096


def shared_base(
    bases: dict[tuple[object, ...], BaseCase],
    score: float | None,
    pass_rate: float | None,
    answer: str | None,
) -> BaseCase:
    """The baseline's figures of a row: one record for equal ones (most cases of a large run
    have the same few); figures are equal only with the same type, value and sign, so what a
    report shows of them is the row's own."""
    key = (
        score,
        pass_rate,
        answer,
        type(score),
        type(pass_rate),
        _signed(score),
        _signed(pass_rate),
    )
    found = bases.get(key)
    if found is None:
        found = BaseCase(score, pass_rate, answer)
        if len(bases) < _MAX_BASES:  # figures of every kind: not a table of every case
            bases[key] = found
    return found


def _signed(x: float | None) -> bool:
    return x is not None and math.copysign(1.0, x) < 0.0


class Deltas:
    """The verdict's delta of each case (the last one written for it), asked for in case id
    order: deltas written in that order (as the gate writes them) are walked alongside, and
    a mapping of every case's delta is built only for deltas or questions in another order."""

    def __init__(self, deltas: Sequence[CaseDelta]) -> None:
        self._deltas = deltas
        self._at = 0
        self._last: str | None = None
        # the case ids without a record made each (the gate's deltas are columns)
        self._ids: Sequence[str] = (
            deltas.case_ids() if isinstance(deltas, CaseDeltas) else [d.case_id for d in deltas]
        )
        ordered = all(a < b for a, b in itertools.pairwise(self._ids))
        self._by_id: dict[str, CaseDelta] | None = None if ordered else self._mapping()

    def _mapping(self) -> dict[str, CaseDelta]:
        return {d.case_id: d for d in self._deltas}

    def get(self, case_id: str) -> CaseDelta | None:
        if self._by_id is None and (self._last is None or self._last < case_id):
            self._last = case_id
            ids, at = self._ids, self._at
            while at < len(ids) and ids[at] < case_id:
                at += 1
            self._at = at
            return self._deltas[at] if at < len(ids) and ids[at] == case_id else None
        if self._by_id is None:
            self._by_id = self._mapping()
        return self._by_id.get(case_id)
