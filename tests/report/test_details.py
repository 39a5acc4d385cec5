"""Details: the complete results of the shown cases, found by offset and read a case at a time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalgate.errors import ConfigError
from evalgate.report.details import Details
from evalgate.results import CaseResult
from tests.report.runs import res

ODD = 'quote " back \\ ünï \u2028 {"repeat":9,'


def _line(r: CaseResult, compact: bool = True) -> str:
    if compact:  # as ResultsWriter writes it
        return json.dumps(r.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"
    d = r.to_dict()
    return json.dumps(dict(reversed(list(d.items())))) + "\n"  # another layout


def _read(path: Path, ids: list[str]) -> dict[str, list[CaseResult]]:
    d = Details(path, set(ids))
    return dict(zip(ids, d.read(ids), strict=True))


def test_last_write_per_repeat_by_repeat_any_layout(tmp_path: Path) -> None:
    a0, a1 = res("a", repeat=0, output="first"), res("a", repeat=1)
    a0_again = res("a", repeat=0, output="again")
    odd = res(ODD, output="odd one")
    lines = [_line(a1), _line(a0), _line(res("b")), _line(odd), _line(a0_again, compact=False)]
    (tmp_path / "results.jsonl").write_text("".join(lines) + "\n", encoding="utf-8")
    got = _read(tmp_path, ["a", ODD, "b", "missing"])
    assert got["a"] == [a0_again, a1]
    assert got[ODD] == [odd]
    assert got["b"] == [res("b")] and got["missing"] == []
    assert "b" in Details(tmp_path, {"b"}) and "b" not in Details(tmp_path, {"a"})


def test_a_torn_last_line_is_left_out_a_whole_one_is_read(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    whole = res("a", repeat=1)
    path.write_text(_line(res("a")) + _line(whole).rstrip("\n"), encoding="utf-8")
    assert _read(path, ["a"])["a"] == [res("a"), whole]
    path.write_text(_line(res("a")) + _line(whole)[:40], encoding="utf-8")
    assert _read(path, ["a"])["a"] == [res("a")]


def test_a_damaged_shown_line_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    broken = _line(res("a"))[:-3] + '"x\n'  # the head is intact, the rest is not JSON
    path.write_text(_line(res("b")) + _line(res("c")) + broken + _line(res("d")))
    with pytest.raises(ConfigError, match=r"results\.jsonl:3:1: damaged result line"):
        _read(path, ["a"])
    assert _read(path, ["d"])["d"] == [res("d")]  # a case not shown is not decoded
