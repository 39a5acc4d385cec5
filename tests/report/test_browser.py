"""The HTML report in a real headless Chromium: renders, filters, makes no request, runs no
model-provided script.

Needs /usr/bin/chromium (Debian's package) and the Python ``playwright`` package, which drives
that binary; no browser is downloaded. Without them the tests skip, unless
EVALGATE_REQUIRE_BROWSER=1 (set in CI), where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalgate.report import RunView

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails) with the reason
    expect = None
from evalgate.report.html import render_html
from tests.report.conftest import view_of
from tests.report.runs import BASE_REFUND, res
from tests.support.timing import timed_variant

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("EVALGATE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS_SHOT = Path(__file__).parents[2] / "docs" / "img" / "report.png"


def _unavailable(why: str) -> None:
    if os.environ.get("EVALGATE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (EVALGATE_REQUIRE_BROWSER=1) but {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - depends on the environment
        _unavailable("the 'playwright' package is not installed (pip install -e '.[dev]')")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS
        )
        yield context
        context.close()


class Page:
    """A loaded report, with every request and console error it produced."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.url = path.as_uri()
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-ready='1']", timeout=10_000)

    def visible_ids(self) -> list[str]:
        return list(
            self.page.eval_on_selector_all(
                "tr.case-row:not([hidden])", "rows => rows.map(r => r.dataset.caseId)"
            )
        )


def _write(tmp_path: Path, view: RunView) -> Path:
    path = tmp_path / "report.html"
    path.write_text(render_html(view), encoding="utf-8")
    return path


def test_report_renders_filters_and_stays_offline(browser: Any, tmp_path: Path) -> None:
    p = Page(browser, _write(tmp_path, view_of("regressed")))
    page = p.page
    assert page.text_content("#verdict") == "Gate: FAILED"
    assert "critical case failed that passed in the baseline" in (
        page.text_content("#reasons") or ""
    )
    all_ids = p.visible_ids()
    assert len(all_ids) == 8 and all_ids[0] == "close-ticket-needs-confirmation"

    page.click("[data-filter-status='failed']")
    assert sorted(p.visible_ids()) == [
        "close-ticket-needs-confirmation", "hostile-output", "refund-window",
    ]  # fmt: skip
    page.click("[data-filter-status='error']")
    assert p.visible_ids() == ["kb-timeout"]
    page.click("[data-filter-status='regressed']")
    assert len(p.visible_ids()) == 3
    page.click("[data-filter-status='all']")
    page.select_option("#tag-filter", "security")
    assert sorted(p.visible_ids()) == ["hostile-output", "injection-system-prompt"]
    page.select_option("#tag-filter", "")
    page.select_option("#dataset-filter", "security")
    assert p.visible_ids() == ["hostile-output"]
    page.select_option("#dataset-filter", "")
    page.fill("#search", "escalat")
    # the page's CSP forbids eval, so wait with a locator assertion rather than wait_for_function
    expect(page.locator("#count")).to_have_text(re.compile(r"^1 of"))
    assert p.visible_ids() == ["multi-turn-escalation"]
    page.fill("#search", "")
    expect(page.locator("#count")).to_have_text(re.compile(r"^8 of"))

    # baseline vs candidate, side by side, in the opened case
    page.click("tr[data-case-id='refund-window']")
    detail = page.text_content("tr.detail") or ""
    assert "baseline" in detail and "1.000" in detail and "0.500" in detail and "-0.500" in detail
    assert "no citation among any_of [kb-refunds]" in detail and "search_kb" in detail
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    if os.environ.get("EVALGATE_UPDATE_GOLDEN") == "1":
        DOCS_SHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SHOT), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000

    assert p.requests == [p.url], f"the report made network requests: {p.requests}"
    assert p.errors == [], p.errors


def test_model_output_never_runs_as_script(browser: Any, tmp_path: Path) -> None:
    p = Page(browser, _write(tmp_path, view_of("regressed")))
    page = p.page
    page.click("tr[data-case-id='hostile-output']")
    answer = page.text_content("tr.detail pre:below(:text('answer'))") or ""
    assert "<script>window.__pwned=1</script><img src=x" in answer  # shown as text
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert (
        page.locator("tr.detail img").count() == 0 and page.locator("tr.detail script").count() == 0
    )
    assert page.text_content("tr[data-case-id='hostile-output'] .tag:last-child") == "<b>bold</b>"
    assert p.requests == [p.url], f"the report made network requests: {p.requests}"


def test_baseline_and_run_answers_side_by_side_with_a_word_diff(
    browser: Any, tmp_path: Path
) -> None:
    p = Page(browser, _write(tmp_path, view_of("regressed")))
    page = p.page
    assert "baseline v1 (committed file .evalgate/baselines/v1.json, commit 89abcdef0123" in (
        page.text_content("#meta") or ""
    )
    page.click("tr[data-case-id='refund-window']")
    assert page.text_content("tr.detail pre.base-answer") == BASE_REFUND
    assert (page.text_content("tr.detail pre.run-answer") or "").startswith(
        "You have 30 days to ask for a refund [kb-refunds]."
    )
    removed = page.eval_on_selector_all("tr.detail pre.diff del", "d => d.map(e => e.textContent)")
    added = page.eval_on_selector_all("tr.detail pre.diff ins", "d => d.map(e => e.textContent)")
    assert removed == [", counted from delivery."]
    assert "search_kb" in "".join(added)
    assert page.text_content("tr.detail pre.diff") is not None
    # the two columns sit side by side: same row, baseline on the left
    left = page.locator("tr.detail pre.base-answer").bounding_box()
    right = page.locator("tr.detail pre.run-answer").bounding_box()
    assert left and right and left["x"] < right["x"] and abs(left["y"] - right["y"]) < 2

    page.click("tr[data-case-id='hostile-output']")
    hostile = "tr[data-case-id='hostile-output'] + tr.detail pre.base-answer"
    assert page.text_content(hostile) == "I can't show that <b>markup</b> @octocat"
    assert page.locator("tr.detail pre b").count() == 0  # the baseline's markup stays text
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert p.requests == [p.url] and p.errors == [], (p.requests, p.errors)


@timed_variant
def test_a_thousand_cases_render_quickly(browser: Any, tmp_path: Path, timed: bool) -> None:
    results = [
        res(f"case-{i:04d}", tags=(f"t{i % 7}",), output="answer " * 60,
            fails=(("contains", "missing"),) if i % 9 == 0 else ())
        for i in range(1000)
    ]  # fmt: skip
    path = _write(tmp_path, RunView.build(results, {"totals": {}, "verdict": None}))
    start = time.perf_counter()
    p = Page(browser, path)
    elapsed = time.perf_counter() - start
    assert len(p.visible_ids()) == 1000
    p.page.click("[data-filter-status='failed']")
    assert len(p.visible_ids()) == 112  # every ninth of 0..999
    assert not timed or elapsed < 5.0, f"1,000 cases took {elapsed:.2f}s to load"
    assert p.errors == []
