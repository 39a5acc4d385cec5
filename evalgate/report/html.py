"""A single self-contained HTML file to browse a run: no network, no external resources.

The run's data is embedded as JSON in a ``<script type="application/json">`` block (with ``<``
escaped so nothing in it can close the tag) and rendered by the inline script with
``textContent`` only, so model output shows as text and never runs. A Content Security Policy
allows only the page's own inline script and style (by hash) and no network at all.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from importlib import resources
from typing import Any, cast

from evalgate import masking
from evalgate.gate.verdict import Verdict
from evalgate.model import ToolCall
from evalgate.report import htmlline, htmltext
from evalgate.report.text import truncate
from evalgate.report.view import DETAIL_ROWS, CaseRow, RunView, first_failure
from evalgate.report.worddiff import word_diff
from evalgate.results import CaseResult

MAX_FIELD = htmltext.MAX_FIELD  # characters of one answer or request kept in the page
# Cases shown with every repeat's request and answer. Failed, errored and regressed cases
# always are; passing cases past this many are listed with their figures only, so the page
# (and the memory to build it) stays bounded however large the golden set.
MAX_DETAILED = DETAIL_ROWS


@cache
def _asset(name: str) -> str:
    return resources.files("evalgate.report").joinpath("assets", name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


# one encoder each (json.dumps with options builds one per call): the same text
_MEASURE = json.JSONEncoder(ensure_ascii=False, default=str)
_EMBED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _cap(value: Any) -> Any:
    """Keep big strings (and big JSON documents) from bloating the page."""
    if isinstance(value, str):
        return truncate(value, MAX_FIELD)
    if value is None or isinstance(value, (int, float, bool)):
        return value
    text = _MEASURE.encode(value)
    return value if len(text) <= MAX_FIELD else truncate(text, MAX_FIELD)


def _repeat(r: CaseResult) -> dict[str, Any]:
    resp = r.response
    return {
        "repeat": r.repeat,
        "status": r.status,
        "outcome": r.outcome,
        "score": r.score,
        "latency_ms": r.latency_ms,
        "error": r.error,
        "request": _cap(r.request),
        "output": _cap(resp.output) if resp else None,
        "citations": list(resp.citations) if resp else [],
        "retrieved": list(resp.retrieved) if resp else [],
        "tool_calls": _cap([t.to_dict() for t in resp.tool_calls]) if resp else [],
        "model": resp.model if resp else None,
        "prompt_version": resp.prompt_version if resp else None,
        "input_tokens": resp.input_tokens if resp else None,
        "output_tokens": resp.output_tokens if resp else None,
        "trace_id": resp.trace_id if resp else None,
        "scores": [
            {"scorer": s.scorer, "score": s.score, "passed": s.passed, "reason": s.reason,
             "error": s.error, "turn": s.turn}
            for s in r.scores
        ],
        "turns": [
            {"request": _cap(t.request), "outcome": t.outcome,
             "output": _cap(t.response.output) if t.response else t.error}
            for t in r.turns
        ],
    }  # fmt: skip


def _answers(c: CaseRow) -> dict[str, Any]:
    """The baseline's answer beside this run's, with a word diff, when the verdict kept it."""
    before = c.base.answer if c.base else None
    if not before:
        return {}
    after = c.answer or ""
    return {
        "base_answer": _cap(before),
        "answer": _cap(after),
        "answer_diff": word_diff(before, after),
        "base_changed": c.compare == "changed",
    }


def _case(c: CaseRow, detailed: bool = True) -> dict[str, Any]:
    repeats = [_repeat(r) for r in c.repeats] if detailed else []
    return _entry(c, _answers(c), c.first_failure, repeats, detailed)


def _entry(
    c: CaseRow, answers: dict[str, Any], reason: str | None, repeats: list[Any], detailed: bool
) -> dict[str, Any]:
    return answers | {
        "id": c.case_id,
        "dataset": c.dataset,
        "file": c.file,
        "line": c.line,
        "tags": list(c.tags),
        "status": c.status,
        "score": c.score,
        "pass_rate": c.pass_rate,
        "base_score": c.base.score if c.base else None,
        "base_pass_rate": c.base.pass_rate if c.base else None,
        "delta": c.delta,
        "compare": c.compare,
        "regressed": c.regressed,
        "blocking": list(c.blocking),
        "reason": reason,
        "repeats": repeats,
        "detail": None if detailed else _LEFT_OUT,
    }


def _case_of_lines(c: CaseRow, lines: list[dict[str, Any]], detailed: bool) -> dict[str, Any]:
    """:func:`_case` of ``c`` with the results of ``lines`` (plain passing lines, see
    :func:`evalgate.report.details.plain`), made from the lines' objects: no result rebuilt."""
    if c.base is not None and c.base.answer:  # the answer beside the baseline's: the results
        return _case(replace(c, held=tuple(map(CaseResult.from_dict, lines))), detailed)
    # every repeat passed: no failure to name (the repeats' statuses are all it reads)
    reason = first_failure((), c.status)
    return _entry(c, {}, reason, [_repeat_of_line(d) for d in lines] if detailed else [], detailed)


def _repeat_of_line(d: dict[str, Any]) -> dict[str, Any]:
    """:func:`_repeat` of ``CaseResult.from_dict(d)`` for a plain line: the same conversions."""
    resp = d.get("response")
    score = d.get("score")
    return {
        "repeat": d.get("repeat", 0),
        "status": d["status"],
        "outcome": d.get("outcome", "success"),
        "score": None if score is None else float(score),
        "latency_ms": float(d.get("latency_ms") or 0.0),
        "error": d.get("error"),
        "request": _cap(d.get("request")),
        "output": _cap(resp.get("output")) if resp is not None else None,
        "citations": [str(x) for x in resp.get("citations") or ()] if resp is not None else [],
        "retrieved": [str(x) for x in resp.get("retrieved") or ()] if resp is not None else [],
        "tool_calls": _cap([_tool_call(t) for t in resp.get("tool_calls") or ()])
        if resp is not None
        else [],
        "model": resp.get("model") if resp is not None else None,
        "prompt_version": resp.get("prompt_version") if resp is not None else None,
        "input_tokens": resp.get("input_tokens") if resp is not None else None,
        "output_tokens": resp.get("output_tokens") if resp is not None else None,
        "trace_id": resp.get("trace_id") if resp is not None else None,
        "scores": [
            {"scorer": str(s["scorer"]), "score": float(s["score"]), "passed": bool(s["passed"]),
             "reason": str(s.get("reason") or ""), "error": s.get("error"), "turn": s.get("turn")}
            for s in d.get("scores") or ()
        ],
        "turns": [],  # a plain line has none
    }  # fmt: skip


def _tool_call(t: dict[str, Any]) -> dict[str, Any]:
    """A stored tool call as ``Response.from_dict`` reads it and ``ToolCall.to_dict`` writes it."""
    return ToolCall(
        name=str(t.get("name", "")),
        arguments=dict(t.get("arguments") or {}),
        permission=t.get("permission"),
        id=t.get("id"),
    ).to_dict()


_LEFT_OUT = (
    f"requests and answers of passing cases are shown for the first {MAX_DETAILED} cases;"
    " every result is in results.jsonl"
)


def _source_text(src: Any) -> str | None:
    from evalgate.gate.provenance import describe

    return describe(src) if src else None


def _head(view: RunView) -> dict[str, Any]:
    """The document the page renders, but for its cases (the last key)."""
    s = view.summary
    v = view.verdict
    return {
        "run": {
            "run_id": view.run_id,
            "prompt_version": view.prompt_version,
            "started_at": s.get("started_at"),
            "git": s.get("git"),
            "baseline_source": _source_text(v.baseline_source) if v else None,
        },
        # without building the per-case deltas the page leaves out (one per case)
        "verdict": _verdict_head(v) if v else None,
        "totals": dict(view.totals),
        "latency": s.get("latency_ms") or {},
        "tokens": s.get("tokens") or {},
        "cost_usd": s.get("cost_usd"),
        "datasets": sorted({c.dataset for c in view.cases if c.dataset}),
        "tags": sorted({t for c in view.cases for t in c.tags}),
    }


def _verdict_head(v: Verdict) -> dict[str, Any]:
    return replace(v, deltas=(), stats={}).to_dict() | {"deltas": None, "stats": None}


def _cases(view: RunView) -> Iterator[dict[str, Any]]:
    """The page's cases, flagged first, one at a time (secrets scrubbed); the first
    :data:`MAX_DETAILED` (and every flagged one) with their requests and answers."""
    cases = [*view.flagged, *(c for c in view.cases if not c.flagged)]
    for i, (c, lines) in enumerate(view.detailed_lines(cases)):
        detailed = c.flagged or i < MAX_DETAILED
        case = _case(c, detailed) if lines is None else _case_of_lines(c, lines, detailed)
        yield masking.scrub_obj(case)


def _case_texts(view: RunView) -> Iterator[str]:
    """:func:`_cases`, each as the page embeds it: written directly where it can be
    (:mod:`evalgate.report.htmltext`), else made and encoded the general way."""
    flagged = view.flagged
    cases = view.cases
    if flagged:  # the others in their order (the flagged rows are view.cases' own objects)
        shown = {id(c) for c in flagged}
        cases = (*flagged, *(c for c in view.cases if id(c) not in shown))
    for i, (c, raws) in enumerate(view.detailed_raw(cases)):
        detailed = i < len(flagged) or i < MAX_DETAILED  # the flagged rows come first
        text = _stored_text(c, raws) if raws and detailed else None
        if text is not None:
            yield text
            continue
        c, lines = view.resolved(c, raws)
        text = _case_text(c, lines, detailed)
        if text is None:
            case = _case(c, detailed) if lines is None else _case_of_lines(c, lines, detailed)
            text = embed_json(masking.scrub_obj(case))
        yield text


def _case_text(c: CaseRow, lines: list[dict[str, Any]] | None, detailed: bool) -> str | None:
    """The embedded text of :func:`_case` (or :func:`_case_of_lines`) of ``c``, written
    directly; None when it is left to them: an answer beside the baseline's, or repeats held
    as results (flagged rows, views without a results file)."""
    if c.base is not None and c.base.answer:
        return None
    left_out = None if detailed else _LEFT_OUT
    if lines is None:
        if detailed and c.repeats:
            return None
        reason = c.first_failure
        return htmltext.written(lambda: htmltext.entry(c, reason, "", left_out))
    reason = first_failure((), c.status)
    rows = lines if detailed else []
    return htmltext.written(
        lambda: htmltext.entry(c, reason, ",".join(map(htmltext.repeat_of_line, rows)), left_out)
    )


def _stored_text(c: CaseRow, raws: list[tuple[int, bytes]]) -> str | None:
    """:func:`_case_text` of a detailed row from its stored lines as they are, when each is a
    plain passing line :mod:`evalgate.report.htmlline` reads whole; else None."""
    if c.base is not None and c.base.answer:
        return None
    repeats = [htmlline.repeat_text(raw) for _, raw in raws]
    if None in repeats:
        return None
    text = ",".join(cast("list[str]", repeats))
    return htmltext.written(lambda: htmltext.entry(c, first_failure((), c.status), text, None))


def report_data(view: RunView) -> dict[str, Any]:
    """The JSON document the page renders (secrets scrubbed)."""
    return dict(masking.scrub_obj(_head(view))) | {"cases": list(_cases(view))}


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
        text = _EMBED.encode(data)
    except ValueError:
        text = json.dumps(_finite(data), ensure_ascii=False, separators=(",", ":"))
    return htmltext.script_safe(text)


def html_chunks(view: RunView) -> Iterator[str]:
    """The page in pieces, a case at a time: what :func:`render_html` joins, written to a
    file as it is made (the page of a large run is never held whole)."""
    script, style = _asset("report.js"), _asset("report.css")
    csp = (
        f"default-src 'none'; script-src '{_sha256(script)}'; style-src '{_sha256(style)}';"
        " img-src data:; base-uri 'none'; form-action 'none'"
    )
    title = f"evalgate report {view.run_id}".strip()
    page = _asset("report.html")
    head, tail = page.split("__DATA__", 1)
    yield (
        head.replace("__CSP__", html.escape(csp))
        .replace("__TITLE__", html.escape(title))
        .replace("__STYLE__", style)
    )
    # The data goes in as separate pieces, so no text in it is taken for a placeholder:
    # the head object without its closing brace, then the cases array, one case a piece.
    yield embed_json(masking.scrub_obj(_head(view)))[:-1] + ',"cases":['
    for i, text in enumerate(_case_texts(view)):
        yield ("," if i else "") + text
    yield "]}" + tail.replace("__SCRIPT__", script)


def render_html(view: RunView) -> str:
    """The whole page as one string."""
    return "".join(html_chunks(view))
