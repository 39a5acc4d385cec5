"""A stored run's summary read ahead (``rescore``), a summary's case ids held compact and a
baseline made from results handed over (``baseline record``): the same outcomes, the same
errors in the same order, as reading everything where it was read before."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from evalgate.engine.rescore import rescore_handed, rescore_run
from evalgate.engine.stored_meta import stored_meta, summary_ahead
from evalgate.errors import ConfigError
from evalgate.gate.answers import AnswerPicker
from evalgate.gate.baseline import baseline_from_handed, baseline_from_run
from evalgate.model import Case, ScorerSpec
from evalgate.results import RESULTS_FILE, SUMMARY_FILE, read_results
from evalgate.results_compact import read_indexed
from evalgate.summary_outline import CaseIds, read_outline
from tests.perf.test_stored_memory import _run_dir


def _cases(n: int) -> list[Case]:
    return [
        Case(f"q{i:06d}", "bench", expect=(ScorerSpec("contains", "refund"),)) for i in range(n)
    ]


def _error(fn: object) -> str:
    try:
        fn()  # type: ignore[operator]
    except ConfigError as exc:
        return str(exc)
    return "no error"


def test_a_summary_read_ahead_is_used_while_unchanged_and_read_again_once_replaced(
    tmp_path: Path,
) -> None:
    run = _run_dir(tmp_path / "run", range(5))
    ahead = summary_ahead(run)
    assert ahead is not None
    assert stored_meta(run, ahead) == stored_meta(run)
    doc = json.loads((run / SUMMARY_FILE).read_text())
    doc["run_id"] = "another"
    (run / SUMMARY_FILE).write_text(json.dumps(doc))
    os.utime(run / SUMMARY_FILE, ns=(1, 1))  # a different stamp even within the clock's tick
    got = stored_meta(run, ahead)
    assert not isinstance(got, ConfigError) and got.run_id == "another"


def test_no_summary_ahead_for_a_folder_without_one(tmp_path: Path) -> None:
    run = _run_dir(tmp_path / "run", range(3))
    (run / SUMMARY_FILE).unlink()
    assert summary_ahead(run) is None
    assert summary_ahead(tmp_path / "none") is None
    meta = stored_meta(run, None)
    assert not isinstance(meta, ConfigError) and meta.interrupted  # killed before its end


def test_a_rescore_with_its_summary_read_ahead_writes_the_same_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # one clock reading for both: the stored run has no start time, so each rescore stamps
    # the time it ran (whole seconds), and the two could straddle a second
    for module in ("evalgate.engine.stored", "evalgate.engine.stored_meta"):
        monkeypatch.setattr(f"{module}.now_iso", lambda: "2026-01-02T03:04:05+00:00")
    run = _run_dir(tmp_path / "run", range(40))
    a = rescore_run(run, _cases(40), tmp_path / "a")
    b = rescore_handed([_cases(40)], run, tmp_path / "b", ahead=summary_ahead(run))
    assert read_results(tmp_path / "a") == read_results(tmp_path / "b")
    assert a.results == b.results and a.meta.started_at == b.meta.started_at


def test_a_damaged_summary_read_ahead_is_refused_after_the_results_errors(
    tmp_path: Path,
) -> None:
    run = _run_dir(tmp_path / "run", range(5))
    (run / SUMMARY_FILE).write_text("{not json")
    ahead = summary_ahead(run)
    assert ahead is not None and isinstance(ahead.meta, ConfigError)
    before = _error(lambda: rescore_run(run, _cases(5), tmp_path / "a"))
    now = _error(lambda: rescore_handed([_cases(5)], run, tmp_path / "b", ahead=ahead))
    assert "not valid JSON" in now and now == before
    with open(run / RESULTS_FILE, "a", encoding="utf-8") as f:
        f.write("{damaged\n{}\n")
    before = _error(lambda: rescore_run(run, _cases(5), tmp_path / "c"))
    now = _error(lambda: rescore_handed([_cases(5)], run, tmp_path / "d", ahead=ahead))
    assert RESULTS_FILE in now and now == before  # the results' error first, as before


@pytest.mark.parametrize("seed", range(5))
def test_case_ids_are_the_same_as_a_set_of_them(seed: int) -> None:
    rng = random.Random(seed)
    pool = ["", "a", "ab", "b", "é", "q1", "q10", "q2", "a\x00b", "→"]
    mine = set(rng.sample(pool, rng.randint(0, len(pool))))
    held = CaseIds(mine)
    assert list(held) == sorted(mine) and len(held) == len(mine)
    for _ in range(20):
        other = set(rng.sample(pool, rng.randint(0, len(pool))))
        assert held.same(other) == (other == mine)


def test_an_outlines_case_ids_are_its_cases(tmp_path: Path) -> None:
    from evalgate.summary import write_summary
    from tests.test_summary_outline import _doc

    write_summary(tmp_path, _doc(30))
    outline = read_outline(tmp_path)
    assert list(CaseIds(outline.cases)) == sorted(outline.cases)


def test_a_baseline_from_results_handed_over_is_the_same_baseline(tmp_path: Path) -> None:
    from evalgate.run_summary import RunSummary
    from tests.test_summary_outline import _doc

    run = _run_dir(tmp_path / "run", range(60))
    summary = RunSummary.from_dict(_doc(60))
    results = read_results(run)
    whole = baseline_from_run(results, summary, prompt_version="v", recorded_at="t")
    picker = AnswerPicker(run / RESULTS_FILE)
    compact, _ = read_indexed(run, picker.add)
    handed = [compact]
    got = baseline_from_handed(handed, summary, prompt_version="v", recorded_at="t", answers=picker)
    assert handed == [] and got == whole and got.cases
    assert picker.capped(list(got.cases)) == ({}, ())  # its choices let go once read
    # results out of case id order are taken in case id order, each case's in its order
    shuffled = list(reversed(results))
    assert baseline_from_run(shuffled, summary, prompt_version="v", recorded_at="t") == whole
