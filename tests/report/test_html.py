"""The HTML page, without a browser: self-contained, data cannot break out, stays light."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from evalgate import masking
from evalgate.report import RunView
from evalgate.report.html import embed_json, render_html, report_data
from tests.report.conftest import view_of
from tests.report.runs import HOSTILE, res
from tests.support.timing import timed_variant


def _script_blocks(page: str) -> list[str]:
    return re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)


def test_page_is_self_contained() -> None:
    page = render_html(view_of("regressed"))
    # no element loads anything: no src/href attributes, no @import or url() in CSS
    assert not re.search(r"\s(src|href)\s*=", page.split('id="evalgate-data"')[0])
    assert "@import" not in page and "url(" not in page
    assert page.count("<script") == 2 and page.count("</script>") == 2


def test_csp_allows_exactly_the_inline_script_and_style() -> None:
    page = render_html(view_of("passing"))
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None
    policy = csp.group(1).replace("&#x27;", "'")
    assert "default-src 'none'" in policy
    script = _script_blocks(page)[1]
    style = re.search(r"<style>(.*?)</style>", page, flags=re.S)
    assert style is not None
    for body in (script, style.group(1)):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_hostile_output_cannot_close_the_data_block() -> None:
    page = render_html(view_of("regressed"))
    blocks = _script_blocks(page)
    assert len(blocks) == 2  # the "</script>" in the model output did not end the data early
    data = json.loads(blocks[0])
    outputs = [r["output"] for c in data["cases"] for r in c["repeats"]]
    assert HOSTILE in outputs  # and it survives intact, as data


@settings(derandomize=True)
@given(st.text(max_size=100))
def test_embedded_json_round_trips_and_never_contains_markup(value: str) -> None:
    text = embed_json({"v": value, "k": "</script><!--"})
    assert "<" not in text and ">" not in text
    assert json.loads(text) == {"v": value, "k": "</script><!--"}


def test_non_finite_numbers_become_null() -> None:
    assert json.loads(embed_json({"a": float("nan"), "b": [float("inf"), 1.5]})) == {
        "a": None,
        "b": [None, 1.5],
    }


def test_secrets_are_scrubbed_from_the_data() -> None:
    masking.register(["tok-abcdefgh-1234"])
    view = RunView.build(
        [res("a", output="key tok-abcdefgh-1234")], {"totals": {}, "verdict": None}
    )
    assert "tok-abcdefgh-1234" not in render_html(view)


def test_baseline_side_by_side_figures_are_in_the_data() -> None:
    cases = {c["id"]: c for c in report_data(view_of("regressed"))["cases"]}
    rw = cases["refund-window"]
    assert (rw["base_score"], rw["score"], rw["delta"], rw["regressed"]) == (1.0, 0.5, -0.5, True)
    assert rw["file"] == "goldens/support.yaml" and rw["line"] == 4
    assert rw["repeats"][0]["citations"] == ["kb-refunds"]
    assert rw["repeats"][0]["tool_calls"] == [
        {"name": "search_kb", "arguments": {"query": "refund"}}
    ]


@timed_variant
def test_a_thousand_cases_stay_light(timed: bool) -> None:
    results = [
        res(f"case-{i:04d}", tags=(f"t{i % 7}",), output="answer " * 60,
            fails=(("contains", "missing"),) if i % 9 == 0 else ())
        for i in range(1000)
    ]  # fmt: skip
    start = time.perf_counter()
    page = render_html(RunView.build(results, {"totals": {}, "verdict": None}))
    elapsed = time.perf_counter() - start
    assert not timed or elapsed < 2.0, f"rendering 1,000 cases took {elapsed:.2f}s"
    assert len(page) < 2_500_000, f"page is {len(page)} bytes"
