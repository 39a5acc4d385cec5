"""GitHub Actions: step summary, annotations, and the workflow-command escaping guarantees."""

from __future__ import annotations

import io
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from evalgate.report.github import (
    annotation_lines,
    command,
    escape_data,
    escape_property,
    escape_workflow_text,
    write_github,
)
from evalgate.report.markdown import render_markdown
from tests.report.conftest import view_of

# What the Actions runner treats as a command: "::name ...::" or the older "##[name ...]".
COMMAND_START = re.compile(r"^\s*(::|##\[)")


def _unescape_data(s: str) -> str:
    return s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def test_escape_rules() -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert command("error", "a\nb", file="g.yaml", line=3, title="t: x, y") == (
        "::error file=g.yaml,line=3,title=t%3A x%2C y::a%0Ab"
    )


@settings(derandomize=True)
@given(st.text(max_size=200))
def test_workflow_text_is_one_line_and_never_a_command(value: str) -> None:
    out = escape_workflow_text(value)
    assert "\n" not in out and "\r" not in out
    assert not COMMAND_START.match(out)
    # nothing is lost: the data-escaping is reversible apart from the defused first character
    if not COMMAND_START.match(value):
        assert _unescape_data(out) == value


def test_known_injections_are_defused() -> None:
    for bad in (
        "::set-env name=X::1",
        "  ::add-mask::x",
        "##[set-output name=a;]b",
        "x\n::error::y",
    ):
        out = escape_workflow_text(bad)
        assert not COMMAND_START.match(out) and "\n" not in out, out


def test_annotations_point_at_golden_lines() -> None:
    lines = annotation_lines(view_of("regressed"))
    assert lines[0].startswith("::error title=evalgate%3A gate fail::mean score dropped")
    by_title = {re.search(r"title=([^:]*)::", ln).group(1): ln for ln in lines[1:]}  # type: ignore[union-attr]
    rw = by_title["evalgate%3A case refund-window failed"]
    assert rw.startswith("::error file=goldens/support.yaml,line=4,")
    assert rw.endswith("::citation: no citation among any_of [kb-refunds] (score 1.000 -> 0.500)")
    timeout = by_title["evalgate%3A case kb-timeout errored"]
    assert timeout.startswith("::warning file=goldens/support.yaml,line=30,")
    inconclusive = annotation_lines(view_of("inconclusive"))
    assert inconclusive[0].startswith("::warning title=evalgate%3A gate inconclusive::error rate")
    assert annotation_lines(view_of("passing")) == []


def test_every_annotation_is_exactly_one_command_line() -> None:
    # properties hold no raw ":" or "," and the message no raw newline, whatever the case text
    shape = re.compile(r"^::(error|warning)( [a-z]+=[^:,\n]*(,[a-z]+=[^:,\n]*)*)?::[^\r\n]*$")
    lines = annotation_lines(view_of("regressed"))
    assert len(lines) == 5
    for line in lines:
        assert shape.match(line), line


def test_write_github_outside_actions_does_nothing(tmp_path: Path) -> None:
    out = io.StringIO()
    assert not write_github(view_of("regressed"), "md", environ={}, out=out)
    assert out.getvalue() == ""


def test_write_github_appends_summary_and_prints_annotations(tmp_path: Path) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n")
    view = view_of("regressed")
    md = render_markdown(view, environ={})
    out = io.StringIO()
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    assert write_github(view, md, environ=env, out=out)
    # set off by blank lines, so an HTML block open on either side cannot swallow the other
    assert summary.read_text() == "earlier step\n\n" + md + "\n"
    printed = out.getvalue().splitlines()
    assert printed == annotation_lines(view)
    # the hostile case's "::warning::" and newlines cannot start a command of their own
    assert all(ln.startswith(("::error ", "::warning ")) for ln in printed)
