"""JUnit agrees with the verdict: red only for what the gate counts, and always says why."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from evalgate.gate.verdict import CaseDelta, Reason, Verdict
from evalgate.report import RunView
from evalgate.report.junit import render_junit
from evalgate.scorers.registry import ScoreRecord
from tests.report.runs import res

XSD = xmlschema.XMLSchema(str(Path(__file__).parents[1] / "fixtures" / "junit.xsd"))
FAILING = res("flaky", fails=(("contains", "missing 'refund'"),))


def _case(verdict: Verdict | None, *results: object) -> ET.Element:
    summary = {"totals": {}, "verdict": verdict.to_dict() if verdict else None}
    xml = render_junit(RunView.build(list(results), summary))  # type: ignore[arg-type]
    XSD.validate(xml)
    case = ET.fromstring(xml).find(".//testcase")
    assert case is not None
    return case


def test_a_failure_the_gate_passed_is_skipped_with_the_reason() -> None:
    shared = CaseDelta("flaky", "shared", 1.0, 0.0, 1.0, 0.0)
    case = _case(Verdict("pass", deltas=(shared,)), FAILING)
    assert case.find("failure") is None
    skipped = case.find("skipped")
    assert skipped is not None
    message = skipped.get("message") or ""
    assert message.startswith("not blocking: the gate passed: the difference from the baseline")
    assert "missing 'refund'" in message


def test_a_failure_in_the_baseline_too_says_so() -> None:
    also = CaseDelta("flaky", "shared", 0.0, 0.0, 0.0, 0.0)
    other = Reason("broken", "another case broke", ("other",))
    case = _case(Verdict("fail", (other,), deltas=(also,)), FAILING, res("other"))
    skipped = case.find("skipped")
    assert skipped is not None and "it failed in the baseline too" in (skipped.get("message") or "")


def test_a_note_naming_the_case_is_the_reason() -> None:
    note = Reason("quarantined", "flips too often to gate", ("flaky",), blocking=False)
    case = _case(Verdict("pass", (note,)), FAILING)
    skipped = case.find("skipped")
    assert skipped is not None
    assert "noted by the gate as quarantined: flips too often" in (skipped.get("message") or "")


@pytest.mark.parametrize(
    "verdict",
    [
        None,  # not gated: every failure counts
        Verdict("inconclusive", (Reason("error_rate", "too many errors"),)),
        Verdict("fail", (Reason("min_pass_rate", "overall pass rate 0% < 90%"),)),  # no case named
        Verdict("fail", (Reason("case_failed", "new case fails", ("flaky",)),)),
    ],
)
def test_failures_the_gate_counts_are_red(verdict: Verdict | None) -> None:
    case = _case(verdict, FAILING)
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "quality"


def test_a_regression_is_a_failure() -> None:
    shared = CaseDelta("flaky", "shared", 1.0, 0.0, 1.0, 0.0)
    verdict = Verdict(
        "fail", (Reason("broken", "passed in the baseline", ("flaky",)),), deltas=(shared,)
    )
    failure = _case(verdict, FAILING).find("failure")
    assert failure is not None and failure.get("type") == "regression"


def test_advisory_failures_pass_with_the_critique() -> None:
    judge = ScoreRecord("llm_judge", 0.2, False, "too curt", advisory=True)
    passed = dataclasses.replace(res("curt"), scores=(*res("curt").scores, judge))
    case = _case(Verdict("pass"), passed)
    assert case.find("failure") is None and case.find("skipped") is None
    out = case.find("system-out")
    assert out is not None and "advisory, not gated: llm_judge: too curt" in (out.text or "")


def test_annotations_agree_with_junit() -> None:
    from evalgate.report.github import annotation_lines

    shared = CaseDelta("flaky", "shared", 1.0, 0.0, 1.0, 0.0)
    summary = {"totals": {}, "verdict": Verdict("pass", deltas=(shared,)).to_dict()}
    (line,) = annotation_lines(RunView.build([FAILING], summary), environ={})
    assert line.startswith("::warning ") and "not blocking: the gate passed" in line
    (line,) = annotation_lines(RunView.build([FAILING], {"totals": {}, "verdict": None}), {})
    assert line.startswith("::error ") and "missing 'refund'" in line
