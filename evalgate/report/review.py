"""What a reviewer reads first in the PR comment: what to do, the baseline, what changed.

Shared by the markdown report (GitHub PR comment, step summary, GitLab MR note). Every piece
of untrusted text goes through :mod:`evalgate.report.mdsafe`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from evalgate.report import mdsafe as md
from evalgate.report.text import fmt_score
from evalgate.report.view import CaseRow, RunView

MAX_NAMED = 5  # case names in the lead line
ANSWER_CHARS = 1000  # of each side of a side-by-side answer
RERECORD = (
    "if the new answers are right, re-record the baseline: `evalgate run --record-baseline` on"
    " the main branch, or `evalgate baseline record RUN_FOLDER` for this run"
)
SOURCE_NOTES = ("baseline_stale", "baseline_lineage")


def _names(rows: Sequence[CaseRow]) -> str:
    shown = ", ".join(md.code_span(c.case_id, 100) for c in rows[:MAX_NAMED])
    more = len(rows) - MAX_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def regression(c: CaseRow) -> bool:
    """Worse than the baseline; a new or changed case has nothing to regress from."""
    return c.regressed and c.compare not in ("new", "changed")


def counted(view: RunView, c: CaseRow) -> bool:
    """Whether the gate counts this failed case against the run: not gated, undecided, named
    by a blocking reason, or a failed gate whose blocking reason names no case (an overall
    pass rate). JUnit and the GitHub annotations agree on it (docs/reports.md)."""
    v = view.verdict
    if v is None or v.status not in ("pass", "fail") or c.blocking:
        return True
    # a failed gate whose blocking reason names no case (an overall pass rate) counts them all
    return v.status == "fail" and any(r.blocking and not r.cases for r in v.reasons)


def why_not_counted(view: RunView, c: CaseRow) -> str:
    """Why a failed case did not block the gate, in a few words."""
    v = view.verdict
    notes = [r for r in (v.reasons if v else ()) if not r.blocking and c.case_id in r.cases]
    if notes:
        why = f"noted by the gate as {notes[0].kind}: {notes[0].message}"
    elif c.base is not None and c.base.pass_rate is not None and c.base.pass_rate < 0.5:
        why = "it failed in the baseline too"
    elif v is not None and v.status == "pass":
        why = "the gate passed: the difference from the baseline is within noise"
    else:
        why = "the gate did not count it (it blocked on other cases)"
    return f"not blocking: {why}; failed with {c.first_failure or 'a low score'}"


def _cases(n: int) -> str:
    return f"{n} case" + ("" if n == 1 else "s")


def lead(view: RunView) -> list[str]:
    """One short paragraph in plain words: what happened and what to do about it."""
    v = view.verdict
    flagged = view.flagged
    regressed = [c for c in flagged if regression(c)]
    failing = [c for c in flagged if c.status == "failed" and c not in regressed]
    errored = [c for c in flagged if c.status == "error"]
    blocking = [r for r in v.reasons if r.blocking] if v else []
    if v is None:
        bad = [c for c in flagged if c.status in ("failed", "error")]
        text = "Not gated (no verdict)." + (
            f" **{_cases(len(bad))} failed or errored:** {_names(bad)}." if bad else ""
        )
    elif v.status == "fail" and regressed:
        text = (
            f"**{_cases(len(regressed))} regressed:** {_names(regressed)}."
            f" Fix {'it' if len(regressed) == 1 else 'them'}, or, {RERECORD}."
        )
        if failing:
            text += f" Also failing: {_names(failing)}."
    elif v.status == "fail" and failing:
        text = (
            f"**{_cases(len(failing))} failed:** {_names(failing)}. A case the baseline cannot"
            " vouch for (new or changed) must pass on its own: fix the answers or the case."
        )
    elif v.status == "fail":
        why = md.text(blocking[0].message, 300) if blocking else "see the reasons below"
        text = f"**The gate failed:** {why.rstrip('.')}."
    elif v.status == "inconclusive":
        why = md.text(blocking[0].message, 300) if blocking else "see the reasons below"
        text = f"**The gate could not decide:** {why.rstrip('.')}."
        if errored:
            text += f" Errored: {_names(errored)}."
    else:
        text = "**Nothing to do:** no case regressed against the baseline."
        if failing:
            text += (
                f" {_cases(len(failing))} failed without blocking the gate (judged within"
                f" noise, or failing in the baseline too): {_names(failing)}."
            )
    return ["", text, *_source(view)]


def _source(view: RunView) -> list[str]:
    v = view.verdict
    if v is None or not v.baseline_source:
        return []
    from evalgate.gate.provenance import describe

    out = ["", f"Baseline: {md.text(describe(v.baseline_source), 400)}."]
    for r in v.reasons:
        if r.kind in SOURCE_NOTES:
            out += ["", f"> **Warning:** {md.text(r.message, 500)}"]
    return out


def _header(c: CaseRow, env: Mapping[str, str]) -> str:
    what = "regressed" if regression(c) else c.status
    bits = [f"**{md.code_span(c.case_id, 100)}**", what]
    if c.base is not None and c.base.score is not None and c.score is not None:
        bits.append(f"score {fmt_score(c.base.score)} → {fmt_score(c.score)}")
    link = md.source_link(c.file, c.line, env)
    if link:
        bits.append(link)
    return " · ".join(bits)


def side_by_side(view: RunView, env: Mapping[str, str], limit: int) -> list[str]:
    """The answers of the flagged cases, the baseline's beside this run's (at most ``limit``)."""
    shown: list[CaseRow] = []
    more = 0  # counted one row at a time: the answers of the rows not shown are not kept
    for c in view.detailed(view.flagged):
        if c.answer or (c.base and c.base.answer):
            if len(shown) < limit:
                shown.append(c)
            else:
                more += 1
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
    if more > 0:
        out.append(f"{more} more in the HTML report.")
    return out[:-1] if out[-1] == "" else out
