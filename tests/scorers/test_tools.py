from __future__ import annotations

from typing import Any

import pytest

from evalgate.model import Response, ToolCall
from evalgate.scorers._match import match
from tests.scorers.conftest import run

CALLS = (
    ToolCall(
        "search_kb", {"query": "refund policy", "filters": {"lang": "en", "tags": ["a", "b"]}}
    ),
    ToolCall(
        "close_ticket", {"ticket_id": "8841", "notify": True}, permission="needs_confirmation"
    ),
)
R = Response(tool_calls=CALLS)


@pytest.mark.parametrize(
    ("expected", "actual", "strict", "diff"),
    [
        ("8842", 8842, False, None),
        (8842, "8842", False, None),
        (8842, "8842", True, "value"),
        (1.0, 1, False, None),
        (True, "true", False, None),
        (True, 1, False, "value"),
        ("/^88\\d\\d$/", 8842, False, None),
        ("/^ab/i", "ABC", False, None),
        ("/^x/", "abc", False, "value"),
        ({"schema": {"type": "integer", "minimum": 1}}, 3, False, None),
        (
            {"schema": {"type": "integer"}},
            "3",
            False,
            "value (value: '3' is not of type 'integer')",
        ),
        ({"type": "refund"}, {"type": "refund", "id": 1}, False, None),  # a literal, not a schema
        ({"a": {"b": 1}}, {"a": {"b": 2}}, False, "a.b"),
        ({"a": 1}, {"b": 1}, False, "a (missing)"),
        (["b"], ["a", "b"], False, None),
        (["b", "b"], ["a", "b"], False, "[1]"),
        (["a", "b"], ["b", "a"], True, "[0]"),
        ([{"id": "/^x/"}], [{"id": "y"}, {"id": "xz"}], False, None),
        (None, None, False, None),
        ("x", None, False, "value"),
    ],
)
def test_match(expected: Any, actual: Any, strict: bool, diff: str | None) -> None:
    got = match(expected, actual, strict)
    if diff is None or "(" not in diff:
        assert got == diff
    else:
        assert got is not None and got.startswith(diff.split(" (")[0])


CASES: list[tuple[Any, Response, bool, float, str]] = [
    ("search_kb", R, True, 1.0, 'called search_kb(query="refund policy"'),
    (
        {"name": "create_ticket"},
        R,
        False,
        0.0,
        "expected a call to create_ticket; called search_kb(",
    ),
    (
        {"name": "create_ticket"},
        Response(),
        False,
        0.0,
        "expected a call to create_ticket; no tools",
    ),
    (
        {"name": "close_ticket", "arguments": {"ticket_id": "8842"}},
        R,
        False,
        0.5,
        'expected close_ticket(ticket_id="8842"); '
        'called close_ticket(ticket_id="8841", notify=true) — ticket_id differs',
    ),
    ({"name": "close_ticket", "arguments": {"ticket_id": 8841}}, R, True, 1.0, "called close_"),
    (
        {"name": "close_ticket", "arguments": {"ticket_id": 8841}, "strict": True},
        R,
        False,
        0.5,
        "expected close_ticket(ticket_id=8841); called close_ticket(",
    ),
    (
        {"name": "search_kb", "arguments": {"filters": {"tags": ["b"]}, "query": "/refund/"}},
        R,
        True,
        1.0,
        "called search_kb(",
    ),
    (
        {"name": "search_kb", "arguments": {"query": {"schema": {"type": "integer"}}}},
        R,
        False,
        0.5,
        "expected search_kb(query=",
    ),
    (
        {"name": "close_ticket", "called": False},
        R,
        False,
        0.0,
        "expected no call to close_ticket; called close_ticket(",
    ),
    ({"name": "delete_account", "called": False}, R, True, 1.0, "delete_account was not called"),
    (
        {"name": "close_ticket", "called": False, "arguments": {"ticket_id": "1"}},
        R,
        True,
        1.0,
        "close_ticket was not called",
    ),
    (
        {"name": "close_ticket", "permission": "needs_confirmation"},
        R,
        True,
        1.0,
        "called close_ticket(",
    ),
    (
        {"name": "close_ticket", "permission": "allowed"},
        R,
        False,
        0.5,
        "expected close_ticket with permission allowed; got needs_confirmation",
    ),
    (
        {"name": "search_kb", "permission": "allowed"},
        R,
        False,
        0.5,
        "expected search_kb with permission allowed; got no permission field (map tool_calls[]",
    ),
    ({"name": "search_kb", "times": 1}, R, True, 1.0, "called search_kb("),
    (
        {"name": "search_kb", "times": 2},
        R,
        False,
        0.5,
        "expected search_kb called 2 time(s); called 1",
    ),
    ({"order": ["search_kb", "close_ticket"]}, R, True, 1.0, "called search_kb → close_ticket"),
    (
        {"order": ["close_ticket", "search_kb"]},
        R,
        False,
        0.0,
        "expected calls in order close_ticket → search_kb; called search_kb → close_ticket",
    ),
    ({"sequence": ["search_kb", "close_ticket"]}, R, True, 1.0, "called search_kb → close_ticket"),
    (
        {"sequence": ["search_kb"]},
        R,
        False,
        0.0,
        "expected exactly search_kb; called search_kb → close_ticket",
    ),
    ({"sequence": []}, Response(), True, 1.0, "no tools were called"),
    # the same calls in another order are not the sequence
    (
        {"sequence": ["close_ticket", "search_kb"]},
        R,
        False,
        0.0,
        "expected exactly close_ticket → search_kb; called search_kb → close_ticket",
    ),
    # more calls than `times` fail as fewer do
    (
        {"name": "search_kb", "times": 1},
        Response(tool_calls=(CALLS[0], CALLS[1], CALLS[0])),
        False,
        0.5,
        "expected search_kb called 1 time(s); called 2 time(s)",
    ),
]


@pytest.mark.parametrize(("params", "response", "passed", "value", "reason"), CASES)
def test_tool_call_scorer(
    params: Any, response: Response, passed: bool, value: float, reason: str
) -> None:
    s = run("tool_call", params, response)
    assert (s.passed, s.value) == (passed, value), s.reason
    assert s.reason.startswith(reason), s.reason


def test_json_string_arguments_are_decoded() -> None:
    call = ToolCall("close_ticket", '{"ticket_id": 8842}')  # type: ignore[arg-type]
    s = run(
        "tool_call",
        {"name": "close_ticket", "arguments": {"ticket_id": "8842"}},
        Response(tool_calls=(call,)),
    )
    assert s.passed, s.reason


def test_second_call_with_matching_arguments_is_found() -> None:
    calls = (
        ToolCall("close_ticket", {"ticket_id": "1"}),
        ToolCall("close_ticket", {"ticket_id": "2"}, permission="allowed"),
    )
    s = run(
        "tool_call",
        {"name": "close_ticket", "arguments": {"ticket_id": "2"}, "permission": "allowed"},
        Response(tool_calls=calls),
    )
    assert s.passed, s.reason


@pytest.mark.parametrize(
    ("arguments", "strict", "passed"),
    [
        ({"ticket_id": "8841"}, False, False),  # called with these arguments: fails
        ({"ticket_id": 8841}, False, False),  # "8841" matches 8841 when not strict
        ({"ticket_id": 8841}, True, True),  # strict: the string is not the number
        ({"ticket_id": "1"}, False, True),  # called, but not with these arguments
    ],
)
def test_never_called_with_these_arguments(
    arguments: dict[str, Any], strict: bool, passed: bool
) -> None:
    params = {"name": "close_ticket", "called": False, "arguments": arguments, "strict": strict}
    s = run("tool_call", params, R)
    assert (s.passed, s.value) == (passed, 1.0 if passed else 0.0), s.reason
    if not passed:
        assert s.reason == 'expected no call close_ticket(ticket_id="8841", notify=true)'


def test_a_missing_tool_fails_each_of_its_checks() -> None:
    # name, arguments, permission and times all fail with the call missing; the order holds
    params = {
        "name": "refund",
        "arguments": {"amount": 5},
        "permission": "allowed",
        "times": 1,
        "order": ["search_kb"],
    }
    s = run("tool_call", params, R)
    assert (s.passed, s.value) == (False, pytest.approx(1 / 5))
    assert s.reason == (
        "expected a call to refund(amount=5) with permission allowed;"
        ' called search_kb(query="refund policy", filters={"lang": "en", "t…),'  # 60 wide
        ' close_ticket(ticket_id="8841", notify=true)'
    )


def test_reasons_in_full() -> None:
    differs = run("tool_call", {"name": "close_ticket", "arguments": {"ticket_id": "8842"}}, R)
    assert differs.reason.endswith("— ticket_id differs")
    schema = {"name": "search_kb", "arguments": {"query": {"schema": {"type": "integer"}}}}
    why = run("tool_call", schema, R).reason
    assert why.endswith("— query differs: 'refund policy' is not of type 'integer'"), why
    wrong = run("tool_call", {"name": "close_ticket", "permission": "allowed"}, R)
    assert wrong.reason == "expected close_ticket with permission allowed; got needs_confirmation"
    five = Response(tool_calls=tuple(ToolCall(f"t{i}") for i in range(5)))
    many = run("tool_call", {"name": "absent"}, five)
    assert many.reason == "expected a call to absent; called t0(), t1(), t2(), t3(), …"
    four = Response(tool_calls=five.tool_calls[:4])
    assert run("tool_call", {"name": "absent"}, four).reason.endswith("t2(), t3()")


def test_a_long_call_is_cut_to_the_width_with_its_parenthesis() -> None:
    from evalgate.scorers.tools import describe

    call = ToolCall("search_kb", {"query": "x" * 200})
    assert len(describe(call, 40)) == 40 and describe(call, 40).endswith("…)")
    short = ToolCall("ping", {})
    assert describe(short, 6) == "ping()"  # exactly the width: not cut
