"""Small text helpers shared by the reporters: number formats and untrusted-text cleaning."""

from __future__ import annotations

import re

from evalgate import masking
from evalgate.textsafe import defuse_commands, truncate

__all__ = ["defuse_commands", "truncate"]

DASH = "-"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")


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


def strip_controls(text: str) -> str:
    """Remove control characters (ANSI escapes, backspaces, bells) but keep tabs and newlines."""
    return _CONTROL.sub("", text)


def one_line(text: object, limit: int = 300) -> str:
    """Untrusted text as one clean, scrubbed, length-capped line."""
    s = masking.scrub(str(text))
    s = _SPACE.sub(" ", strip_controls(s)).strip()
    return truncate(s, limit)
