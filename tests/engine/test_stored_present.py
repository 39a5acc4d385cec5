"""``evalgate report`` presents a stored run through the engine, as it was judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import evalgate
from evalgate.engine.stored import present_stored
from evalgate.errors import ConfigError, UsageError
from evalgate.runlock import hold_run_dir
from tests.engine.helpers import write_project


def test_a_stored_run_is_presented_with_its_written_summary(tmp_path: Path) -> None:
    cfg = write_project(tmp_path)
    done = evalgate.run(cfg, out=tmp_path / "r", gate=False, record_baseline=True)
    view = present_stored(tmp_path / "r")
    assert dict(view.summary) == json.loads((tmp_path / "r" / "summary.json").read_text())
    assert {row.case_id for row in view.cases} == {r.case_id for r in done.results}
    assert view.run_dir == tmp_path / "r"


def test_a_run_killed_before_its_summary_is_summarised_from_its_results(tmp_path: Path) -> None:
    cfg = write_project(tmp_path)
    evalgate.run(cfg, out=tmp_path / "r", gate=False)
    (tmp_path / "r" / "summary.json").unlink()
    view = present_stored(tmp_path / "r")
    assert view.verdict is None and view.summary["totals"]["cases"] == 2
    assert not (tmp_path / "r" / "summary.json").exists()  # presenting writes nothing


def test_what_is_not_a_finished_run_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a folder"):
        present_stored(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"no results\.jsonl here"):
        present_stored(tmp_path / "empty")


def test_a_damaged_summary_is_refused_naming_the_file(tmp_path: Path) -> None:
    cfg = write_project(tmp_path)
    evalgate.run(cfg, out=tmp_path / "r", gate=False)
    (tmp_path / "r" / "summary.json").write_text('{"format_version": 1, "run_id": 3}')
    with pytest.raises(ConfigError, match=r"summary.json: damaged summary \(run_id"):
        present_stored(tmp_path / "r")


def test_a_run_still_being_written_is_refused(tmp_path: Path) -> None:
    cfg = write_project(tmp_path)
    evalgate.run(cfg, out=tmp_path / "r", gate=False)
    with hold_run_dir(tmp_path / "r"), pytest.raises(UsageError, match="still being written"):
        present_stored(tmp_path / "r")


def test_a_reference_read_in_one_pass_is_the_one_read_in_two(tmp_path: Path) -> None:
    from dataclasses import replace as _replace

    from evalgate.engine.stored import load_reference, load_run, reference_of
    from tests.perf.test_stored_summary_memory import _run

    src = _run(tmp_path / "src", 30)
    two = reference_of(load_run(src))
    one = load_reference(src)
    assert any(c.answer for c in two.cases.values())
    assert _replace(one, recorded_at="") == _replace(two, recorded_at="")
    # a file read as text (a carriage return inside a line): the answers are read again
    lines = (src / "results.jsonl").read_bytes().split(b"\n")
    lines[3:5] = [lines[3] + b"\r" + lines[4]]  # two results, one line to a binary reader
    (src / "results.jsonl").write_bytes(b"\n".join(lines))
    assert _replace(load_reference(src), recorded_at="") == _replace(
        reference_of(load_run(src)), recorded_at=""
    )
