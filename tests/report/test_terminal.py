"""The terminal report and the progress display."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

from evalgate.events import CaseEvent
from evalgate.report.terminal import Progress, make_console, print_report
from tests.report.conftest import view_of
from tests.support.timing import timed_variant

COMMAND_START = re.compile(r"^\s*(::|##\[)", re.MULTILINE)


def _render(name: str, **kw: object) -> str:
    buf = io.StringIO()
    console = make_console({}, file=buf, force_terminal=bool(kw.pop("tty", False)))
    console.width = 100
    print_report(view_of(name), console=console, **kw)  # type: ignore[arg-type]
    return buf.getvalue()


def test_plain_text_off_a_terminal() -> None:
    out = _render("regressed", reports={"html": Path("runs/r/report.html")})
    assert "\x1b" not in out
    assert "evalgate: FAILED" in out
    assert "shared 0.740 vs 1.000 (-0.260)" in out
    assert (
        "critical: critical case failed that passed in the baseline [cases: refund-window]" in out
    )
    assert "FAILED  refund-window  goldens/support.yaml:4  score 0.500 (-0.500)" in out
    assert "citation: no citation among any_of [kb-refunds]" in out
    assert "ERROR   kb-timeout  goldens/support.yaml:30" in out
    assert "html report: runs/r/report.html" in out


def test_untrusted_text_cannot_form_a_ci_command() -> None:
    out = _render("regressed")
    assert "@octocat" in out  # shown...
    assert not COMMAND_START.search(out)  # ...but no line of it is a workflow command
    assert "::" not in out


def test_colour_on_a_terminal_and_none_with_no_color() -> None:
    assert "\x1b[" in _render("regressed", tty=True)
    buf = io.StringIO()
    console = make_console({"NO_COLOR": "1"}, file=buf, force_terminal=True)
    print_report(view_of("regressed"), console=console)
    assert not re.search(r"\x1b\[[0-9;]*3[0-9]m", buf.getvalue())  # no foreground colours


def test_quiet_prints_only_the_verdict_line() -> None:
    out = _render("inconclusive", quiet=True)
    assert out.strip().splitlines() == [
        "evalgate: INCONCLUSIVE  4 cases · pass rate 100.0% · score 1.000 · errors 2"
    ]


def _event(done: int, total: int, status: str = "passed") -> CaseEvent:
    return CaseEvent("r", f"c{done}", 0, status, 1.0, done, total)


def test_progress_is_silent_off_a_terminal() -> None:
    buf = io.StringIO()
    p = Progress(console=make_console({}, file=buf))
    assert not p.enabled
    for i in range(1, 101):
        p.on_case(_event(i, 100, "failed" if i % 10 == 0 else "passed"))
    p.close()
    assert buf.getvalue() == "" and p.refreshes == 0
    assert p.counts["failed"] == 10 and p.done == 100


def test_progress_throttles_redraws() -> None:
    now = [0.0]
    buf = io.StringIO()
    p = Progress(
        console=make_console({}, file=buf, force_terminal=True), interval=0.1, clock=lambda: now[0]
    )
    with p:
        for i in range(1, 1001):
            now[0] = i * 0.001  # 1,000 cases in one simulated second
            p.on_case(_event(i, 1000))
    assert 10 <= p.refreshes <= 12  # ~every 0.1 s, plus the final state
    assert "1000/1000" in buf.getvalue()


@timed_variant
def test_progress_updates_are_cheap(timed: bool) -> None:
    p = Progress(console=make_console({}, file=io.StringIO(), force_terminal=True), interval=10)
    with p:
        start = time.perf_counter()
        for i in range(1, 50_001):
            p.on_case(_event(i, 100_000))
        elapsed = time.perf_counter() - start
        redrawn = p.refreshes
    # cheap by count: an update only counts, redrawing waits for the interval (10 s here)
    assert redrawn <= 1, f"50,000 progress updates redrew {redrawn} times"
    assert not timed or elapsed < 0.5, f"50,000 progress updates took {elapsed:.3f}s"


def test_the_verdict_says_where_the_baseline_came_from_and_that_it_is_stale() -> None:
    out = _render("regressed")
    lines = out.splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith("evalgate: FAILED"))
    assert lines[at + 1] == (
        "  baseline: committed file .evalgate/baselines/v1.json, commit 89abcdef0123, recorded"
        " 35 days ago (see the note below)"
    )
    assert "baseline_stale: the baseline is stale" in out
    assert "baseline:" not in _render("inconclusive")  # no source recorded: nothing invented
