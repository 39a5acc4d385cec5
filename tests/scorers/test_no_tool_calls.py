from __future__ import annotations

from pathlib import Path

from evalgate.config.goldens import load_goldens
from evalgate.model import Case, Response, ToolCall
from evalgate.scorers.tools import tool_call

CASE = Case(id="c", dataset="d")


def test_called_false_alone_means_no_tool_at_all() -> None:
    none = tool_call(Response(output="hi"), {"called": False}, CASE)
    some = tool_call(
        Response(tool_calls=(ToolCall("search_kb", {"q": "x"}),)), {"called": False}, CASE
    )
    assert none.passed and none.value == 1.0
    assert not some.passed and some.reason == "expected no tool calls; called search_kb"


def test_a_mapping_with_neither_name_nor_called_false_is_located(tmp_path: Path) -> None:
    f = tmp_path / "g.yaml"
    f.write_text(
        "cases:\n  - id: a\n    input: {m: 1}\n    expect:\n"
        "      - tool_call: {arguments: {x: 1}}\n"
    )
    [problem] = load_goldens([f]).problems
    assert (problem.line, problem.col) == (5, 20)
    assert problem.message.startswith("tool_call: ")
    assert problem.message == "tool_call: 'tool_call' needs one of: name, order, sequence, called"


def test_a_missing_tool_is_one_reason_not_one_per_check() -> None:
    called = Response(tool_calls=(ToolCall("search_kb", {"query": "charged twice"}),))
    params = {
        "name": "create_ticket",
        "arguments": {"category": "billing"},
        "permission": "allowed",
    }
    s = tool_call(called, params, CASE)
    assert (s.passed, s.value) == (False, 0.0)
    assert s.reason == (
        'expected a call to create_ticket(category="billing") with permission allowed;'
        ' called search_kb(query="charged twice")'
    )
