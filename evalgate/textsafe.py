"""Untrusted text made safe for a terminal or a CI log (no imports beyond the standard library
and :mod:`evalgate.masking`, so the command line can use it without loading the reporters)."""

from __future__ import annotations

import re

from evalgate import masking

# Text that cannot be encoded (a lone surrogate from a JSON "\\ud800" escape or a file name
# that is not UTF-8) is written as its backslash escape: inside a JSON string that is the same
# JSON escape, so the file stays valid and reads back the same string.
ENCODE_ERRORS = "backslashreplace"
_UNSHOWABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# A line of a CI log that starts with "::" (or the older "##[") is read as a workflow command.
# Terminal output wraps, so any "::" could land at a line start: break every one with a
# word joiner, which is invisible and is not whitespace (the runner's trim keeps it).
_COMMANDISH = re.compile(r"::|##\[")


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, saying so with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


def show_controls(text: str, keep: str = "\n\t") -> str:
    """Make control characters visible (ESC as ``\\x1b``) so that untrusted text cannot clear
    a terminal, move its cursor or rewrite a line; the characters in ``keep`` are left as they
    are. A lone surrogate, which no stream can encode, is shown the same way."""

    def visible(m: re.Match[str]) -> str:
        c = m.group(0)
        return c if c in keep else c.encode("unicode_escape", "backslashreplace").decode("ascii")

    return _UNSHOWABLE.sub(visible, text)


def terminal_line(text: object, limit: int = 500) -> str:
    """Untrusted text for one line of a terminal or CI log: scrubbed, its control characters
    shown, on one line, length-capped and unable to start a workflow command."""
    s = show_controls(masking.scrub(str(text)), keep="")
    return defuse_commands(truncate(s, limit))


def defuse_commands(text: str) -> str:
    """Break every ``::`` and ``##[`` so no part of ``text`` can act as a CI workflow command."""
    return _COMMANDISH.sub(lambda m: m.group(0)[0] + "\u2060" + m.group(0)[1:], text)
