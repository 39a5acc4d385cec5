"""A baseline as an estimate: its history of recorded runs, grown by recording on main."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from evalgate.errors import ConfigError
from evalgate.gate.baseline import Baseline
from evalgate.gate.baseline_check import case_problem
from evalgate.gate.baseline_store import BaselineStore
from evalgate.gate.history import grow, grow_handed
from tests.gate.helpers import baseline_of, run, stats


def test_recording_adds_a_run_to_each_case_history(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    store.record(baseline_of(run(stats("a", [True, True]), stats("b", [False]))), 10)
    _, b = store.record(baseline_of(run(stats("a", [True, False]), stats("b", [True]))), 10)
    a = b.cases["a"]
    assert b.samples == 2 and a.samples == ((2, 2, 1.0), (1, 2, 0.5))
    assert (a.passes, a.n, a.pass_rate, a.score) == (3, 4, 0.75, 0.75)
    assert store.load("v1") == b  # what was written reads back the same


def test_the_history_keeps_the_newest_runs_only(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    for outcome in (False, True, True, True):
        store.record(baseline_of(run(stats("a", [outcome]))), 3)
    b = store.load("v1")
    assert b is not None and b.samples == 3
    assert b.cases["a"].samples == ((1, 1, 1.0),) * 3 and b.cases["a"].passes == 3


def test_baseline_samples_1_replaces_as_before(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    store.record(baseline_of(run(stats("a", [False]))), 1)
    _, b = store.record(baseline_of(run(stats("a", [True]))), 1)
    assert b.samples == 1 and b.cases["a"].passes == 1 and b.cases["a"].n == 1


def test_a_changed_case_starts_a_new_history_and_unrun_cases_are_kept() -> None:
    old = grow(None, baseline_of(run(stats("a"), stats("b"))), 10)
    old = grow(old, baseline_of(run(stats("a"), stats("b"))), 10)
    new = baseline_of(run(stats("a", [False], content_hash="edited")))
    g = grow(old, new, 10)
    assert g.cases["a"].samples == ((0, 1, 0.0),) and g.cases["a"].content_hash == "edited"
    assert g.cases["b"] == old.cases["b"]  # not run this time (a --tag filter): kept


def test_a_format_1_file_is_still_read_as_one_run(tmp_path: Path) -> None:
    doc = baseline_of(run(stats("a", [True, False]))).to_dict()
    doc["format_version"] = 1
    del doc["samples"]
    for case in doc["cases"].values():
        del case["history"]
    (tmp_path / "v1.json").write_text(json.dumps(doc), encoding="utf-8")
    b = BaselineStore(tmp_path).load("v1")
    assert b is not None and b.samples == 1 and b.cases["a"].samples == ((1, 2, 0.5),)


@pytest.mark.parametrize(
    ("history", "why"),
    [
        ([[1, 1, 1.0]], "does not add up"),
        ([[2, 1, 1.0], [0, 1, 0.0]], "must be [passes, n, score]"),
        ([], "non-empty list"),
        ([[1, 1, 1.5], [1, 2, 0.5]], "must be [passes, n, score]"),
    ],
)
def test_a_history_that_does_not_add_up_is_refused(history: list[list[float]], why: str) -> None:
    case = {"content_hash": "h", "score": 0.75, "pass_rate": 0.5, "n": 2, "passes": 1}
    problem = case_problem({**case, "history": history})
    assert problem is not None and why in problem


def test_the_store_refuses_a_damaged_history(tmp_path: Path) -> None:
    doc = baseline_of(run(stats("a", [True, False]))).to_dict()
    doc["cases"]["a"]["history"] = [[2, 2, 1.0]]
    (tmp_path / "v1.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"v1\.json.*case 'a'.*history"):
        BaselineStore(tmp_path).load("v1")


def _three_runs() -> list[Baseline]:
    return [
        baseline_of(run(stats("a", [True]), stats("b", [False]), stats("c", [True]))),
        baseline_of(run(stats("a", [False]), stats("b", [True], content_hash="edited"))),
        baseline_of(run(stats("a", [True]), stats("d", [True]))),
    ]


def test_a_history_grown_in_place_is_the_one_grown_from_copies() -> None:
    first, second, third = _three_runs()
    pure = grow(grow(grow(None, first, 3), second, 3), third, 3)
    kept = [dataclasses.replace(b, cases=dict(b.cases)) for b in (first, second, third)]
    grown = grow_handed([None, kept[0]], 3)
    grown = grow_handed([grown, kept[1]], 3)
    grown = grow_handed([grown, kept[2]], 3)
    assert grown == pure and list(grown.cases) == list(pure.cases)
    assert all(not b.cases for b in kept[1:])  # handed over: each new case let go
    # the pure one left what it was given as it was
    assert [b.cases for b in (first, second, third)] == [b.cases for b in _three_runs()]


def test_recording_leaves_the_baseline_it_was_given_as_it_was(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    first, second, _ = _three_runs()
    store.record(first, 10)
    _, grown = store.record(second, 10)
    assert second.cases == _three_runs()[1].cases and len(grown.cases) == 3
    again = BaselineStore(tmp_path / "again")
    again.record(_three_runs()[0], 10)
    given = [_three_runs()[1]]
    _, handed = again.record_handed(given, 10)
    assert given == [] and handed == grown
    assert (tmp_path / "again" / "v1.json").read_text() == (tmp_path / "v1.json").read_text()
