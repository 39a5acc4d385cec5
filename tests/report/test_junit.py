"""JUnit XML: valid against the common schema, one testcase per golden case, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from evalgate.report import RunView
from evalgate.report.junit import render_junit
from tests.report.conftest import view_of
from tests.report.runs import HOSTILE, res

XSD = xmlschema.XMLSchema(str(Path(__file__).parents[1] / "fixtures" / "junit.xsd"))


def test_valid_against_schema(run_name: str) -> None:
    XSD.validate(render_junit(view_of(run_name)))


def test_schema_rejects_a_broken_document() -> None:
    # The schema check is not vacuous: a testsuite without its test count fails.
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        XSD.validate(
            '<testsuites><testsuite name="a"><testcase name="x"/></testsuite></testsuites>'
        )


def test_structure_of_the_regressed_run() -> None:
    root = ET.fromstring(render_junit(view_of("regressed")))
    assert [s.get("name") for s in root] == ["security", "support-copilot"]
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "8", "3", "1", "1",
    )  # fmt: skip
    cases = {c.get("name"): c for c in root.iter("testcase")}
    rw = cases["refund-window"]
    assert (rw.get("classname"), rw.get("file"), rw.get("line")) == (
        "support-copilot", "goldens/support.yaml", "4",
    )  # fmt: skip
    failure = rw.find("failure")
    assert failure is not None
    assert failure.get("message") == "citation: no citation among any_of [kb-refunds]"
    assert cases["kb-timeout"].find("error") is not None
    assert cases["skipped-case"].find("skipped") is not None
    close = cases["close-ticket-needs-confirmation"]
    assert close.get("time") == "0.360"  # three repeats of 120 ms, one testcase
    assert "passed 1/3 scored repeats" in (close.findtext("failure") or "")
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["evalgate.verdict"] == "fail" and props["evalgate.prompt_version"] == "v2"


def test_hostile_text_round_trips_and_control_chars_are_dropped() -> None:
    reason = HOSTILE + "\x00\x1b[31m\x07"
    view = RunView.build(
        [res("x", fails=(("contains", reason),), output=HOSTILE)], {"totals": {}, "verdict": None}
    )
    xml = render_junit(view)
    XSD.validate(xml)
    failure = ET.fromstring(xml).find(".//failure")
    assert failure is not None
    assert HOSTILE.replace("\n", " ")[:50] in (failure.get("message") or "").replace("\n", " ")
    assert "\x00" not in xml and "\x1b" not in xml
    assert "<script>" not in xml  # escaped as &lt;script&gt;


def test_passing_case_named_by_a_failed_gate_is_a_failure() -> None:
    from evalgate.gate.verdict import Reason, Verdict

    verdict = Verdict("fail", reasons=(Reason("regression", "dropped", ("ok-case",)),))
    view = RunView.build([res("ok-case")], {"totals": {}, "verdict": verdict.to_dict()})
    failure = ET.fromstring(render_junit(view)).find(".//failure")
    assert failure is not None and failure.get("type") == "regression"
