"""JUnit XML: one test suite per dataset, one test case per golden case.

A test is red only when the gate counts it against the run: a regression is a ``<failure
type="regression">``, a failure the gate blocks on (or any failure when the run was not gated,
or the gate could not decide) a ``<failure type="quality">``, an infrastructure error an
``<error>``. A case that failed but that a verdict did not count (judged within noise, failing in
the baseline too, quarantined) is ``<skipped>`` with a message that starts ``not blocking:`` and
says why; a passing case with advisory failures (an uncalibrated judge) passes with the
critique in ``<system-out>``. Skipped and pending cases are ``<skipped>``. Repeats are folded
into their case; the text says the pass rate. See docs/reports.md.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from evalgate import masking
from evalgate.report.review import counted, why_not_counted
from evalgate.report.text import fmt_delta, fmt_pct, fmt_score, truncate
from evalgate.report.view import CaseRow, RunView

MAX_TEXT = 4000
# XML 1.0 cannot carry most control characters at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(value: object, limit: int = MAX_TEXT) -> str:
    return truncate(_NOT_XML.sub("", masking.scrub(str(value))), limit)


def _seconds(ms: float) -> str:
    return f"{ms / 1000.0:.3f}"


def _details(c: CaseRow) -> str:
    lines = [f"case {c.case_id} at {c.where or 'unknown location'}"]
    lines.append(f"score {fmt_score(c.score)}, pass rate {fmt_pct(c.pass_rate)}")
    if c.repeats_note:
        lines.append(c.repeats_note)
    if c.base is not None:
        lines.append(f"baseline score {fmt_score(c.base.score)}, delta {fmt_delta(c.delta)}")
    if c.blocking:
        lines.append("named by the gate: " + ", ".join(c.blocking))
    for r in c.repeats:
        prefix = f"repeat {r.repeat}: " if len(c.repeats) > 1 else ""
        if r.status == "error":
            what = "scorer error" if r.outcome == "success" else r.outcome
            lines.append(f"{prefix}error ({what}): {r.error or ''}".rstrip())
        for s in r.scores:
            if not s.passed:
                lines.append(f"{prefix}{s.scorer}: {s.error or s.reason or 'failed'}")
    return "\n".join(lines)


def _advisory(c: CaseRow) -> str:
    """The advisory failures (an uncalibrated judge) of a case, one per line."""
    lines = []
    for r in c.repeats:
        prefix = f"repeat {r.repeat}: " if len(c.repeats) > 1 else ""
        for s in r.scores:
            if s.advisory and not s.passed:
                lines.append(f"{prefix}advisory, not gated: {s.scorer}: {s.reason or 'failed'}")
    return "\n".join(lines)


def _testcase(parent: ET.Element, c: CaseRow, suite: str, view: RunView) -> str:
    """Add one <testcase>; return its outcome: passed | failure | error | skipped."""
    attrs = {"classname": _clean(suite, 500), "name": _clean(c.case_id, 500)}
    if c.file:
        attrs["file"] = _clean(c.file, 1000)
        attrs["line"] = str(c.line)
    attrs["time"] = _seconds(c.latency_ms)
    el = ET.SubElement(parent, "testcase", attrs)
    first = c.first_failure
    if c.status in ("skipped", "pending"):
        reason = "pending review" if c.status == "pending" else "skipped"
        for r in c.repeats:
            if r.error:
                reason = r.error
                break
        ET.SubElement(el, "skipped", {"message": _clean(reason, 500)})
        return "skipped"
    if c.status == "error":
        child = ET.SubElement(el, "error", {"message": _clean(first or "error", 500)})
        child.set("type", "infrastructure")
        child.text = _clean(_details(c))
        return "error"
    if c.status == "failed" and not counted(view, c):
        child = ET.SubElement(el, "skipped", {"message": _clean(why_not_counted(view, c), 500)})
        child.text = _clean(_details(c))
        return "skipped"
    if c.status == "failed" or c.blocking:
        message = first or ("gate: " + ", ".join(c.blocking))
        child = ET.SubElement(el, "failure", {"message": _clean(message, 500)})
        # worse than the baseline; a failing new or changed case has no baseline to regress from
        regression = c.status != "failed" or (bool(c.blocking) and c.compare == "shared")
        child.set("type", "regression" if regression else "quality")
        child.text = _clean(_details(c))
        return "failure"
    note = _advisory(c)
    if note:
        ET.SubElement(el, "system-out").text = _clean(note)
    return "passed"


def _properties(parent: ET.Element, view: RunView) -> None:
    props = ET.SubElement(parent, "properties")
    v = view.verdict
    pairs: Sequence[tuple[str, object]] = [
        ("evalgate.run_id", view.run_id),
        ("evalgate.prompt_version", view.prompt_version or ""),
        ("evalgate.verdict", v.status if v else "not gated"),
        ("evalgate.baseline_version", (v.baseline_version if v else None) or ""),
    ]
    for name, value in pairs:
        ET.SubElement(props, "property", {"name": name, "value": _clean(value, 500)})
    if v is not None:
        for i, reason in enumerate(v.reasons, start=1):
            text = f"{reason.kind}: {reason.message}"
            ET.SubElement(
                props, "property", {"name": f"evalgate.reason.{i}", "value": _clean(text)}
            )


def render_junit(view: RunView) -> str:
    """The JUnit XML document (UTF-8 text with an XML declaration)."""
    root = ET.Element("testsuites", {"name": "evalgate"})
    by_ds: dict[str, list[CaseRow]] = {}
    for c in view.cases:
        by_ds.setdefault(c.dataset or "pending-review", []).append(c)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_ms = 0.0
    started = view.summary.get("started_at")
    for ds in sorted(by_ds):
        rows = by_ds[ds]
        suite = ET.SubElement(root, "testsuite", {"name": _clean(ds, 500)})
        _properties(suite, view)
        counts = {"passed": 0, "failure": 0, "error": 0, "skipped": 0}
        for c in sorted(rows, key=lambda r: r.case_id):
            counts[_testcase(suite, c, ds, view)] += 1
        ms = sum(c.latency_ms for c in rows)
        stats = {
            "tests": len(rows),
            "failures": counts["failure"],
            "errors": counts["error"],
            "skipped": counts["skipped"],
        }
        for k, n in stats.items():
            suite.set(k, str(n))
            totals[k] += n
        suite.set("time", _seconds(ms))
        if isinstance(started, str) and started:
            suite.set("timestamp", _clean(started, 64))
        total_ms += ms
    for k, n in totals.items():
        root.set(k, str(n))
    root.set("time", _seconds(total_ms))
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
