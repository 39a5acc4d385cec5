"""Markdown for PR comments: content, and that model text cannot inject markup."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from evalgate import masking
from evalgate.report import mdsafe
from evalgate.report.markdown import MARKER, MAX_CHARS, render_markdown
from evalgate.report.view import RunView
from tests.report.conftest import view_of
from tests.report.runs import res

# GitHub allows some raw HTML in comments, so render with HTML on: escaped text must stay text.
RENDER = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


def test_verdict_first_then_marker_and_reasons() -> None:
    out = render_markdown(view_of("regressed"), environ={})
    lines = out.splitlines()
    assert lines[0] == MARKER
    assert lines[1].startswith("**evalgate: FAILED**")
    assert "`refund-window`" in out.split("#### Reasons")[1].split("####")[0]
    assert "| mean score (shared cases) | 0.740 | 1.000 | -0.260 |" in out


def test_failed_cases_link_to_golden_lines() -> None:
    out = render_markdown(view_of("regressed"), environ={})
    assert "[goldens/support.yaml:4](goldens/support.yaml#L4)" in out
    env = {
        "GITHUB_SERVER_URL": "https://ghe.example",
        "GITHUB_REPOSITORY": "a/b",
        "GITHUB_SHA": "f00",
    }
    out = render_markdown(view_of("regressed"), environ=env)
    assert "(https://ghe.example/a/b/blob/f00/goldens/support.yaml#L4)" in out


def test_hostile_model_output_renders_as_text_only() -> None:
    html = RENDER.render(render_markdown(view_of("regressed"), environ={}))
    assert "<script" not in html and "<img" not in html and "<!--" not in html.split("\n", 1)[1]
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html  # shown, as text
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(h.startswith("goldens/") for h in hrefs), hrefs
    assert "<details>" in html  # our own markup still works


def test_mentions_and_autolinks_are_broken() -> None:
    s = mdsafe.text("ping @octocat at https://evil.example or www.evil.example, a@b.co")
    assert "@octocat" not in s and "@\u200doctocat" in s
    assert "://" not in s and "www." not in s


@settings(derandomize=True)
@given(st.text(max_size=200))
def test_inline_text_never_produces_markup(value: str) -> None:
    html = RENDER.renderInline(mdsafe.text(value, 500))
    assert not re.search(r"<(?!br)[a-z/!]", html), html


@settings(derandomize=True)
@given(st.text(max_size=100))
def test_code_span_cannot_be_closed_by_its_content(value: str) -> None:
    span = mdsafe.code_span(value)
    tokens = RENDER.parseInline(span)[0].children or []
    assert [t.type for t in tokens] == ["code_inline"], span


@settings(derandomize=True)
@given(st.text(alphabet="`~ab\n<>", max_size=200))
def test_code_block_fence_is_longer_than_any_run(value: str) -> None:
    tokens = RENDER.parse(mdsafe.code_block(value))
    assert [t.type for t in tokens] == ["fence"]
    assert tokens[0].content == value + "\n"


def test_table_cells_escape_pipes() -> None:
    html = RENDER.render("| a |\n|---|\n| " + mdsafe.code_span("x|y", in_table=True) + " |\n")
    assert "<code>x|y</code>" in html


def test_secrets_are_scrubbed() -> None:
    masking.register(["sk-verysecret-123"])
    view = RunView.build(
        [res("leak", fails=(("contains", "saw sk-verysecret-123"),), output="sk-verysecret-123")],
        {"totals": {}, "verdict": None},
    )
    out = render_markdown(view, environ={})
    assert "sk-verysecret-123" not in out and "***" in out


def test_length_is_capped_for_large_runs() -> None:
    results = [res(f"case-{i:05d}", output="x" * 5000) for i in range(3000)]
    results += [
        res(f"bad-{i:03d}", fails=(("contains", "y" * 400),), output="z" * 5000) for i in range(200)
    ]
    out = render_markdown(RunView.build(results, {"totals": {}, "verdict": None}), environ={})
    assert len(out) <= MAX_CHARS + 2000
    assert "more; see the HTML report." in out
