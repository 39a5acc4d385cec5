"""The terminal report (rich, on stderr) and the live progress bar for the runner.

Colour follows ``NO_COLOR`` and whether stderr is a terminal; off a terminal the output is
plain text without control codes. Untrusted text is cleaned and cannot form a CI command.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from evalgate.events import CaseEvent
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

if TYPE_CHECKING:  # rich's live display only when stderr is a terminal (not in CI)
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


def verdict_line(view: RunView) -> Text:
    """One line: the gate's status, the mean score and its delta, the cases behind it."""
    v = view.verdict
    t = view.totals
    if v is None:
        head = Text("evalgate: NOT GATED", style="bold")
    else:
        word = _WORD.get(v.status, v.status.upper())
        head = Text(f"evalgate: {word}", style=_STYLE.get(v.status, "bold"))
    n = t.get("cases")
    bits = [f"{fmt_int(n)} case{'' if n == 1 else 's'}", f"pass rate {fmt_pct(t.get('pass_rate'))}"]
    if v is not None and v.delta is not None:
        bits.append(f"score {fmt_score(v.shared_mean_score)} ({fmt_delta(v.delta)} vs baseline)")
    else:
        bits.append(f"score {fmt_score(t.get('mean_score'))}")
    if t.get("errors"):
        bits.append(f"errors {t.get('errors')}")
    head.append("  " + " · ".join(bits))
    return head


def _summary_table(view: RunView) -> Table:
    s, t, v = view.summary, view.totals, view.verdict
    lat = s.get("latency_ms") or {}
    tokens = s.get("tokens") or {}
    table = Table(title=None, show_header=False, box=None, pad_edge=False, padding=(0, 2, 0, 0))
    table.add_column(style="dim")
    table.add_column()
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
    for k, val in rows:
        table.add_row(k, Text(val))
    return table


def print_report(
    view: RunView,
    *,
    console: Console | None = None,
    quiet: bool = False,
    reports: Mapping[str, Path] | None = None,
) -> None:
    """Print the run's report to stderr (``quiet``: only the verdict line)."""
    con = console or make_console()
    if quiet:
        con.print(verdict_line(view), soft_wrap=True)
        return
    con.print(_summary_table(view))
    con.print()
    con.print(verdict_line(view), soft_wrap=True)
    v = view.verdict
    if v is not None and v.baseline_source:
        from evalgate.gate.provenance import describe

        src = v.baseline_source
        stale = bool(src.get("stale")) or src.get("lineage") == "diverged"
        line = Text("  baseline: " + _safe(describe(src), 400), style="yellow" if stale else "dim")
        if stale:
            line.append(" (see the note below)")
        con.print(line, soft_wrap=True)
    for r in v.reasons if v else ():
        line = Text("  - " if r.blocking else "  · ")
        line.append(_safe(r.kind, 40), style="bold" if r.blocking else "dim")
        line.append(": " + _safe(r.message, 400))
        unnamed = [c for c in r.cases if c not in r.message]
        if unnamed:  # the message names some cases already; list only the rest
            names = ", ".join(_safe(c, 80) for c in unnamed[:10])
            more = f" and {len(unnamed) - 10} more" if len(unnamed) > 10 else ""
            line.append(
                f" [{'also: ' if len(unnamed) < len(r.cases) else 'cases: '}{names}{more}]",
                style="dim",
            )
        con.print(line, soft_wrap=True)
    flagged = view.flagged
    if flagged:
        con.print()
        con.print(Text(f"{len(flagged)} case(s) need attention:", style="bold"))
        for c in flagged[:MAX_FAILED_SHOWN]:
            line = Text(f"  {c.status.upper():7} ", style="red" if c.status == "failed" else "")
            line.append(_safe(c.case_id, 100), style="bold")
            if c.where:
                line.append(f"  {_safe(c.where, 200)}", style="cyan")
            if c.delta is not None and c.delta < 0:
                line.append(f"  score {fmt_score(c.score)} ({fmt_delta(c.delta)})")
            con.print(line, soft_wrap=True)
            reason = c.first_failure or "named by the gate: " + ", ".join(c.blocking)
            con.print(Text("          " + _safe(reason, 300), style="dim"), soft_wrap=True)
        if len(flagged) > MAX_FAILED_SHOWN:
            con.print(Text(f"  ... and {len(flagged) - MAX_FAILED_SHOWN} more (see the reports)"))
    for name, path in (reports or {}).items():
        con.print(Text(f"{name} report: {_safe(path, 500)}", style="dim"), soft_wrap=True)


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
        self.console = console or make_console()
        self.enabled = self.console.is_terminal if enabled is None else enabled
        self.interval = interval
        self._clock = clock
        self._last = float("-inf")
        self.counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
        self.done = 0
        self.total = 0
        self.refreshes = 0
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None

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
