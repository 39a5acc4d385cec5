"""The terminal report (on stderr) and the live progress bar for the runner.

Colour follows ``NO_COLOR`` and whether stderr is a terminal; off a terminal the output is
plain text without control codes, written without importing rich when rich would only pad it
(:mod:`evalgate.report.plainterm`). Untrusted text is cleaned and cannot form a CI command.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from evalgate.events import CaseEvent
from evalgate.report import plainterm
from evalgate.report.plainterm import Line, Op, Rows
from evalgate.report.text import (
    defuse_commands,
    fmt_cost,
    fmt_delta,
    fmt_int,
    fmt_ms,
    fmt_pct,
    fmt_score,
    one_line,
)
from evalgate.report.view import RunView

if TYPE_CHECKING:  # rich only to draw on a terminal, or what the plain writer declines
    from rich.console import Console
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

MAX_FAILED_SHOWN = 20
_STYLE = {"pass": "bold green", "fail": "bold red", "inconclusive": "bold yellow"}
_WORD = {"pass": "PASSED", "fail": "FAILED", "inconclusive": "INCONCLUSIVE"}


def make_console(
    environ: Mapping[str, str] | None = None,
    *,
    file: TextIO | None = None,
    force_terminal: bool | None = None,
) -> Console:
    """A console on stderr: colour only on a terminal and without ``NO_COLOR``; plain text
    without control codes when the stream is not a terminal."""
    from rich.console import Console

    env = os.environ if environ is None else environ
    no_color = env.get("NO_COLOR", "") != ""
    return Console(
        file=file or sys.stderr,
        no_color=no_color,
        force_terminal=force_terminal,
        highlight=False,
        soft_wrap=False,
    )


def _safe(value: object, limit: int = 300) -> str:
    return defuse_commands(one_line(value, limit))


def verdict_line(view: RunView) -> Line:
    """One line: the gate's status, the mean score and its delta, the cases behind it."""
    v = view.verdict
    t = view.totals
    if v is None:
        head, style = "evalgate: NOT GATED", "bold"
    else:
        head = f"evalgate: {_WORD.get(v.status, v.status.upper())}"
        style = _STYLE.get(v.status, "bold")
    n = t.get("cases")
    bits = [f"{fmt_int(n)} case{'' if n == 1 else 's'}", f"pass rate {fmt_pct(t.get('pass_rate'))}"]
    if v is not None and v.delta is not None:
        bits.append(f"score {fmt_score(v.shared_mean_score)} ({fmt_delta(v.delta)} vs baseline)")
    else:
        bits.append(f"score {fmt_score(t.get('mean_score'))}")
    if t.get("errors"):
        bits.append(f"errors {t.get('errors')}")
    return Line(((head, ""), ("  " + " · ".join(bits), "")), style)


def _summary_rows(view: RunView) -> Rows:
    s, t, v = view.summary, view.totals, view.verdict
    lat = s.get("latency_ms") or {}
    tokens = s.get("tokens") or {}
    mean = fmt_score(t.get("mean_score"))
    if v is not None and v.delta is not None:
        mean += f"   shared {fmt_score(v.shared_mean_score)} vs {fmt_score(v.base_mean_score)}"
        mean += f" ({fmt_delta(v.delta)})"
    rows = [
        ("cases", f"{fmt_int(t.get('cases'))} ({fmt_int(t.get('results'))} results)"),
        ("passed / failed", f"{fmt_int(t.get('passed'))} / {fmt_int(t.get('failed'))}"),
        ("pass rate", fmt_pct(t.get("pass_rate"))),
        ("mean score", mean),
        ("errors", f"{fmt_int(t.get('errors'))} ({fmt_pct(t.get('error_rate'))})"),
        ("skipped / pending", f"{fmt_int(t.get('skipped'))} / {fmt_int(t.get('pending'))}"),
        ("tokens", fmt_int(tokens.get("total"))),
        ("cost", fmt_cost(s.get("cost_usd"))),
        ("latency p50 / p95", f"{fmt_ms(lat.get('p50'))} / {fmt_ms(lat.get('p95'))}"),
    ]
    if v is not None and v.baseline_version:
        rows.append(("baseline", _safe(v.baseline_version, 80)))
    if view.prompt_version:
        rows.append(("prompt version", _safe(view.prompt_version, 80)))
    return Rows(tuple(rows))


def report_ops(
    view: RunView, *, quiet: bool = False, reports: Mapping[str, Path] | None = None
) -> list[Op]:
    """What the report prints, in order (``quiet``: only the verdict line)."""
    if quiet:
        return [verdict_line(view)]
    ops: list[Op] = [_summary_rows(view), None, verdict_line(view)]
    v = view.verdict
    if v is not None and v.baseline_source:
        from evalgate.gate.provenance import describe

        src = v.baseline_source
        stale = bool(src.get("stale")) or src.get("lineage") == "diverged"
        text = "  baseline: " + _safe(describe(src), 400)
        tail = ((" (see the note below)", ""),) if stale else ()
        ops.append(Line(((text, ""), *tail), "yellow" if stale else "dim"))
    for r in v.reasons if v else ():
        spans = [("  - " if r.blocking else "  · ", "")]
        spans.append((_safe(r.kind, 40), "bold" if r.blocking else "dim"))
        spans.append((": " + _safe(r.message, 400), ""))
        unnamed = [c for c in r.cases if c not in r.message]
        if unnamed:  # the message names some cases already; list only the rest
            names = ", ".join(_safe(c, 80) for c in unnamed[:10])
            more = f" and {len(unnamed) - 10} more" if len(unnamed) > 10 else ""
            also = "also: " if len(unnamed) < len(r.cases) else "cases: "
            spans.append((f" [{also}{names}{more}]", "dim"))
        ops.append(Line(tuple(spans)))
    flagged = view.flagged
    if flagged:
        ops += [None, Line(((f"{len(flagged)} case(s) need attention:", ""),), "bold", wrap=True)]
        for c in flagged[:MAX_FAILED_SHOWN]:
            spans = [(f"  {c.status.upper():7} ", ""), (_safe(c.case_id, 100), "bold")]
            if c.where:
                spans.append((f"  {_safe(c.where, 200)}", "cyan"))
            if c.delta is not None and c.delta < 0:
                spans.append((f"  score {fmt_score(c.score)} ({fmt_delta(c.delta)})", ""))
            ops.append(Line(tuple(spans), "red" if c.status == "failed" else ""))
            reason = c.first_failure or "named by the gate: " + ", ".join(c.blocking)
            ops.append(Line((("          " + _safe(reason, 300), ""),), "dim"))
        if len(flagged) > MAX_FAILED_SHOWN:
            more = f"  ... and {len(flagged) - MAX_FAILED_SHOWN} more (see the reports)"
            ops.append(Line(((more, ""),), wrap=True))
    for name, path in (reports or {}).items():
        ops.append(Line(((f"{name} report: {_safe(path, 500)}", ""),), "dim"))
    return ops


def show(
    ops: list[Op],
    *,
    console: Console | None = None,
    environ: Mapping[str, str] | None = None,
    file: TextIO | None = None,
) -> None:
    """Print ``ops`` on ``console``; without one, on ``file`` (stderr): as plain text when it
    is not a terminal and rich would only pad it, else with rich."""
    if console is None:
        out = file or sys.stderr
        width = plainterm.plain_width(out)
        chunks = None if width is None else plainterm.render(ops, width)
        if chunks is not None:
            plainterm.write(chunks, out)
            return
        console = make_console(environ, file=out)
    _draw(console, ops)


def _draw(con: Console, ops: list[Op]) -> None:
    from rich.text import Text

    for op in ops:
        if op is None:
            con.print()
        elif isinstance(op, Rows):
            con.print(_rich_table(op))
        else:
            line = Text(style=op.style)
            for text, style in op.spans:
                line.append(text, style=style or None)
            con.print(line, soft_wrap=not op.wrap)


def _rich_table(rows: Rows) -> object:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=None, show_header=False, box=None, pad_edge=False, padding=(0, 2, 0, 0))
    table.add_column(style="dim")
    table.add_column()
    for k, val in rows.rows:
        table.add_row(k, Text(val))
    return table


def print_report(
    view: RunView,
    *,
    console: Console | None = None,
    quiet: bool = False,
    reports: Mapping[str, Path] | None = None,
    environ: Mapping[str, str] | None = None,
    file: TextIO | None = None,
) -> None:
    """Print the run's report to stderr (``quiet``: only the verdict line); see :func:`show`
    for ``console``, ``environ`` and ``file``."""
    show(
        report_ops(view, quiet=quiet, reports=reports),
        console=console,
        environ=environ,
        file=file,
    )


class Progress:
    """A progress bar on stderr for the runner, shown only when stderr is a terminal.

    ``on_case`` is called for every finished case repeat; it only counts, and redraws at most
    every ``interval`` seconds, so thousands of calls per second stay cheap.
    """

    def __init__(
        self,
        *,
        console: Console | None = None,
        enabled: bool | None = None,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._console = console
        if enabled is None:
            if console is None and plainterm.plain_width(sys.stderr) is not None:
                enabled = False  # not a terminal by rich's rules: no console is made
            else:
                enabled = self.console.is_terminal
        self.enabled = enabled
        self.interval = interval
        self._clock = clock
        self._last = float("-inf")
        self.counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
        self.done = 0
        self.total = 0
        self.refreshes = 0
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None

    @property
    def console(self) -> Console:
        """The console the bar is drawn on (stderr's, made when first asked for)."""
        if self._console is None:
            self._console = make_console()
        return self._console

    def start(self) -> None:
        if not self.enabled or self._bar is not None:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("[bold]evalgate"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
            auto_refresh=False,
        )
        self._bar.start()
        self._task = self._bar.add_task("", total=None)

    def on_case(self, event: CaseEvent) -> None:
        """Count a finished case repeat; redraw when the throttle allows."""
        self.counts[event.status] = self.counts.get(event.status, 0) + 1
        self.done, self.total = event.done, event.total
        if not self.enabled:
            return
        now = self._clock()
        if now - self._last < self.interval and event.done < event.total:
            return
        self._last = now
        self._draw()

    def _draw(self) -> None:
        self.start()
        if self._bar is None or self._task is None:
            return
        c = self.counts
        desc = f"{c['passed']} passed, {c['failed']} failed, {c['error']} errors"
        self._bar.update(self._task, completed=self.done, total=self.total, description=desc)
        self._bar.refresh()
        self.refreshes += 1

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> Progress:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
