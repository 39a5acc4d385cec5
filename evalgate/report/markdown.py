"""Markdown for a pull-request comment: the verdict and what to do, the regressed cases with
links, their answers beside the baseline's, then the statistics (collapsed)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from evalgate.gate.verdict import INFO
from evalgate.report import mdsafe as md
from evalgate.report.review import lead, side_by_side
from evalgate.report.text import fmt_cost, fmt_delta, fmt_int, fmt_ms, fmt_pct, fmt_score
from evalgate.report.view import CaseRow, RunView

MARKER = "<!-- evalgate-report -->"
MAX_CHARS = 60_000  # GitHub refuses comments over 65,536 characters
MAX_FLAGGED_ROWS = 50
MAX_ANSWERS = 10
MAX_CASE_NAMES = 20
STATUS_WORDS = {"pass": "PASSED", "fail": "FAILED", "inconclusive": "INCONCLUSIVE"}


def _verdict_line(view: RunView) -> str:
    v = view.verdict
    parts = [f"**evalgate: {STATUS_WORDS.get(v.status, v.status.upper()) if v else 'NOT GATED'}**"]
    if v is not None and v.baseline_version:
        parts.append(f"baseline {md.code_span(v.baseline_version)}")
    if view.prompt_version:
        parts.append(f"prompt version {md.code_span(view.prompt_version)}")
    if view.run_id:
        parts.append(f"run {md.code_span(view.run_id)}")
    return " · ".join(parts)


def _score_table(view: RunView) -> list[str]:
    t, s, v = view.totals, view.summary, view.verdict
    lat = s.get("latency_ms") or {}
    tokens = s.get("tokens") or {}
    rows = [
        "",
        "<details><summary>Statistics</summary>",
        "",
        "| | this run | baseline | delta |",
        "|---|---:|---:|---:|",
    ]
    if v is not None and v.base_mean_score is not None:
        rows.append(
            f"| mean score (shared cases) | {fmt_score(v.shared_mean_score)} |"
            f" {fmt_score(v.base_mean_score)} | {fmt_delta(v.delta)} |"
        )
    rows += [
        f"| mean score | {fmt_score(t.get('mean_score'))} | | |",
        f"| pass rate | {fmt_pct(t.get('pass_rate'))} | | |",
        f"| cases | {fmt_int(t.get('cases'))} | | |",
        f"| passed / failed | {fmt_int(t.get('passed'))} / {fmt_int(t.get('failed'))} | | |",
        f"| errors | {fmt_int(t.get('errors'))} ({fmt_pct(t.get('error_rate'))}) | | |",
        f"| skipped / pending | {fmt_int(t.get('skipped'))} / {fmt_int(t.get('pending'))} | | |",
        f"| latency p50 / p95 | {fmt_ms(lat.get('p50'))} / {fmt_ms(lat.get('p95'))} | | |",
        f"| tokens | {fmt_int(tokens.get('total'))} | | |",
        f"| cost | {fmt_cost(s.get('cost_usd'))} | | |",
    ]
    if v is not None and v.p_value is not None:
        test = f" ({md.text(v.test, 60)})" if v.test else ""
        rows.append(f"| p-value of the drop{test} | {v.p_value:.4f} | | |")
    if v is not None and v.min_detectable_drop is not None:
        rows.append(f"| smallest detectable drop | {v.min_detectable_drop:.3f} | | |")
    notes = _reasons(view, statistics=True)
    return [*rows, *notes, "", "</details>"]


def _reasons(view: RunView, statistics: bool = False) -> list[str]:
    """The gate's reasons; the statistical notes (kind ``info``) go with the statistics."""
    shown = (
        [r for r in view.verdict.reasons if (r.kind == INFO) is statistics] if view.verdict else []
    )
    if not shown:
        return []
    out = ["", "Notes on the statistics:" if statistics else "#### Reasons", ""]
    for r in shown:
        tag = "blocking" if r.blocking else "note"
        line = f"- **{md.text(r.kind, 40)}** ({tag}): {md.text(r.message, 500)}"
        if r.cases:
            names = ", ".join(md.code_span(c, 100) for c in r.cases[:MAX_CASE_NAMES])
            more = len(r.cases) - MAX_CASE_NAMES
            line += f" — cases: {names}" + (f" and {more} more" if more > 0 else "")
        out.append(line)
    return out


def _case_cells(c: CaseRow) -> str:
    base = c.base.score if c.base else None
    return (
        f"| {md.code_span(c.case_id, 100, in_table=True)} | {c.status} | {fmt_score(c.score)} |"
        f" {fmt_score(base)} | {fmt_delta(c.delta)} |"
    )


def _flagged(view: RunView, env: Mapping[str, str]) -> list[str]:
    rows = view.flagged
    if not rows:
        return []
    out = [
        "",
        "#### Regressed and failed cases",
        "",
        "| case | status | score | baseline | delta | reason | golden |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for c in rows[:MAX_FLAGGED_ROWS]:
        reason = c.first_failure or ("; ".join(c.blocking) if c.blocking else "score dropped")
        note = f" ({md.text(c.repeats_note, 80)})" if c.repeats_note else ""
        link = md.source_link(c.file, c.line, env)
        out.append(f"{_case_cells(c)} {md.text(reason, 200)}{note} | {link} |")
    if len(rows) > MAX_FLAGGED_ROWS:
        out.append(f"\n{len(rows) - MAX_FLAGGED_ROWS} more; see the HTML report.")
    return out


def _all_cases(view: RunView, budget: int) -> list[str]:
    rest = [c for c in view.cases if not c.flagged]
    if not rest:
        return []
    head = [
        "",
        f"<details><summary>Other cases ({len(rest)})</summary>",
        "",
        "| case | status | score | baseline | delta |",
        "|---|---|---:|---:|---:|",
    ]
    body: list[str] = []
    used = sum(len(x) + 1 for x in head) + 200
    for i, c in enumerate(rest):
        line = _case_cells(c)
        if used + len(line) + 1 > budget:
            body.append(f"\n{len(rest) - i} more; see the HTML report.")
            break
        body.append(line)
        used += len(line) + 1
    return [*head, *body, "", "</details>"]


def render_markdown(view: RunView, environ: Mapping[str, str] | None = None) -> str:
    """The PR comment. ``environ`` (default: the process environment) supplies the GitHub
    server, repository and sha used to build links to golden file lines."""
    env = os.environ if environ is None else environ
    parts = [MARKER, _verdict_line(view), *lead(view)]
    parts += _flagged(view, env)
    if view.removed:
        parts += ["", f"{len(view.removed)} baseline case(s) are no longer in the goldens."]
    parts += side_by_side(view, env, MAX_ANSWERS)
    parts += [*_reasons(view), *_score_table(view)]
    used = sum(len(p) + 1 for p in parts)
    parts += _all_cases(view, MAX_CHARS - used)
    return "\n".join(parts) + "\n"
