"""The complete results of a few cases are read from a run's file without decoding or checking
the lines of the other cases (the file was read whole before, or written by this run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import evalgate.results as results_mod
from evalgate.errors import ConfigError
from evalgate.results import CaseResult, iter_results, written_case_id
from evalgate.results_compact import read_details
from evalgate.results_writer import ResultsWriter

IDS = ["a", 'q"uote', "back\\slash", "é€", "tab\there", "a b", "z"]


def _result(cid: str, repeat: int, score: float) -> CaseResult:
    return CaseResult(
        case_id=cid,
        dataset="d",
        repeat=repeat,
        status="passed",
        outcome="success",
        passed=True,
        score=score,
        request={"message": f"about {cid}"},
    )


def _write(tmp: Path) -> Path:
    with ResultsWriter(tmp) as w:
        for cid in IDS:
            w.write(_result(cid, 0, 0.5))
            w.write(_result(cid, 1, 0.25))
        w.write(_result("a", 0, 1.0))  # rewritten: the last line counts
    with open(tmp / "results.jsonl", "a", encoding="utf-8") as f:
        # lines written by hand or by another tool: decoded and checked as always
        d = _result("z", 0, 0.75).to_dict()
        f.write(json.dumps(d, indent=None) + "\n")  # ", " and ": " separators
        f.write(json.dumps({"case_id": "hand", **{k: v for k, v in d.items() if k != "case_id"}}))
        f.write("\n")
    return tmp


def _plain(path: Path, wanted: set[str]) -> dict[str, list[CaseResult]]:
    """read_details as it was: every line decoded and checked, then filtered."""
    latest: dict[tuple[str, int], CaseResult] = {}
    for r in iter_results(path):
        if r.case_id in wanted:
            latest[(r.case_id, r.repeat)] = r
    out: dict[str, list[CaseResult]] = {}
    for key in sorted(latest):
        out.setdefault(key[0], []).append(latest[key])
    return out


@pytest.mark.parametrize(
    "wanted", [set(), {"a"}, {'q"uote', "back\\slash"}, {"é€", "z", "hand"}, set(IDS), {"none"}]
)
def test_details_are_those_of_reading_every_line(tmp_path: Path, wanted: set[str]) -> None:
    path = _write(tmp_path)
    assert read_details(path, wanted) == _plain(path, wanted)


def test_only_the_wanted_lines_and_foreign_ones_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path)
    checked: list[str] = []
    real = results_mod.check_result_line

    def counting(d: Any) -> None:
        checked.append(d["case_id"])
        real(d)

    monkeypatch.setattr(results_mod, "check_result_line", counting)
    got = read_details(path, {"a"})
    assert [r.score for r in got["a"]] == [1.0, 0.25]
    escaped = [cid for cid in IDS if json.dumps(cid, ensure_ascii=False)[1:-1] != cid]
    assert escaped == ['q"uote', "back\\slash", "tab\there"]
    # its own lines, those whose id is written with an escape, and the two lines not ours
    assert checked == ["a", "a", *[cid for cid in escaped for _ in (0, 1)], "a", "z", "hand"]


def test_the_case_id_is_read_from_our_lines_only() -> None:
    line = json.dumps(_result("x-1", 0, 1.0).to_dict(), ensure_ascii=False, separators=(",", ":"))
    assert written_case_id(line) == "x-1"
    assert written_case_id(line.replace('"x-1"', '"x\\"1"')) is None  # an escape: decode it
    assert written_case_id(line.replace(",", ", ", 1)) is None
    assert written_case_id('{"format_version":1,"case_id":"torn') is None
    assert written_case_id('{"format_version":2,"case_id":"x-1","status":"passed"}') is None


def test_a_damaged_wanted_line_is_still_reported(tmp_path: Path) -> None:
    path = _write(tmp_path)
    lines = (path / "results.jsonl").read_text(encoding="utf-8").split("\n")
    assert json.loads(lines[0])["case_id"] == "a"
    lines[0] = lines[0].replace('"score":0.5', '"score":"high"')
    (path / "results.jsonl").write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"results.jsonl:1:1: damaged result line \(score"):
        read_details(path, {"a"})
    # another case's details: that line is not decoded (the file was checked when read whole)
    whole = _plain_of(path, lines[1:], {"z", "é€"})
    assert read_details(path, {"z", "é€"}) == whole


def _plain_of(path: Path, lines: list[str], wanted: set[str]) -> dict[str, list[CaseResult]]:
    copy = path / "copy"
    copy.mkdir()
    (copy / "results.jsonl").write_text("\n".join(lines), encoding="utf-8")
    return _plain(copy, wanted)
