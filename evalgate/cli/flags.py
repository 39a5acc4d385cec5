"""``--debug`` for this invocation, read where errors are shown (no typer or click here: the
entry point reads it before it knows whether it needs them)."""

from __future__ import annotations

import os

_debug_flag = False


def set_debug(on: bool) -> None:
    """``--debug`` for this invocation (kept out of os.environ so it cannot leak into others)."""
    global _debug_flag
    _debug_flag = on


def debug_enabled() -> bool:
    """``--debug`` was given, or ``EVALGATE_DEBUG`` is set to a true value."""
    return _debug_flag or os.environ.get("EVALGATE_DEBUG", "") not in ("", "0", "false")
