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
from collections.abc import Iterator, Sequence

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


_ATTR_SPECIAL = re.compile('[&<>"\r\n\t]')


def _attr(value: str) -> str:
    """An attribute value escaped as ElementTree escapes it."""
    if _ATTR_SPECIAL.search(value) is None:  # most values: nothing to escape
        return value
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
        .replace("\t", "&#09;")
    )


def _tag(name: str, attrs: Sequence[tuple[str, str]], close: str = ">") -> str:
    return f"<{name}" + "".join(f' {k}="{_attr(v)}"' for k, v in attrs) + close


def _leaf(pad: str, name: str, attrs: Sequence[tuple[str, str]], text: str | None) -> str:
    """One element without children, on its own line (``text`` escaped as character data)."""
    if not text:
        return pad + _tag(name, attrs, " />")
    body = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return pad + _tag(name, attrs) + body + f"</{name}>"


def _outcome(
    c: CaseRow, view: RunView, text: bool = True
) -> tuple[str, str, list[tuple[str, str]], str | None]:
    """A case's outcome (passed | failure | error | skipped) and its child element: name,
    attributes, text (no name for a passing case without advisory notes). ``text`` False:
    the outcome only (the child's text is not made)."""
    if c.status == "passed" and not c.blocking:  # most rows: no failure to name
        note = _advisory(c) if text else ""
        return "passed", ("system-out" if note else ""), [], _clean(note) if note else None
    first = c.first_failure
    if c.status in ("skipped", "pending"):
        reason = "pending review" if c.status == "pending" else "skipped"
        for r in c.repeats:
            if r.error:
                reason = r.error
                break
        return "skipped", "skipped", [("message", _clean(reason, 500))], None
    if c.status == "error":
        attrs = [("message", _clean(first or "error", 500)), ("type", "infrastructure")]
        return "error", "error", attrs, _clean(_details(c)) if text else None
    if c.status == "failed" and not counted(view, c):
        attrs = [("message", _clean(why_not_counted(view, c), 500))]
        return "skipped", "skipped", attrs, _clean(_details(c)) if text else None
    if c.status == "failed" or c.blocking:
        message = first or ("gate: " + ", ".join(c.blocking))
        # worse than the baseline; a failing new or changed case has no baseline to regress from
        regression = c.status != "failed" or (bool(c.blocking) and c.compare == "shared")
        kind = "regression" if regression else "quality"
        attrs = [("message", _clean(message, 500)), ("type", kind)]
        return "failure", "failure", attrs, _clean(_details(c)) if text else None
    note = _advisory(c) if text else ""
    return "passed", ("system-out" if note else ""), [], _clean(note) if note else None


def _testcase(c: CaseRow, suite: str, view: RunView, classname: str | None = None) -> str:
    """One ``<testcase>`` element, indented as in the document, with its trailing newline
    (``classname``: the suite's, cleaned, when the caller has it)."""
    if classname is None:
        classname = _clean(suite, 500)
    attrs = [("classname", classname), ("name", _clean(c.case_id, 500))]
    if c.file:
        attrs += [("file", _clean(c.file, 1000)), ("line", str(c.line))]
    attrs.append(("time", _seconds(c.latency_ms)))
    _, child, child_attrs, text = _outcome(c, view)
    if not child:
        return _leaf("    ", "testcase", attrs, None) + "\n"
    inner = _leaf("      ", child, child_attrs, text)
    return "    " + _tag("testcase", attrs) + "\n" + inner + "\n    </testcase>\n"


def _properties(view: RunView) -> str:
    v = view.verdict
    pairs: list[tuple[str, str]] = [
        ("evalgate.run_id", view.run_id),
        ("evalgate.prompt_version", view.prompt_version or ""),
        ("evalgate.verdict", v.status if v else "not gated"),
        ("evalgate.baseline_version", (v.baseline_version if v else None) or ""),
    ]
    lines = [(name, _clean(value, 500)) for name, value in pairs]
    if v is not None:
        for i, reason in enumerate(v.reasons, start=1):
            lines.append((f"evalgate.reason.{i}", _clean(f"{reason.kind}: {reason.message}")))
    props = "".join(
        _leaf("      ", "property", [("name", n), ("value", val)], None) + "\n" for n, val in lines
    )
    return "    <properties>\n" + props + "    </properties>\n"


def junit_chunks(view: RunView) -> Iterator[str]:
    """The JUnit XML document in pieces, a test case at a time: what :func:`render_junit`
    joins, written to a file as it is made. Each suite's counts are worked out first, from
    the rows alone, so its opening tag can carry them; the document is never held whole."""
    by_ds: dict[str, list[CaseRow]] = {}
    for c in view.cases:
        by_ds.setdefault(c.dataset or "pending-review", []).append(c)
    suites: list[tuple[str, list[CaseRow], list[tuple[str, str]]]] = []
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_ms = 0.0
    started = view.summary.get("started_at")
    for ds in sorted(by_ds):
        rows = sorted(by_ds[ds], key=lambda r: r.case_id)
        counts = {"passed": 0, "failure": 0, "error": 0, "skipped": 0}
        for c in rows:
            counts[_outcome(c, view, text=False)[0]] += 1
        ms = sum(c.latency_ms for c in rows)
        stats = {
            "tests": len(rows),
            "failures": counts["failure"],
            "errors": counts["error"],
            "skipped": counts["skipped"],
        }
        attrs = [("name", _clean(ds, 500))]
        for k, n in stats.items():
            attrs.append((k, str(n)))
            totals[k] += n
        attrs.append(("time", _seconds(ms)))
        if isinstance(started, str) and started:
            attrs.append(("timestamp", _clean(started, 64)))
        suites.append((ds, rows, attrs))
        total_ms += ms
    root = [("name", "evalgate"), *((k, str(n)) for k, n in totals.items())]
    root.append(("time", _seconds(total_ms)))
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    if not suites:
        yield _tag("testsuites", root, " />") + "\n"
        return
    yield _tag("testsuites", root) + "\n"
    props = _properties(view)
    for ds, rows, attrs in suites:
        yield "  " + _tag("testsuite", attrs) + "\n" + props
        classname = _clean(ds, 500)
        for c in rows:
            yield _testcase(c, ds, view, classname)
        yield "  </testsuite>\n"
    yield "</testsuites>\n"


def render_junit(view: RunView) -> str:
    """The JUnit XML document (UTF-8 text with an XML declaration)."""
    return "".join(junit_chunks(view))
