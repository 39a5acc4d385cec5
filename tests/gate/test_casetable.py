"""A reference's cases in columns read as the mapping of records they stand for."""

from __future__ import annotations

import json
import random

import pytest

from evalgate.config.model import GateConfig
from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.gate.casetable import CaseTable
from evalgate.gate.policy import evaluate
from evalgate.gate.rules import shared
from evalgate.results import CaseStats


def _case(rng: random.Random, i: int) -> BaselineCase:
    n = rng.choice([1, 3, 10])
    passes = rng.randint(0, n)
    return BaselineCase(
        content_hash=f"h{i}",
        score=rng.random(),
        pass_rate=passes / n,
        n=n,
        passes=passes,
        tags=rng.choice([(), ("critical",), ("a", "b")]),
        dataset=rng.choice(["app", "rag"]),
        scorer_pass={"contains": (passes, n)},
        history=rng.choice([(), ((1, 1, 1.0), (0, 1, 0.0))]),
        answer=rng.choice([None, f"answer {i}"]),
    )


def _pair(n: int, seed: int = 3) -> tuple[dict[str, BaselineCase], CaseTable]:
    rng = random.Random(seed)
    records = {f"c{i:04d}": _case(rng, i) for i in range(n)}
    table = CaseTable()
    for cid in sorted(records):
        table.add(cid, records[cid])
    return records, table


def test_the_table_reads_as_the_records_it_was_filled_with() -> None:
    records, table = _pair(200)
    assert len(table) == 200 and list(table) == sorted(records)
    assert table == records and dict(table.items()) == records
    rng = random.Random(5)
    for cid in [*rng.sample(sorted(records), 50), "c0000", "c0199", "c0100", "c0101"]:
        assert cid in table and table[cid] == records[cid] and table.get(cid) == records[cid]
        assert table.content_hash_of(cid) == records[cid].content_hash
    for missing in ("c", "c0200", "zz", "", "c0100x"):
        assert missing not in table and table.get(missing) is None
        assert table.content_hash_of(missing) is None
        with pytest.raises(KeyError):
            table[missing]
    assert 7 not in table  # not a case id at all


def test_the_gate_sees_the_same_shared_cases() -> None:
    records, table = _pair(50)
    by_dict = Baseline("v", "t", records)
    by_table = Baseline("v", "t", table)
    for i in range(55):
        cid = f"c{i:04d}"
        for h in (f"h{i}", "other", ""):
            s = CaseStats(cid, "app", h, (), "f.yaml", 1, 1, 0, False, 1.0, 1.0, 1)
            assert shared(s, by_table) == shared(s, by_dict)


def test_cases_must_come_in_id_order() -> None:
    table = CaseTable()
    table.add("b", _case(random.Random(1), 1))
    with pytest.raises(ValueError, match="out of order"):
        table.add("a", _case(random.Random(1), 2))
    with pytest.raises(ValueError, match="out of order"):
        table.add("b", _case(random.Random(1), 3))


def _scenario(seed: int) -> tuple[dict[str, CaseStats], dict[str, BaselineCase], GateConfig]:
    """A run and its baseline: flaky, broken, new, changed, removed, critical and errored cases."""
    rng = random.Random(seed)
    cand: dict[str, CaseStats] = {}
    base: dict[str, BaselineCase] = {}
    reps, base_reps, runs = rng.choice([1, 3]), rng.choice([1, 3, 10]), rng.choice([1, 3, 5])
    for i in range(rng.choice([3, 30, 80])):
        cid = f"c{i:04d}"
        tags = ("critical",) if rng.random() < 0.2 else ()
        p = rng.choice([1.0, 0.9, 0.5])
        if rng.random() < 0.9:
            hist = [
                (x, base_reps, x / base_reps)
                for x in (sum(rng.random() < p for _ in range(base_reps)) for _ in range(runs))
            ]
            passes, n = sum(h[0] for h in hist), base_reps * runs
            base[cid] = BaselineCase(
                content_hash=f"h{i}" if rng.random() < 0.95 else "old",
                score=passes / n,
                pass_rate=passes / n,
                n=n,
                passes=passes,
                tags=tags,
                scorer_pass={"contains": (passes, n)},
                history=tuple(hist) if runs > 1 else (),
            )
        if rng.random() < 0.95:
            x = sum(rng.random() < p - rng.choice([0.0, 0.0, 0.5]) for _ in range(reps))
            err = rng.random() < 0.05
            cand[cid] = CaseStats(
                cid,
                "app",
                f"h{i}",
                tags,
                "f.yaml",
                i,
                0 if err else reps,
                reps if err else 0,
                False,
                None if err else x / reps,
                None if err else x / reps,
                0 if err else x,
                {"contains": (x, reps)} if rng.random() < 0.95 else {"other": (x, reps)},
            )
    cfg = GateConfig(quarantine=rng.choice([None, 0.3]), max_drop=rng.choice([0.0, 0.05]))
    return cand, base, cfg


def test_the_gate_gives_the_same_verdict_with_a_table_as_with_records() -> None:
    statuses = set()
    for seed in range(40):
        cand, records, cfg = _scenario(seed)
        table = CaseTable()
        for cid in sorted(records):
            table.add(cid, records[cid])
        by_dict = evaluate(cand, Baseline("v", "t", records), cfg, ci_resamples=50)
        by_table = evaluate(cand, Baseline("v", "t", table), cfg, ci_resamples=50)
        assert json.dumps(by_table.to_dict()) == json.dumps(by_dict.to_dict()), seed
        statuses.add(by_dict.status)
    assert statuses == {"pass", "fail", "inconclusive"}  # the scenarios reach every verdict


def _figured(rng: random.Random, i: int) -> BaselineCase:
    import dataclasses

    def some(v: float) -> float | None:
        return rng.choice([None, v, 0.0])

    return dataclasses.replace(
        _case(rng, i),
        latency_p95_ms=some(rng.uniform(1, 900)),
        mean_tokens=some(float(rng.randint(1, 900))),
        mean_cost_usd=some(rng.random() / 100),
    )


def test_a_table_with_figures_keeps_latency_tokens_and_cost() -> None:
    from evalgate.canary.reference import reference_from_baseline

    rng = random.Random(11)
    records = {f"c{i:04d}": _figured(rng, i) for i in range(300)}
    table, bare = CaseTable(figures=True), CaseTable()
    for cid in sorted(records):
        table.add(cid, records[cid])
        bare.add(cid, records[cid])
    assert table == records and dict(table.items()) == records
    for cid in rng.sample(sorted(records), 40):  # out of order too
        assert table[cid] == records[cid]
    # what canaries and the cost budget read: the same as from the records
    ids = set(rng.sample(sorted(records), 150))
    assert reference_from_baseline(table, ids) == reference_from_baseline(records, ids)
    costs = [c.mean_cost_usd for c in records.values()]
    assert [table[c].mean_cost_usd for c in sorted(records)] == costs
    assert any(x is None for x in costs) and any(x is not None for x in costs)
    # without figures (a reference for compare) they read as None
    assert all(bare[c].latency_p95_ms is None and bare[c].mean_cost_usd is None for c in bare)


def test_a_table_refuses_a_figure_it_would_read_back_as_none() -> None:
    import dataclasses

    table = CaseTable(figures=True)
    case = dataclasses.replace(_case(random.Random(1), 0), mean_tokens=float("nan"))
    with pytest.raises(ValueError):
        table.add("a", case)
    assert len(table) == 0
    table.add("b", _case(random.Random(1), 1))  # nothing of the refused case was kept
    assert list(table) == ["b"] and table["b"].mean_tokens is None


def test_a_table_holds_the_content_hash_text_it_is_given() -> None:
    case = _case(random.Random(2), 0)
    text = "".join(["h", "0"])  # equal to the case's own, another object
    assert text == case.content_hash and text is not case.content_hash
    table = CaseTable()
    table.add("a", case, text)
    assert table["a"].content_hash is text and table.content_hash_of("a") is text


def test_cases_of_more_shapes_than_are_shared_read_as_they_were_added(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from evalgate.gate import casetable

    monkeypatch.setattr(casetable, "SHAPES", 3)
    rng = random.Random(8)
    records = {f"c{i:04d}": _figured(rng, i) for i in range(200)}
    table = CaseTable(figures=True)
    for cid in sorted(records):
        table.add(cid, records[cid])
    assert len(table._shapes) == 3 and table._odd  # some shared, the others by position
    assert table == records and [table[c] for c in reversed(records)] == [
        records[c] for c in reversed(records)
    ]


def test_equal_shapes_are_held_once() -> None:
    records, table = _pair(300)
    # tags (3 kinds), dataset (2), n and passes vary: far fewer shapes than cases
    assert len(table._shapes) < 100 and not table._odd
    assert table == records
