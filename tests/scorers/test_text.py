from __future__ import annotations

from typing import Any

import pytest

from evalgate.model import Response
from tests.scorers.conftest import run

ANSWER = "Refunds are accepted within 30 days of purchase. Contact billing@example.com."

CASES: list[tuple[str, Any, str | None, bool, float]] = [
    ("contains", "30 days", ANSWER, True, 1.0),
    ("contains", "30 Days", ANSWER, False, 0.0),
    ("contains", ["30 days", "receipt"], ANSWER, False, 0.5),
    ("contains", ["30 days", "billing"], ANSWER, True, 1.0),
    ("contains", "30 days", None, False, 0.0),
    ("icontains", "REFUNDS ARE", ANSWER, True, 1.0),
    ("icontains", ["straße"], "STRASSE 5", True, 1.0),  # casefold, not lower
    ("icontains", ["nope", "refunds"], ANSWER, False, 0.5),
    ("not_contains", "system prompt", ANSWER, True, 1.0),
    ("not_contains", ["30 days", "x-y-z"], ANSWER, False, 0.5),
    ("not_contains", "anything", None, True, 1.0),
    ("regex", r"\b\d+ days\b", ANSWER, True, 1.0),
    ("regex", r"^\d+$", ANSWER, False, 0.0),
    ("regex", {"pattern": "REFUNDS", "flags": "i"}, ANSWER, True, 1.0),
    ("regex", {"pattern": "REFUNDS"}, ANSWER, False, 0.0),
    ("regex", "[unclosed", ANSWER, False, 0.0),
    ("not_regex", r"\bsk-[A-Za-z0-9]{20,}", ANSWER, True, 1.0),
    ("not_regex", r"[\w.]+@[\w.]+", ANSWER, False, 0.0),
    ("equals", "Yes", "  Yes\n", True, 1.0),
    ("equals", "Yes", "yes", False, 0.0),
    ("equals", {"value": "yes", "ignore_case": True}, "YES", True, 1.0),
    ("equals", {"value": "a b c", "normalize_whitespace": True}, "a  b\n c", True, 1.0),
    ("equals", {"value": "a b c"}, "a  b\n c", False, 0.0),
    ("equals", "", None, True, 1.0),
]


@pytest.mark.parametrize(("name", "params", "output", "passed", "value"), CASES)
def test_text_scorers(
    name: str, params: Any, output: str | None, passed: bool, value: float
) -> None:
    s = run(name, params, Response(output=output))
    assert (s.passed, s.value) == (passed, value), s.reason
    assert s.reason and "\n" not in s.reason


def test_contains_reason_names_missing_string_and_excerpt() -> None:
    s = run("contains", ["30 days", "receipt"], Response(output=ANSWER))
    assert s.reason.startswith('expected the answer to contain "receipt"; got "Refunds are')


def test_not_contains_reason_shows_where() -> None:
    s = run("not_contains", "billing@", Response(output=ANSWER))
    assert s.reason.startswith('expected no "billing@"; found at "')
    assert "billing@example.com" in s.reason


def test_regex_invalid_pattern_fails_with_reason() -> None:
    s = run("regex", "[unclosed", Response(output="x"))
    assert "invalid regex /[unclosed/" in s.reason


def test_equals_reason_points_at_difference() -> None:
    s = run("equals", "Refunds are accepted", Response(output=ANSWER))
    assert s.reason.startswith('expected "Refunds are accepted"; got "')
    assert s.reason.endswith("(differs at character 20)")


def test_huge_output_reason_stays_short() -> None:
    s = run("contains", "needle", Response(output="hay " * 100_000))
    assert not s.passed and len(s.reason) < 200
