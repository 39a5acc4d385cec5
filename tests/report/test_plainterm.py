"""The terminal report off a terminal, without rich: rich's own bytes, or rich draws it.

The oracle is rich itself: the same report is printed by rich (a console on the same stream)
and by the plain writer, over varied reports (every outcome, long and wide names, non-ASCII,
names long enough to wrap) and widths, and the writes must be the same, one by one.
"""

from __future__ import annotations

import io
import os
import random
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from rich.console import Console

from evalgate.report import plainterm
from evalgate.report.plainterm import Line, Rows
from evalgate.report.terminal import Progress, make_console, print_report, report_ops, show
from evalgate.report.view import RunView
from tests.report.conftest import view_of


class Recorder(io.StringIO):
    """A stream that is not a terminal and keeps every write and flush, in order."""

    def __init__(self, tty: bool | None = False) -> None:
        super().__init__()
        self.tty = tty
        self.calls: list[str | None] = []  # a write's text, or None for a flush

    def write(self, text: str) -> int:
        self.calls.append(text)
        return super().write(text)

    def flush(self) -> None:
        self.calls.append(None)

    def isatty(self) -> bool:
        if self.tty is None:
            raise ValueError("I/O operation on closed file")
        return self.tty


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No terminal anywhere, and no environment variable that would change rich's mind."""
    for name in ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)

    def no_terminal(fd: int = 1) -> os.terminal_size:
        raise OSError("not a terminal")

    monkeypatch.setattr(os, "get_terminal_size", no_terminal)
    return monkeypatch


# -- varied reports ------------------------------------------------------------------------

WORDS = [
    "refund", "window", "über-größe", "naïve café", "漢字の名前", "данные", "🙂", "👩‍💻",
    "e\u0301", "x" * 90, "…", "±", "tab\there", "a\nb", "\x1b[31mred", "·", "<b>", "[bold]",
    ":smile:", "  spaced  ", "ａｂｃ", "\u200b", "ß", "-" * 30,
]  # fmt: skip


def _text(rng: random.Random, most: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, most)))


def _row(rng: random.Random, i: int) -> SimpleNamespace:
    status = rng.choice(["failed", "error", "passed"])
    return SimpleNamespace(
        status=status,
        case_id=f"{_text(rng, 3)}-{i}",
        where=rng.choice(["", f"goldens/{_text(rng, 2)}.yaml:{i}"]),
        delta=rng.choice([None, -0.25, 0.0, 0.1]),
        score=rng.choice([None, 0.5, 1.0]),
        first_failure=rng.choice(["", f"contains: {_text(rng, 8)}"]),
        blocking=tuple(rng.sample(["critical", "regression", "coverage"], rng.randint(0, 2))),
    )


def fake_view(rng: random.Random) -> RunView:
    """A report's worth of figures, outcomes and untrusted text, chosen by ``rng``."""
    gated = rng.random() < 0.8
    n = rng.choice([0, 1, 7, 1234, 1_000_000])
    reasons = [
        SimpleNamespace(
            kind=rng.choice(["critical", "regression", "info", _text(rng, 2)]),
            message=_text(rng, 12),
            cases=tuple(_text(rng, 2) for _ in range(rng.choice([0, 1, 3, 12]))),
            blocking=rng.random() < 0.5,
        )
        for _ in range(rng.randint(0, 3))
    ]
    source = rng.choice([None, {}, {"kind": "file", "path": _text(rng, 3), "stale": True}])
    verdict = SimpleNamespace(
        status=rng.choice(["pass", "fail", "inconclusive"]),
        delta=rng.choice([None, -0.26, 0.0, 0.0001, 0.5]),
        shared_mean_score=rng.choice([None, 0.74]),
        base_mean_score=rng.choice([None, 1.0]),
        baseline_version=rng.choice([None, "", "v1", _text(rng, 6)]),
        baseline_source=source,
        reasons=reasons,
    )
    totals = {
        "cases": n,
        "results": n * 3,
        "passed": rng.choice([None, n]),
        "failed": 0,
        "pass_rate": rng.choice([None, 0.0, 0.5, 1.0]),
        "mean_score": rng.choice([None, 0.123456]),
        "errors": rng.choice([0, 2]),
        "error_rate": 0.02,
        "skipped": 0,
        "pending": rng.choice([0, 5]),
    }
    summary = {
        "latency_ms": rng.choice([{}, {"p50": 12.4, "p95": 1234.5}]),
        "tokens": {"total": rng.choice([None, 450, 12_345_678])},
        "cost_usd": rng.choice([None, 0.0123]),
    }
    flagged = [_row(rng, i) for i in range(rng.choice([0, 1, 3, 25]))]
    return cast(
        RunView,
        SimpleNamespace(
            verdict=verdict if gated else None,
            totals=totals,
            summary=summary,
            prompt_version=rng.choice([None, "", "v2", _text(rng, 8)]),
            flagged=flagged,
        ),
    )


def both_ways(view: RunView, **kw: Any) -> tuple[list[str | None], list[str | None]]:
    """The writes of the report drawn by rich and by print_report on its own (plain when it
    can), on streams that are not terminals."""
    by_rich, plain = Recorder(), Recorder()
    print_report(view, console=make_console({}, file=by_rich), **kw)
    print_report(view, file=plain, environ={}, **kw)
    return by_rich.calls, plain.calls


REPORTS = {"html": Path("runs/r/report.html"), "junit": Path("runs/r/" + "ü" * 90 + ".xml")}


@pytest.mark.parametrize("width", [None, "0", "12", "40", "80", "81", "200"])
def test_the_plain_report_is_what_rich_writes(screen: pytest.MonkeyPatch, width: str) -> None:
    if width is not None:
        screen.setenv("COLUMNS", width)
    w = plainterm.plain_width(Recorder())
    assert w == (80 if width is None else int(width))
    rng = random.Random(f"plain-{width}")
    real = [view_of(name) for name in ("passing", "regressed", "inconclusive")]
    laid_out = {True: 0, False: 0}  # by quiet
    for view in real + [fake_view(rng) for _ in range(15)]:
        for quiet in (False, True):
            reports = rng.choice([None, {}, REPORTS])
            by_rich, plain = both_ways(view, quiet=quiet, reports=reports)
            assert plain == by_rich
            ops = report_ops(view, quiet=quiet, reports=reports)
            laid_out[quiet] += plainterm.render(ops, w) is not None
    # the plain writer did the work, not rich every time: at width 0 rich prints nothing; at
    # 12 no table fits, a verdict line alone does; at 80 or more every real report is plain
    assert (laid_out[True] == 18) is (width != "0")
    assert laid_out[False] >= {"0": 0, "12": 0, "40": 1}.get(str(width), 3)


def test_a_table_that_just_fits_is_plain_and_one_column_more_is_rich(
    screen: pytest.MonkeyPatch,
) -> None:
    view = view_of("regressed")
    rows = report_ops(view)[0]
    assert isinstance(rows, Rows)
    widest = max(len(k) for k, _ in rows.rows) + 2 + max(len(v) for _, v in rows.rows)
    for width, plain in ((widest, True), (widest - 1, False)):
        screen.setenv("COLUMNS", str(width))
        assert (plainterm.render([rows], width) is not None) is plain
        by_rich, written = both_ways(view)
        assert written == by_rich


def test_lines_rich_wraps_are_plain_only_when_they_fit(screen: pytest.MonkeyPatch) -> None:
    for text in ("25 case(s) need attention:", "漢字" * 10, "👩‍💻 " * 7, "e\u0301" * 30):
        ops = [Line(((text, ""),), "bold", wrap=True), Line(((text + " " + text, ""),))]
        for width in range(8, 45, 3):
            screen.setenv("COLUMNS", str(width))
            by_rich, plain = Recorder(), Recorder()
            show(ops, console=make_console({}, file=by_rich))
            show(ops, file=plain)
            assert plain.calls == by_rich.calls, (text, width)


def test_an_empty_table_is_left_to_rich(screen: pytest.MonkeyPatch) -> None:
    assert plainterm.render([Rows(())], 80) is None
    by_rich, plain = Recorder(), Recorder()
    show([Rows(()), None], console=make_console({}, file=by_rich))
    show([Rows(()), None], file=plain)
    assert plain.calls == by_rich.calls


# -- whether rich would take the stream for a terminal, and its width ----------------------


@pytest.mark.parametrize("tty", [False, True, None, "none"])
@pytest.mark.parametrize("tty_compatible", [None, "0", "1", "yes"])
@pytest.mark.parametrize("force_color", [None, "", "1"])
def test_the_terminal_is_decided_as_rich_decides(
    screen: pytest.MonkeyPatch, tty: object, tty_compatible: str | None, force_color: str | None
) -> None:
    if tty_compatible is not None:
        screen.setenv("TTY_COMPATIBLE", tty_compatible)
    if force_color is not None:
        screen.setenv("FORCE_COLOR", force_color)
    stream: Any = object() if tty == "none" else Recorder(tty)  # type: ignore[arg-type]
    console = Console(file=stream)
    width = plainterm.plain_width(stream)
    assert (width is None) is console.is_terminal
    if width is not None:
        assert width == console.width


@pytest.mark.parametrize("columns", [None, "", "abc", "0", "33", "120", " 50"])
@pytest.mark.parametrize("sizes", [{}, {0: 0}, {1: 99}, {0: 61, 2: 70}])
def test_the_width_is_rich_s(
    screen: pytest.MonkeyPatch, columns: str | None, sizes: dict[int, int]
) -> None:
    if columns is not None:
        screen.setenv("COLUMNS", columns)

    def terminal_size(fd: int = 1) -> os.terminal_size:
        if fd not in sizes:
            raise OSError("not a terminal")
        return os.terminal_size((sizes[fd], 24))

    screen.setattr(os, "get_terminal_size", terminal_size)
    stream = Recorder()
    assert plainterm.plain_width(stream) == Console(file=stream).width


def test_jupyter_idle_and_terminals_are_left_to_rich(screen: pytest.MonkeyPatch) -> None:
    assert plainterm.plain_width(Recorder(True)) is None
    screen.setattr("builtins.get_ipython", lambda: None, raising=False)
    assert plainterm.plain_width(Recorder()) is None
    screen.delattr("builtins.get_ipython")
    screen.setattr(sys, "stdin", SimpleNamespace(__module__="idlelib.run"))
    assert plainterm.plain_width(Recorder()) is None


def test_a_broken_pipe_ends_as_rich_ends_it(screen: pytest.MonkeyPatch, tmp_path: Path) -> None:
    class Broken(Recorder):
        def flush(self) -> None:
            raise BrokenPipeError

    # rich points stdout at the null device and exits 1; so does the plain writer
    target = (tmp_path / "stdout").open("w")
    screen.setattr(sys, "stdout", target)
    saved = os.dup(target.fileno())
    try:
        codes = []
        for way in ({"console": make_console({}, file=Broken())}, {"file": Broken()}):
            with pytest.raises(SystemExit) as ended:
                print_report(view_of("passing"), **way)  # type: ignore[arg-type]
            codes.append(ended.value.code)
        assert codes == [1, 1]
    finally:
        os.dup2(saved, target.fileno())
        os.close(saved)
        target.close()


def test_the_progress_bar_makes_no_console_off_a_terminal(screen: pytest.MonkeyPatch) -> None:
    screen.setattr(sys, "stderr", Recorder())
    p = Progress()
    assert not p.enabled and p._console is None
    screen.setattr(sys, "stderr", Recorder(True))
    assert Progress().enabled
