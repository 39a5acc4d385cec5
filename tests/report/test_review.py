"""The PR comment leads with what to do, shows answers side by side, folds the statistics."""

from __future__ import annotations

import re
from dataclasses import replace

from markdown_it import MarkdownIt

from evalgate.gate.verdict import CaseDelta, Reason, Verdict
from evalgate.model import Response, ToolCall
from evalgate.report.markdown import render_markdown
from evalgate.report.view import RunView
from tests.report.conftest import view_of
from tests.report.runs import BASE_REFUND, res

RENDER = MarkdownIt("commonmark", {"html": True}).enable("table")


def _view(verdict: Verdict | None, *results: object) -> RunView:
    summary = {"totals": {}, "verdict": verdict.to_dict() if verdict else None}
    return RunView.build(list(results), summary)  # type: ignore[arg-type]


def _body(md: str) -> str:
    """The comment without its marker and verdict line."""
    return md.split("\n", 2)[2]


def test_the_comment_leads_with_what_to_do() -> None:
    out = render_markdown(view_of("regressed"), environ={})
    first = _body(out).strip().splitlines()[0]
    assert first.startswith("**3 cases regressed:** `close-ticket-needs-confirmation`")
    assert "re-record the baseline" in first and "evalgate baseline record" in first
    # then the cases and their answers; the statistics come last, collapsed
    assert out.index("#### Regressed and failed cases") < out.index("#### What changed")
    stats = out.index("<details><summary>Statistics</summary>")
    assert out.index("#### What changed") < stats < out.index("| mean score (shared cases)")


def test_baseline_and_candidate_answers_side_by_side() -> None:
    out = render_markdown(view_of("regressed"), environ={})
    block = out.split("**`refund-window`**")[1].split("**`", 1)[0]
    assert block.index(BASE_REFUND) < block.index("[kb-refunds].\n")
    html = RENDER.render(out)
    cells = re.findall(r"<td>(.*?)</td>", html, re.S)
    assert any(BASE_REFUND in c for c in cells)
    # the baseline's untrusted answer is shown as text inside its cell, not as markup
    assert "&lt;b&gt;markup&lt;/b&gt;" in html and "<b>markup" not in html


def test_provenance_and_staleness_are_shown_near_the_top() -> None:
    out = render_markdown(view_of("regressed"), environ={})
    head = out.split("#### Regressed and failed cases")[0]
    assert "Baseline: committed file .evalgate/baselines/v1.json, commit 89abcdef0123" in head
    assert "recorded 35 days ago" in head
    assert "> **Warning:** the baseline is stale" in head


def test_tool_call_answers_show_the_calls() -> None:
    call = ToolCall("close_ticket", {"id": 7, "confirm": False})
    row = res("tool", fails=(("tool_call", "needs confirmation"),))
    row = replace(row, response=Response(tool_calls=(call,)))
    d = CaseDelta("tool", "shared", 1.0, 0.0, 1.0, 0.0, base_answer='→ ask_user {"q":"sure?"}')
    verdict = Verdict("fail", (Reason("broken", "x", ("tool",)),), deltas=(d,))
    out = render_markdown(_view(verdict, row), environ={})
    assert '→ ask_user {"q":"sure?"}' in out
    assert '→ close_ticket {"confirm":false,"id":7}' in out


def test_each_verdict_has_its_plain_words() -> None:
    failing = res("new-one", fails=(("contains", "missing 'refund'"),))
    new = CaseDelta("new-one", "new", None, 0.0, None, 0.0)
    fail = Verdict("fail", (Reason("case_failed", "new case fails", ("new-one",)),), deltas=(new,))
    assert "**1 case failed:** `new-one`" in render_markdown(_view(fail, failing), environ={})

    inc = Verdict("inconclusive", (Reason("error_rate", "error rate 50% is too high"),))
    out = render_markdown(_view(inc, res("x")), environ={})
    assert "**The gate could not decide:** error rate 50% is too high" in out

    ok = Verdict("pass", deltas=(CaseDelta("new-one", "shared", 0.0, 0.0, 0.0, 0.0),))
    out = render_markdown(_view(ok, failing), environ={})
    assert "**Nothing to do:** no case regressed" in out
    assert "1 case failed without blocking the gate" in out

    assert "Not gated" in render_markdown(_view(None, failing), environ={})


def test_answer_sections_are_bounded() -> None:
    results = [res(f"c{i:02d}", fails=(("contains", "x"),), output="y" * 5000) for i in range(30)]
    deltas = tuple(
        CaseDelta(f"c{i:02d}", "shared", 1.0, 0.0, 1.0, 0.0, base_answer="b" * 3000)
        for i in range(30)
    )
    verdict = Verdict(
        "fail", (Reason("broken", "x", tuple(d.case_id for d in deltas)),), deltas=deltas
    )
    out = render_markdown(_view(verdict, *results), environ={})
    assert out.count("<table>") == 10 and "20 more in the HTML report." in out
    assert len(out) < 60_000


def test_a_changed_case_that_fails_shows_its_old_answer_labelled() -> None:
    row = res("edited", fails=(("contains", "missing 'refund'"),), output="No idea.")
    d = CaseDelta("edited", "changed", 1.0, 0.0, 1.0, 0.0, base_answer="Refunds take 5 days.")
    verdict = Verdict(
        "fail", (Reason("case_failed", "changed case fails", ("edited",)),), deltas=(d,)
    )
    out = render_markdown(_view(verdict, row), environ={})
    assert "**1 case failed:** `edited`" in out  # nothing to regress from: it failed
    assert "<th>baseline (before the case changed)</th>" in out
    assert out.index("Refunds take 5 days.") < out.index("No idea.")
