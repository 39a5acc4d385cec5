"""Untrusted text on a terminal line shows its control characters instead of obeying them."""

from __future__ import annotations

from evalgate import masking
from evalgate.textsafe import show_controls, terminal_line


def test_terminal_line_shows_escapes_and_breaks_commands() -> None:
    hostile = "\x1b[2J\x1b[H\rPASSED\n::error::fake \x9b1m \ud800"
    line = terminal_line(hostile)
    assert all(c not in line for c in "\x1b\r\n\x9b\ud800")
    assert line.startswith("\\x1b[2J\\x1b[H\\rPASSED\\n")
    assert "::error::" not in line


def test_terminal_line_masks_secrets_and_caps_length() -> None:
    masking.register(["terminal-secret-42"])
    line = terminal_line("x" * 50 + " terminal-secret-42", limit=30)
    assert "terminal-secret" not in line and len(line) == 30
    assert "***" in terminal_line("a terminal-secret-42 b")


def test_show_controls_keeps_newlines_and_tabs_by_default() -> None:
    assert show_controls("a\n\tb\x1bc") == "a\n\tb\\x1bc"
