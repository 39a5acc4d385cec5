from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalgate.model import Case, Response
from tests.scorers.conftest import run

TICKET = {
    "type": "object",
    "required": ["ticket_id", "priority"],
    "properties": {
        "ticket_id": {"type": "string"},
        "priority": {"enum": ["low", "high"]},
        "items": {"type": "array", "items": {"type": "object", "required": ["sku"]}},
    },
}


@pytest.mark.parametrize(
    ("params", "output", "passed", "reason"),
    [
        (
            TICKET,
            '{"ticket_id": "8842", "priority": "high"}',
            True,
            "the answer matches the schema",
        ),
        (
            TICKET,
            'Here you go:\n```json\n{"ticket_id": "1", "priority": "low"}\n```',
            True,
            "the answer",
        ),
        (
            TICKET,
            '{"ticket_id": 8842, "priority": "high"}',
            False,
            "$.ticket_id: 8842 is not of type 'string'",
        ),
        (
            TICKET,
            '{"ticket_id": "1", "priority": "low", "items": [{}]}',
            False,
            "$.items[0]: 'sku' is a required property",
        ),
        (TICKET, '{"ticket_id": "1"}', False, "$: 'priority' is a required property"),
        (
            TICKET,
            "Sure! The ticket is 8842.",
            False,
            "expected JSON; the answer does not parse (Expecting value",
        ),
        (TICKET, None, False, "expected JSON; the answer does not parse"),
        (True, "[1, 2]", True, "the answer is valid JSON"),
        ({"type": "nonsense"}, "{}", False, "the schema itself is invalid:"),
    ],
)
def test_json_schema(params: Any, output: str | None, passed: bool, reason: str) -> None:
    s = run("json_schema", params, Response(output=output))
    assert s.passed is passed
    assert s.reason.startswith(reason), s.reason


def test_json_schema_file_is_relative_to_golden_file(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "ticket.json").write_text(json.dumps(TICKET))
    case = Case("c", "d", file=str(tmp_path / "support.yaml"))
    ok = run(
        "json_schema",
        {"file": "schemas/ticket.json"},
        Response(output='{"ticket_id": "1", "priority": "low"}'),
        case,
    )
    assert ok.passed, ok.reason
    bad = run("json_schema", {"file": "schemas/missing.json"}, Response(output="{}"), case)
    assert not bad.passed and "schemas/missing.json not found" in bad.reason


def test_json_schema_yaml_file(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("type: object\nrequired: [a]\n")
    case = Case("c", "d", file=str(tmp_path / "g.yaml"))
    assert not run("json_schema", {"file": "s.yaml"}, Response(output="{}"), case).passed
    assert run("json_schema", {"file": "s.yaml"}, Response(output='{"a": 1}'), case).passed


@pytest.mark.parametrize(
    ("name", "params", "response", "passed", "reason"),
    [
        ("max_latency_ms", 500, Response(latency_ms=120.4), True, "latency 120 ms <= 500 ms"),
        (
            "max_latency_ms",
            100,
            Response(latency_ms=120.4),
            False,
            "latency 120 ms exceeds the budget of 100 ms",
        ),
        ("max_latency_ms", 100, Response(), False, "no latency was measured"),
        (
            "max_tokens",
            1000,
            Response(input_tokens=300, output_tokens=200),
            True,
            "tokens total 500 <= 1000",
        ),
        (
            "max_tokens",
            400,
            Response(input_tokens=300, output_tokens=200),
            False,
            "total tokens 500 exceed the budget of 400",
        ),
        (
            "max_tokens",
            {"output": 100},
            Response(input_tokens=300, output_tokens=200),
            False,
            "output tokens 200 exceed",
        ),
        (
            "max_tokens",
            {"input": 500, "output": 300},
            Response(input_tokens=300, output_tokens=200),
            True,
            "tokens input 300 <= 500, output 200 <= 300",
        ),
        (
            "max_tokens",
            100,
            Response(),
            False,
            "no total token count; map input_tokens and output_tokens in target.response",
        ),
        (
            "max_tokens",
            {"input": 1},
            Response(output_tokens=5),
            False,
            "no input token count; map input_tokens",
        ),
        ("max_tokens", 10, Response(input_tokens="many"), False, "no total token count"),  # type: ignore[arg-type]
        (
            "max_tokens",
            {"output": 10},
            Response(missing=("input_tokens", "output_tokens")),
            False,
            "no output token count; the answer had no input_tokens or output_tokens"
            " (target.response maps it, the server sent none; a streaming server sends usage only"
            " when asked, e.g. OpenAI's stream_options.include_usage)",
        ),
        (
            "max_cost_usd",
            0.01,
            Response(model="gpt-x", missing=("output_tokens",)),
            False,
            "no cost for this call; the answer had no output_tokens",
        ),
        ("max_cost_usd", 0.01, Response(cost_usd=0.0004), True, "cost $0.000400 <= $0.01"),
        (
            "max_cost_usd",
            0.0001,
            Response(cost_usd=0.0004),
            False,
            "cost $0.000400 exceeds the budget of $0.0001",
        ),
        (
            "max_cost_usd",
            0.01,
            Response(),
            False,
            "no cost for this call; map cost_usd, or model and",
        ),
        (
            "max_cost_usd",
            0.01,
            Response(model="gpt-x"),
            False,
            "no cost for this call; map input_tokens and output_tokens",
        ),
        (
            "max_cost_usd",
            0.01,
            Response(model="gpt-x", input_tokens=5),
            False,
            "no cost for this call; add a pricing entry for 'gpt-x'",
        ),
    ],
)
def test_budgets(name: str, params: Any, response: Response, passed: bool, reason: str) -> None:
    s = run(name, params, response)
    assert s.passed is passed
    assert s.reason.startswith(reason), s.reason


@pytest.mark.parametrize(
    ("output", "why"),
    [
        ("[" * 5000 + "]" * 5000, "nested deeper than"),
        ('{"n": ' + "7" * 5000 + "}", "4,300 digits"),
    ],
)
def test_json_schema_fails_an_answer_python_cannot_hold(output: str, why: str) -> None:
    # a failed expectation, not a scorer error: the answer is the model's, not a bug
    s = run("json_schema", True, Response(output=output))
    assert not s.passed and why in s.reason
