"""Statuses and outcomes are closed vocabularies, checked where results are read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalgate.errors import ConfigError
from evalgate.results import CaseResult, read_results
from evalgate.status import OUTCOMES, STATUSES, as_outcome, as_status


def _line(**over: object) -> str:
    d = CaseResult("c1", "d", 0, "passed", "success", True, 1.0).to_dict()
    d.update(over)
    return json.dumps(d) + "\n"


def test_every_known_value_reads_back_as_itself() -> None:
    assert [as_status(s) for s in STATUSES] == list(STATUSES)
    assert [as_outcome(o) for o in OUTCOMES] == list(OUTCOMES)


@pytest.mark.parametrize("value", ["pass", "", None, 1, "PASSED"])
def test_an_unknown_status_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="unknown status"):
        as_status(value)


def test_a_result_line_with_an_unknown_outcome_is_a_damaged_line(tmp_path: Path) -> None:
    (tmp_path / "results.jsonl").write_text(_line() + _line(case_id="c2", outcome="exploded"))
    with pytest.raises(ConfigError, match=r"results.jsonl:2:1: damaged result line.*outcome"):
        read_results(tmp_path)


def test_a_turn_with_an_unknown_outcome_is_a_damaged_line(tmp_path: Path) -> None:
    turn = {"request": None, "response": None, "outcome": "nope", "latency_ms": 1.0}
    (tmp_path / "results.jsonl").write_text(_line(turns=[turn]))
    with pytest.raises(ConfigError, match="damaged result line"):
        read_results(tmp_path)
