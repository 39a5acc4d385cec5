"""Property: no built-in scorer raises, whatever the response looks like."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalgate.llmjudge import JUDGE_SCORERS
from evalgate.model import Case, Response, ScorerSpec, ToolCall
from evalgate.scorers.registry import Registry, apply_scorer

REG = Registry()

PARAMS: dict[str, list[Any]] = {
    "contains": ["30 days", ["a", "ü"]],
    "not_contains": ["x"],
    "icontains": ["STRASSE"],
    "regex": [r"\d+", {"pattern": "^a", "flags": "ims"}],
    "not_regex": [r"sk-\w+"],
    "equals": ["yes", {"value": "a b", "normalize_whitespace": True, "ignore_case": True}],
    "refusal": [True, False],
    "citation": [
        True,
        False,
        {"required": True, "any_of": ["kb-a"], "all_of": ["1"], "none_of": ["x"], "min": 2},
        {"must_be_retrieved": True, "in_text": True},
        {"pattern": r"<(\w+)>", "required": True},
    ],
    "tool_call": [
        "search_kb",
        {
            "name": "t",
            "arguments": {"id": "8842", "q": "/a/i", "n": {"schema": {"type": "integer"}}},
        },
        {"name": "t", "called": False, "arguments": {"x": [1, {"y": None}]}},
        {"name": "t", "permission": "allowed", "times": 1, "strict": True},
        {"order": ["a", "t"], "sequence": ["t"]},
    ],
    "json_schema": [True, {"type": "object", "required": ["a"]}, {"file": "missing.json"}],
    "max_latency_ms": [100],
    "max_tokens": [10, {"input": 1, "output": 2, "total": 3}],
    "max_cost_usd": [0.01],
}

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
edge = st.sampled_from([float("nan"), float("inf"), -float("inf"), -1, 0, 10**30, 1e-300, True])
odd = edge | json_values | st.binary(max_size=8) | st.just(object())
texts = st.text(max_size=200) | st.sampled_from(
    [
        "",
        "[1] [kb-a] 【2†x】 [^1]\n[^1]: kb-z",
        '```json\n{"a": 1}\n```',
        "I can't help with that.",
        "\x00\ud7ff\U0010ffff",
        "a" * 50_000,
    ]
)
tool_calls = st.builds(
    ToolCall,
    name=st.sampled_from(["t", "a", "search_kb", "", "x\ny"]) | st.text(max_size=5),
    arguments=st.dictionaries(st.text(max_size=5), json_values, max_size=3)
    | st.text(max_size=10)
    | odd,
    permission=st.none() | st.sampled_from(["allowed", "denied"]) | odd,
)
responses = st.builds(
    Response,
    output=st.none() | texts | odd,
    citations=st.lists(st.text(max_size=8) | odd, max_size=3).map(tuple),
    retrieved=st.lists(st.text(max_size=8) | odd, max_size=3).map(tuple),
    tool_calls=st.lists(tool_calls | odd, max_size=3).map(tuple),
    model=st.none() | st.text(max_size=5) | odd,
    input_tokens=edge | st.none() | st.integers() | odd,
    output_tokens=edge | st.none() | st.integers() | odd,
    cost_usd=edge | st.none() | st.floats() | odd,
    latency_ms=edge | st.floats() | odd,
    refused=st.none() | st.booleans() | odd,
    extra=st.dictionaries(st.text(max_size=5), json_values, max_size=3),
)


@pytest.mark.parametrize("name", sorted(PARAMS))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(response=responses, data=st.data())
def test_no_builtin_scorer_raises(name: str, response: Response, data: st.DataObject) -> None:
    params = data.draw(st.sampled_from(PARAMS[name]))
    rec = apply_scorer(ScorerSpec(name, params), response, Case("c", "d", file="g.yaml"), REG)
    assert rec.error is None, rec.reason
    assert 0.0 <= rec.score <= 1.0
    assert isinstance(rec.reason, str) and rec.reason and "\n" not in rec.reason


def test_every_builtin_is_covered() -> None:
    # the LLM judge's scorers are awaited, not called: tests/llmjudge/test_properties.py
    builtin = {d.name for d in REG if d.origin == "builtin"} - JUDGE_SCORERS
    assert builtin == set(PARAMS)
