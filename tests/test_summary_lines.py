"""A summary parsed a line at a time (``summary_lines``) reads as the whole file does.

The outline readers (``read_outline``, ``read_shown``) take this path for a file laid out as
evalgate writes it; each damage below is written in that layout, and every file, sound or
not, must read (or be refused) exactly as the whole document read and checked."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from evalgate.fsutil import atomic_write_wide_json
from evalgate.run_summary import RunSummary, read_summary_document
from evalgate.summary_lines import parse_by_lines
from evalgate.summary_outline import _CASE, _DELTA, _entry, read_outline, read_shown
from tests.test_summary_outline import DAMAGE, _doc, _doc_outcome, _outcome, _same_but_entries


def _wide(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "summary.json"
    atomic_write_wide_json(path, doc)
    return path


def _agree(path: Path) -> None:
    full, outline = _outcome(RunSummary.read, path), _outcome(read_outline, path)
    if isinstance(full, str) or isinstance(outline, str):
        assert outline == full
    else:
        _same_but_entries(full, outline)
    whole, shown = _doc_outcome(read_summary_document, path), _doc_outcome(read_shown, path)
    if isinstance(whole, str) or isinstance(shown, str):
        assert shown == whole
    else:
        assert list(shown["cases"]) == list(whole["cases"])
        assert {**shown, "cases": None} == {**whole, "cases": None}


def test_a_written_summary_is_read_a_line_at_a_time(tmp_path: Path) -> None:
    path = _wide(tmp_path, _doc(8))
    data = parse_by_lines(path, _entry, _CASE, _DELTA)
    assert data is not None  # the layout evalgate writes takes this path
    assert list(data["cases"]) == list(_doc(8)["cases"])
    assert all(v is _CASE for v in data["cases"].values())
    assert data["verdict"]["deltas"] and all(d is _DELTA for d in data["verdict"]["deltas"])
    _agree(path)


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_damage_in_the_written_layout_is_refused_alike(tmp_path: Path, name: str) -> None:
    doc = copy.deepcopy(_doc())
    DAMAGE[name](doc)
    _agree(_wide(tmp_path, doc))


MARK_SPOOFS = {
    f"{name} {mark!r}": edit(mark)
    for mark in ("\x00", "\x01")
    for name, edit in {
        "a case id": lambda m: lambda d: d["cases"].update({m: d["cases"]["q000001"]}),
        "a field": lambda m: lambda d: d.update(git={"sha": m}),
        "a delta": lambda m: lambda d: d["verdict"]["deltas"].append(m),
        "a case's value": lambda m: lambda d: d["cases"].update(q000001=m),
        "a figure": lambda m: lambda d: d["totals"].update(cases=m),
    }.items()
}


@pytest.mark.parametrize("name", sorted(MARK_SPOOFS))
def test_a_file_holding_the_marker_text_reads_as_written(tmp_path: Path, name: str) -> None:
    doc = copy.deepcopy(_doc())
    MARK_SPOOFS[name](doc)
    _agree(_wide(tmp_path, doc))


def _edited(tmp_path: Path, edit: Any) -> Path:
    path = _wide(tmp_path, _doc())
    path.write_bytes(edit(path.read_bytes()))
    return path


RAW_EDITS = {
    "a case twice": lambda b: b.replace(b'    "q000002"', b'    "q000001"'),
    "a case line twice": lambda b: b.replace(
        b'\n    "q000002"', b'\n    "q000001": 1,\n    "q000002"'
    ),
    "a case twice, then the marker": lambda b: b.replace(
        b'\n    "q000002"', b'\n    "q000001": "\\u0000",\n    "q000002"'
    ),
    "a delta, then the marker": lambda b: b.replace(
        b'\n    ],\n    "stats"', b',\n      "\\u0001"\n    ],\n    "stats"'
    ),
    "carriage returns": lambda b: b.replace(b"\n", b"\r\n"),
    "a byte order mark": lambda b: b"\xef\xbb\xbf" + b,
    "not UTF-8": lambda b: b.replace(b'"q000003"', b'"q\xe9"'),
    "cut short": lambda b: b[: len(b) // 2],
    "a case nested deeper": lambda b: (
        b.replace(b'  "cases": {\n', b'  "cases": {"x": {\n', 1) + b"}"
    ),
    "deltas elsewhere": lambda b: b.replace(b'  "verdict": {', b'  "verdict2": {'),
    "an entry split over lines": lambda b: b.replace(b'"dataset": "d"', b'"dataset":\n"d"', 1),
}


@pytest.mark.parametrize("name", sorted(RAW_EDITS))
def test_a_file_edited_by_hand_reads_as_the_whole_file_does(tmp_path: Path, name: str) -> None:
    _agree(_edited(tmp_path, RAW_EDITS[name]))
