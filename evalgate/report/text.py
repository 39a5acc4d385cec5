"""Small text helpers shared by the reporters: number formats and untrusted-text cleaning."""

from __future__ import annotations

import re

from evalgate import secrets

DASH = "-"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")
# A line of a CI log that starts with "::" (or the older "##[") is read as a workflow command.
# Terminal output wraps, so any "::" could land at a line start: break every one with a
# word joiner, which is invisible and is not whitespace (the runner's trim keeps it).
_COMMANDISH = re.compile(r"::|##\[")


def fmt_score(value: float | None) -> str:
    return DASH if value is None else f"{value:.3f}"


def fmt_delta(value: float | None) -> str:
    if value is None:
        return DASH
    if abs(value) < 0.0005:
        return "±0.000"
    return f"{value:+.3f}"


def fmt_pct(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.1f}%"


def fmt_ms(value: float | None) -> str:
    return DASH if value is None else f"{value:.0f} ms"


def fmt_cost(value: float | None) -> str:
    return DASH if value is None else f"${value:.4f}"


def fmt_int(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, saying so with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


def strip_controls(text: str) -> str:
    """Remove control characters (ANSI escapes, backspaces, bells) but keep tabs and newlines."""
    return _CONTROL.sub("", text)


def one_line(text: object, limit: int = 300) -> str:
    """Untrusted text as one clean, scrubbed, length-capped line."""
    s = secrets.scrub(str(text))
    s = _SPACE.sub(" ", strip_controls(s)).strip()
    return truncate(s, limit)


def defuse_commands(text: str) -> str:
    """Break every ``::`` and ``##[`` so no part of ``text`` can act as a CI workflow command."""
    return _COMMANDISH.sub(lambda m: m.group(0)[0] + "\u2060" + m.group(0)[1:], text)
