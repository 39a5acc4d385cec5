"""When a calibration lets judge failures block: per criterion, enough labels, lower bound."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalgate.llmjudge import calibration
from evalgate.llmjudge.calibration import Calibration, Rules, criterion_of

URL, MODEL = "http://judge.test/v1", "m"
WINDOW = "The answer must mention '30 days'"


def _pairs(agree: int, disagree: int) -> list[tuple[bool, bool]]:
    half = agree // 2
    return (
        [(True, True)] * half
        + [(False, False)] * (agree - half)
        + [(True, False), (False, True)] * (disagree // 2)
        + [(True, False)] * (disagree % 2)
    )


def _write(tmp: Path, per: dict[str, list[tuple[bool, bool]]], **extra: Any) -> Path:
    every = [p for ps in per.values() for p in ps]
    doc = {
        "format": calibration.FORMAT,
        "judge": calibration.identity(URL, MODEL),
        **calibration.agreement(every),
        "criteria": {c: calibration.agreement(ps) for c, ps in per.items()},
        **extra,
    }
    path = tmp / "cal.json"
    path.write_text(json.dumps(doc), "utf-8")
    return path


def _decide(path: Path, scorer: str, params: Any, **rules: Any) -> tuple[bool, str]:
    return Calibration.load(path, URL, MODEL, Rules(**rules)).decide(scorer, params)


def test_a_scorer_blocks_only_when_its_own_criterion_is_calibrated(tmp_path: Path) -> None:
    path = _write(tmp_path, {criterion_of("rubric", WINDOW): _pairs(20, 0)})
    assert _decide(path, "rubric", WINDOW) == (True, "")
    assert _decide(path, "rubric", {"criteria": f"  {WINDOW} "})[0]  # same words, same criterion
    ok, why = _decide(path, "rubric", "The answer must mention 'store credit'")
    assert not ok and "no labels for this criterion" in why and "store credit" in why
    ok, why = _decide(path, "grounded", True)
    assert not ok and "(grounded)" in why
    # the global scope lets the whole set decide for every criterion
    assert _decide(path, "grounded", True, scope="global") == (True, "")


def test_too_few_labels_never_block_however_good(tmp_path: Path) -> None:
    path = _write(tmp_path, {criterion_of("rubric", WINDOW): _pairs(12, 0)})
    ok, why = _decide(path, "rubric", WINDOW)
    assert not ok and "12 judged label(s), fewer than judge.min_labels 20" in why
    assert _decide(path, "rubric", WINDOW, min_labels=10) == (True, "")


def test_the_lower_bound_not_the_point_estimate_must_reach_min_agreement(
    tmp_path: Path,
) -> None:
    pairs = _pairs(22, 3)  # kappa 0.76 as a point, but 25 labels leave a wide interval
    k = calibration.kappa(pairs)
    assert k is not None and k > 0.6
    path = _write(tmp_path, {criterion_of("rubric", WINDOW): pairs})
    ok, why = _decide(path, "rubric", WINDOW, min_agreement=0.6)
    low = json.loads(path.read_text())["kappa"]["ci"][0]
    assert low < 0.6 and not ok
    assert f"lower 95% bound of the judge's kappa with human labels is {low:.2f}" in why
    assert f"(point {k:.2f})" in why
    assert _decide(path, "rubric", WINDOW, min_agreement=low)[0]


def test_ac1_can_be_the_statistic_and_one_sided_labels_never_block(tmp_path: Path) -> None:
    pairs = _pairs(22, 3)
    path = _write(tmp_path, {criterion_of("rubric", WINDOW): pairs})
    low = json.loads(path.read_text())["ac1"]["ci"][0]
    assert _decide(path, "rubric", WINDOW, statistic="ac1", min_agreement=low)[0]
    ok, why = _decide(path, "rubric", WINDOW, statistic="ac1", min_agreement=low + 0.01)
    assert not ok and "judge's ac1" in why
    # judge and humans pass everything: AC1 is 1.0, yet nobody saw the judge fail an answer
    path = _write(tmp_path, {criterion_of("rubric", WINDOW): [(True, True)] * 30})
    assert calibration.ac1([(True, True)] * 30) == 1.0
    for stat in ("kappa", "ac1"):
        ok, why = _decide(path, "rubric", WINDOW, statistic=stat)
        assert not ok and "label both" in why


def test_an_old_or_foreign_calibration_is_advisory_with_its_reason(tmp_path: Path) -> None:
    path = _write(tmp_path, {criterion_of("rubric", WINDOW): _pairs(20, 0)})
    ok, why = Calibration.load(path, URL, "another-model", Rules()).decide("rubric", WINDOW)
    assert not ok and "another judge" in why
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "format": 1}), "utf-8")
    ok, why = _decide(path, "rubric", WINDOW)
    assert not ok and "older evalgate" in why
    ok, why = _decide(tmp_path / "absent.json", "rubric", WINDOW)
    assert not ok and "not calibrated" in why


@pytest.mark.parametrize("scope", ["criterion", "global"])
def test_blocking_summary_names_the_first_criterion_that_cannot_block(
    tmp_path: Path, scope: str
) -> None:
    per = {
        criterion_of("rubric", WINDOW): _pairs(20, 0),
        criterion_of("rubric", "mention 'x'"): _pairs(5, 0),
    }
    path = _write(tmp_path, per)
    ok, why = calibration.blocking(path, URL, MODEL, Rules(scope=scope))
    if scope == "global":
        assert ok  # 25 labels overall, all agreeing
    else:
        assert not ok and "mention 'x'" in why and "fewer than judge.min_labels" in why


def test_an_advisory_failure_still_counts_its_scorer_as_run() -> None:
    from evalgate.results import CaseResult, aggregate
    from evalgate.scorers.registry import ScoreRecord

    ok = ScoreRecord("contains", 1.0, True, "")
    adv = ScoreRecord("rubric", 0.0, False, "nope", advisory=True)
    before = CaseResult("c", "d", 0, "passed", "success", True, 1.0, scores=(ok, adv))
    stats = aggregate([before])["c"]
    # the scorer set matches a baseline where the rubric passed; its failure is not counted
    assert stats.scorer_pass == {"contains": (1, 1), "rubric": (0, 0)} and stats.passed


def test_the_verdict_notes_each_cause_of_advisory_failures_once() -> None:
    from evalgate.llmjudge.phase import advisory_notes
    from evalgate.results import CaseResult
    from evalgate.scorers.registry import ScoreRecord

    def res(cid: str, repeat: int, why: str) -> CaseResult:
        rec = ScoreRecord("rubric", 0.0, False, f"no [x] [advisory: {why}]", advisory=True)
        return CaseResult(cid, "d", repeat, "passed", "success", True, 1.0, scores=(rec,))

    few = "few labels"
    notes = advisory_notes([res("a", 0, few), res("a", 1, few), res("b", 0, "old")])
    assert [(n.cases, n.blocking) for n in notes] == [(("a",), False), (("b",), False)]
    assert notes[0].message.endswith("(a): few labels") and notes[1].kind == "info"
    assert advisory_notes([CaseResult("c", "d", 0, "passed", "success", True, 1.0)]) == []
