from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalgate.scorers.checks import check_params


@pytest.mark.parametrize(
    ("name", "params", "problems"),
    [
        ("regex", r"\d+ days", []),
        (
            "regex",
            "[unclosed",
            ["invalid regular expression /[unclosed/: unterminated character set at position 0"],
        ),
        (
            "not_regex",
            {"pattern": "(a"},
            ["invalid regular expression /(a/: missing ), unterminated subpattern at position 0"],
        ),
        ("contains", "[unclosed", []),
        ("tool_call", {"name": "x", "arguments": {"id": "/^\\d+$/"}}, []),
        (
            "tool_call",
            {"name": "x", "arguments": {"a": {"b": ["/(/"]}}},
            [
                "arguments.a.b[0]: invalid regular expression /(/: missing ),"
                " unterminated subpattern at position 0"
            ],
        ),
        ("tool_call", {"name": "x", "arguments": {"a": {"schema": {"type": "nope"}}}}, None),
        (
            "tool_call",
            {"name": "x", "called": False, "times": 2},
            ["tool_call: 'called: false' contradicts 'times'; keep one of them"],
        ),
        ("json_schema", {"type": "object"}, []),
        ("json_schema", {"type": "object", "properties": {"a": {"type": 5}}}, None),
        ("json_schema", True, []),
        (
            "citation",
            {"pattern": "(a)(b)", "required": True},
            ["citation pattern /(a)(b)/ must have at most one group (the id)"],
        ),
        ("citation", {"pattern": "("}, None),
        (
            "citation",
            {},
            ["citation has no checks; use 'citation: true' or set required/any_of/..."],
        ),
        (
            "citation",
            {"all_of": ["a"], "none_of": ["a"]},
            ["citation: a both required and forbidden"],
        ),
        ("citation", True, []),
        ("unknown_scorer", {"x": 1}, []),
    ],
)
def test_check_params(name: str, params: Any, problems: list[str] | None) -> None:
    got = check_params(name, params)
    if problems is None:
        assert got and all(p for p in got)
    else:
        assert got == problems


def test_invalid_schema_points_at_location() -> None:
    got = check_params("json_schema", {"type": "object", "properties": {"a": {"type": 5}}})
    assert got[0].startswith("invalid JSON Schema at /properties/a/type: 5 is not valid")


def test_json_schema_file_checks(tmp_path: Path) -> None:
    golden = str(tmp_path / "goldens" / "support.yaml")
    (tmp_path / "goldens").mkdir()
    (tmp_path / "goldens" / "ok.json").write_text(json.dumps({"type": "object"}))
    (tmp_path / "goldens" / "bad.json").write_text(json.dumps({"type": 3}))
    assert check_params("json_schema", {"file": "ok.json"}, golden) == []
    assert check_params("json_schema", {"file": "bad.json"}, golden)[0].startswith(
        "bad.json: invalid JSON Schema"
    )
    missing = check_params("json_schema", {"file": "nope.json"}, golden)
    assert missing[0].startswith("json_schema: cannot read schema file nope.json")


def _schema_errors(name: str, params: Any) -> list[str]:
    import jsonschema

    from evalgate.scorers.registry import Registry

    d = Registry().get(name)
    assert d is not None and d.params_schema is not None
    cls = jsonschema.validators.validator_for(d.params_schema)
    cls.check_schema(d.params_schema)
    return [e.message for e in cls(d.params_schema).iter_errors(params)]


def test_property_test_params_are_valid_for_their_schemas() -> None:
    from tests.scorers.test_properties import PARAMS

    for name, examples in PARAMS.items():
        for params in examples:
            assert _schema_errors(name, params) == [], (name, params)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("contains", ""),
        ("contains", []),
        ("contains", 5),
        ("regex", {"pattern": "x", "flags": "q"}),
        ("regex", {"patern": "x"}),
        ("equals", {"value": "x", "ignorecase": True}),
        ("refusal", "yes"),
        ("citation", {"any_of": "kb-a"}),
        ("citation", {"requred": True}),
        ("tool_call", {"name": "x", "permission": "maybe"}),
        ("tool_call", {"arguments": {"a": 1}}),  # no name, order or sequence
        ("tool_call", {"name": "x", "times": -1}),
        ("json_schema", {"file": 3}),
        ("json_schema", False),
        ("max_latency_ms", "fast"),
        ("max_tokens", {"inputs": 3}),
        ("max_tokens", {}),
        ("max_cost_usd", -1),
    ],
)
def test_params_schema_rejects_mistakes(name: str, params: Any) -> None:
    assert _schema_errors(name, params)
