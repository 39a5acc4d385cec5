"""results.jsonl is read line by line with the same rules for torn and damaged lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalgate.errors import ConfigError
from evalgate.results import CaseResult, iter_results, read_results


def _line(cid: str, repeat: int = 0) -> str:
    r = CaseResult(cid, "d", repeat, "passed", "success", True, 1.0)
    return json.dumps(r.to_dict()) + "\n"


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "results.jsonl").write_text(_line("b") + _line("a") + '{"case_id": "c", "sta')
    assert [r.case_id for r in read_results(tmp_path)] == ["a", "b"]


def test_a_damaged_line_in_the_middle_is_an_error_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "results.jsonl").write_text(_line("a") + "{oops\n" + _line("b"))
    with pytest.raises(ConfigError, match=r"results.jsonl:2:1: damaged result line"):
        list(iter_results(tmp_path))


def test_a_damaged_last_line_that_was_finished_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "results.jsonl").write_text(_line("a") + "{oops\n")
    with pytest.raises(ConfigError, match=r":2:1:"):
        list(iter_results(tmp_path))


def test_the_last_write_of_a_case_repeat_wins(tmp_path: Path) -> None:
    (tmp_path / "results.jsonl").write_text(_line("a") + _line("a", 1) + _line("a"))
    assert [(r.case_id, r.repeat) for r in read_results(tmp_path)] == [("a", 0), ("a", 1)]
