"""The verdict's deltas in columns read as the tuple of records they stand for."""

from __future__ import annotations

import json
import math
import random

import pytest

from evalgate.gate.deltas import STATUSES, CaseDeltas
from evalgate.gate.verdict import CaseDelta, Verdict


def _figure(rng: random.Random) -> float | None:
    return rng.choice([None, 0.0, -0.0, 1.0, 0.5, rng.random(), 1e-300, math.nan])


def _records(seed: int, n: int) -> list[CaseDelta]:
    rng = random.Random(seed)
    return [
        CaseDelta(
            case_id=f"c{i:03d}",
            status=rng.choice(STATUSES),
            base_score=_figure(rng),
            score=_figure(rng),
            base_pass_rate=_figure(rng),
            pass_rate=_figure(rng),
        )
        for i in range(n)
    ]


def _columns(records: list[CaseDelta]) -> CaseDeltas:
    out = CaseDeltas()
    for d in records:
        out.append(d.case_id, d.status, d.base_score, d.score, d.base_pass_rate, d.pass_rate)
    return out


def _same(a: CaseDelta, b: CaseDelta) -> bool:
    # NaN is not equal to itself: compare the written forms (json keeps -0.0 and NaN apart)
    return json.dumps(a.to_dict()) == json.dumps(b.to_dict())


@pytest.mark.parametrize("seed", range(5))
def test_columns_give_back_every_record_exactly(seed: int) -> None:
    records = _records(seed, 60)
    cols = _columns(records)
    assert len(cols) == len(records)
    assert all(_same(a, b) for a, b in zip(cols, records, strict=True))
    assert all(_same(cols[i], records[i]) for i in (0, 7, -1))
    assert all(_same(a, b) for a, b in zip(cols[3:9], records[3:9], strict=True))
    for status in STATUSES:
        assert cols.case_ids_with(status) == [d.case_id for d in records if d.status == status]
    for i, d in enumerate(records):
        assert cols.status_of(i) == d.status and cols.case_ids()[i] == d.case_id
        assert all(
            (getattr(cols[i], k) is None) == (getattr(d, k) is None)
            for k in ("base_score", "score", "base_pass_rate", "pass_rate")
        )


def test_columns_equal_the_tuple_both_ways_and_in_a_verdict() -> None:
    records = [
        CaseDelta("a", "shared", 1.0, 0.5, 1.0, 0.0),
        CaseDelta("b", "new", None, 1.0, None, 1.0),
        CaseDelta("c", "removed", 0.25, None, 0.0, None),
    ]
    cols = _columns(records)
    assert cols == tuple(records) and tuple(records) == cols and cols == records
    assert cols != tuple(records[:2]) and cols != (*records[:2], records[0])
    assert hash(cols) == hash(tuple(records))
    assert Verdict("pass", deltas=cols) == Verdict("pass", deltas=tuple(records))
    assert Verdict("pass", deltas=cols).to_dict() == Verdict("pass", deltas=records).to_dict()
    with pytest.raises(IndexError):
        cols[3]


def test_answers_are_added_to_a_copy_for_the_cases_named() -> None:
    cols = _columns(
        [CaseDelta("a", "shared", 1.0, 0.0, 1.0, 0.0), CaseDelta("b", "new", None, 1, None, 1)]
    )
    shown = cols.with_answers({"a": "the old answer"})
    assert shown[0].base_answer == "the old answer" and shown[1].base_answer is None
    assert cols[0].base_answer is None  # the original is left as it was
    assert shown[0].to_dict()["base_answer"] == "the old answer"
