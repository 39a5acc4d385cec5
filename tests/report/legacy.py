"""The reporters as they were before they were streamed: the oracle the streamed ones are
compared with (tests/report/test_streamed_equivalence.py). Kept verbatim but for imports."""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

# ---- junit.py as it was -------------------------------------------------------------------
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from evalgate import masking
from evalgate.report.review import counted, why_not_counted
from evalgate.report.text import fmt_delta, fmt_pct, fmt_score, truncate
from evalgate.report.view import RunView

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


# ---- html.py as it was --------------------------------------------------------------------
import json
import math
import html
from typing import Any

from evalgate.report.html import (
    _asset,
    _sha256,
    _cap,
    _repeat,
    _answers,
    _case,
    _source_text,
    MAX_DETAILED,
)


def report_data(view: RunView) -> dict[str, Any]:
    """The JSON document the page renders (secrets scrubbed)."""
    s = view.summary
    v = view.verdict
    flagged = view.flagged
    cases = [*flagged, *(c for c in view.cases if not c.flagged)]
    data = {
        "run": {
            "run_id": view.run_id,
            "prompt_version": view.prompt_version,
            "started_at": s.get("started_at"),
            "git": s.get("git"),
            "baseline_source": _source_text(v.baseline_source) if v else None,
        },
        "verdict": (v.to_dict() | {"deltas": None, "stats": None}) if v else None,
        "totals": dict(view.totals),
        "latency": s.get("latency_ms") or {},
        "tokens": s.get("tokens") or {},
        "cost_usd": s.get("cost_usd"),
        "datasets": sorted({c.dataset for c in view.cases if c.dataset}),
        "tags": sorted({t for c in view.cases for t in c.tags}),
        "cases": [_case(c, c.flagged or i < MAX_DETAILED) for i, c in enumerate(cases)],
    }
    return dict(masking.scrub_obj(data))


def _finite(value: Any) -> Any:
    """NaN and infinities are not JSON; the page shows them as missing."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def embed_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: it cannot contain ``</`` or ``<!--``."""
    try:  # no copy of the data unless a number in it is not finite (rare): memory at 100k cases
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(data), ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def render_html(view: RunView) -> str:
    """The whole page as one string."""
    script, style = _asset("report.js"), _asset("report.css")
    csp = (
        f"default-src 'none'; script-src '{_sha256(script)}'; style-src '{_sha256(style)}';"
        " img-src data:; base-uri 'none'; form-action 'none'"
    )
    title = f"evalgate report {view.run_id}".strip()
    page = _asset("report.html")
    head, tail = page.split("__DATA__", 1)
    head = (
        head.replace("__CSP__", html.escape(csp))
        .replace("__TITLE__", html.escape(title))
        .replace("__STYLE__", style)
    )
    tail = tail.replace("__SCRIPT__", script)
    # The data goes in last, as a separate piece, so no text in it is taken for a placeholder.
    return head + embed_json(report_data(view)) + tail


# ---- review.side_by_side as it was ----------------------------------------------------------
from collections.abc import Mapping

from evalgate.report import mdsafe as md
from evalgate.report.review import ANSWER_CHARS, _header


def side_by_side(view: RunView, env: Mapping[str, str], limit: int) -> list[str]:
    """The answers of the flagged cases, the baseline's beside this run's (at most ``limit``)."""
    shown = [c for c in view.flagged if c.answer or (c.base and c.base.answer)][:limit]
    if not shown:
        return []
    out = ["", "#### What changed", ""]
    for c in shown:
        rep = c.shown_repeat
        now = md.code_block(c.answer or "(no answer)", ANSWER_CHARS)
        label = f"this run (repeat {rep.repeat})" if rep is not None else "this run"
        out += [_header(c, env), ""]
        if c.base is None or not c.base.answer:
            out += [f"_{label}; the baseline kept no answer for this case:_", "", now, ""]
            continue
        before = "baseline (before the case changed)" if c.compare == "changed" else "baseline"
        base = md.code_block(c.base.answer, ANSWER_CHARS)
        out += [
            f"<table><tr><th>{before}</th><th>{label}</th></tr><tr><td>",
            "",
            base,
            "",
            "</td><td>",
            "",
            now,
            "",
            "</td></tr></table>",
            "",
        ]
    more = len([c for c in view.flagged if c.answer or (c.base and c.base.answer)]) - len(shown)
    if more > 0:
        out.append(f"{more} more in the HTML report.")
    return out[:-1] if out[-1] == "" else out
