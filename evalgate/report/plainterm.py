"""The terminal report off a terminal, without rich: the bytes rich would write, or nothing.

In CI (stderr a file or a pipe) rich writes the report as plain text: no colour, no control
code, the summary table padded to its columns. Importing rich for that costs a command start
about 20 ms, so :func:`plain_width` decides, by rich's own rules, whether rich would treat the
stream as a terminal, and at which width it would lay the report out; :func:`render` then
lays the report out as rich would, and declines (None) whenever rich would do more than pad:
a table or line wider than the width (rich wraps it), a control character. Declined or on a
terminal, the report is drawn by rich (:mod:`evalgate.report.terminal`).
``tests/report/test_plainterm.py`` compares the two over varied reports, widths and streams.
"""

from __future__ import annotations

import builtins
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

# characters rich itself counts one cell wide without looking them up (rich.cells): printable
# ASCII and Latin
_ONE_CELL = ((0x20, 0x7E), (0xA0, 0xAC), (0xAE, 0x2FF))
# what rich does not print as it is: a newline splits a line, a tab is expanded, the other
# control characters take no cell
_SPECIAL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line: its spans (text and style) and the style of the whole line.

    ``wrap``: rich wraps the line at the console's width (else it is printed as it is, rich's
    soft wrap)."""

    spans: tuple[tuple[str, str], ...]
    style: str = ""
    wrap: bool = False

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.spans)


@dataclass(frozen=True, slots=True)
class Rows:
    """A two-column table without borders or header: a label and its value per row."""

    rows: tuple[tuple[str, str], ...]


# what the report prints, in order: a line, a table, or None for an empty line
Op = Line | Rows | None


def plain_width(file: TextIO) -> int | None:
    """The width rich would lay text out at on ``file`` when it is not a terminal by rich's
    rules (``Console.is_terminal``, ``Console.width`` with ``os.environ``); None when it is, or
    may be (Jupyter, IDLE, Windows' console): rich then decides and draws."""
    if sys.platform == "win32" or hasattr(builtins, "get_ipython"):
        return None
    stdin_module = getattr(sys.stdin, "__module__", None)
    if isinstance(stdin_module, str) and stdin_module.startswith("idlelib"):
        return None
    environ = os.environ
    tty_compatible = environ.get("TTY_COMPATIBLE", "")
    if tty_compatible == "1":
        return None
    if tty_compatible != "0":
        force_color = environ.get("FORCE_COLOR")
        if force_color is not None:
            if force_color != "":
                return None
        elif _isatty(getattr(file, "rich_proxied_file", file)):
            return None
    return _width(environ.get("COLUMNS"))


def _isatty(file: object) -> bool:
    isatty = getattr(file, "isatty", None)
    if isatty is None:
        return False
    try:
        return bool(isatty())
    except ValueError:  # a closed stream: rich takes it for no terminal
        return False


def _width(columns: str | None) -> int | None:
    if columns is not None and columns.isdigit():
        try:
            return int(columns)
        except ValueError:  # a digit int() refuses: rich raises, so let it
            return None
    width = 0
    for fd in _std_fds():
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
        break
    return width or 80


def _std_fds() -> tuple[int, int, int]:
    fds = []
    for stream, default in ((sys.__stdin__, 0), (sys.__stdout__, 1), (sys.__stderr__, 2)):
        try:
            fds.append(stream.fileno())  # type: ignore[union-attr]
        except Exception:
            fds.append(default)
    return fds[0], fds[1], fds[2]


def _cells(text: str) -> int | None:
    """Columns ``text`` takes, when rich counts one per character without looking them up
    (printable ASCII and Latin); None for any other text, whose layout is rich's to make."""
    if all(any(lo <= ord(c) <= hi for lo, hi in _ONE_CELL) for c in text):
        return len(text)
    return None


def _plain(text: str) -> bool:
    return _SPECIAL.search(text) is None


def render(ops: Sequence[Op], width: int) -> list[str] | None:
    """What rich writes for each of ``ops`` at ``width`` off a terminal (one string per
    ``print``), or None when rich would lay some of it out otherwise than as it is."""
    if width < 1:
        return None  # rich prints nothing at all then
    out: list[str] = []
    for op in ops:
        if op is None:
            out.append("\n")
        elif isinstance(op, Rows):
            table = _table(op.rows, width)
            if table is None:
                return None
            out.append(table)
        else:
            text = op.text
            if not _plain(text):
                return None
            if op.wrap:  # rich wraps it at the width: plain when it fits as it is
                cells = _cells(text)
                if cells is None or cells > width:
                    return None
            out.append(text + "\n")
    return out


def _table(rows: tuple[tuple[str, str], ...], width: int) -> str | None:
    if not rows:
        return None  # an empty table is rich's to draw
    sized = []
    for k, v in rows:
        n, m = _cells(k), _cells(v)
        if n is None or m is None:
            return None
        sized.append((k, n, v, m))
    first = max(n for _, n, _, _ in sized) + 2  # the label, then two columns of padding
    second = max(m for _, _, _, m in sized) or 1
    if first + second > width:
        return None  # rich wraps the values
    return "".join(f"{k}{' ' * (first - n)}{v}{' ' * (second - m)}\n" for k, n, v, m in sized)


def write(chunks: Sequence[str], file: TextIO) -> None:
    """Write what :func:`render` made as rich would: a write and a flush per ``print``, and on
    a broken pipe what rich does then (``Console.on_broken_pipe``)."""
    try:
        for chunk in chunks:
            file.write(chunk)
            file.flush()
    except BrokenPipeError:
        from rich.console import Console

        handler = getattr(Console(file=file), "on_broken_pipe", None)
        if handler is None:
            raise
        handler()
