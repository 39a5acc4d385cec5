"""Small helpers shared by the built-in scorers (not public API)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from evalgate.model import Response

EXCERPT_WIDTH = 60
_WS = re.compile(r"\s+")


def output_text(response: Response) -> str:
    """The answer text; a missing or non-string output reads as "" (scorers must not raise)."""
    out = response.output
    if out is None:
        return ""
    return out if isinstance(out, str) else str(out)


def one_line(text: str) -> str:
    """Collapse whitespace so a reason stays on one line."""
    # most names and ids hold no whitespace but single inner spaces: nothing to collapse.
    # Every whitespace character but " " is unprintable, so a printable text is one line
    # already unless it has two spaces in a row or one at either end
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return _WS.sub(" ", text).strip()


def excerpt(text: str, start: int = 0, end: int | None = None, width: int = EXCERPT_WIDTH) -> str:
    """A short quoted excerpt of ``text`` around ``text[start:end]``, on one line."""
    if not text:
        return '""'
    end = start if end is None else end
    left = max(0, start - width // 3)
    right = min(len(text), max(end, left + width))
    body = one_line(text[left:right])
    if len(body) > width + 20:
        body = body[: width + 20]
    pre = "…" if left > 0 else ""
    post = "…" if right < len(text) else ""
    return f'"{pre}{body}{post}"'


def quote(value: object, width: int = 40) -> str:
    """repr-like short rendering of a value for a reason."""
    s = repr(value) if not isinstance(value, str) else f'"{one_line(value)}"'
    return s if len(s) <= width else s[: width - 1] + "…"


def str_list(params: Any) -> list[str]:
    """A string or a list of strings as a list (other items are stringified)."""
    if isinstance(params, str):
        return [params]
    if isinstance(params, (list, tuple)):
        return [p if isinstance(p, str) else str(p) for p in params]
    return [str(params)]


def mapping(params: Any) -> Mapping[str, Any]:
    """``params`` when it is a mapping, else an empty one."""
    return params if isinstance(params, Mapping) else {}


REGEX_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


def regex_flags(flags: Any) -> int:
    """Letters (``"ims"``) to ``re`` flags; unknown letters are caught by ``check_params``."""
    value = 0
    if isinstance(flags, str):
        for ch in flags:
            value |= REGEX_FLAGS.get(ch, 0)
    return value
