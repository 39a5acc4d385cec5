"""Response mapping: JMESPath fields into a Response, and the invalid_response message."""

from __future__ import annotations

import pytest

from evalgate.config.model import Pricing, ResponseMapping
from evalgate.errors import ConfigError
from evalgate.model import Response, ToolCall
from evalgate.target.mapping import MappingFailure, ResponseMapper, Timing

FULL = ResponseMapping(
    output="answer",
    citations="citations",
    retrieved="retrieval.doc_ids",
    tool_calls="tool_calls",
    prompt_version="promptVersion",
    model="model",
    input_tokens="usage.input_tokens",
    output_tokens="usage.output_tokens",
    trace_id="traceId",
    refused="refused",
    extra={"chunks": "retrieval.chunk_count"},
)
T = Timing(latency_ms=12.5, status_code=200)


def test_full_mapping() -> None:
    body = {
        "answer": "30 days",
        "citations": [{"doc_id": "kb-refunds"}, {"id": "kb-2"}, "kb-3"],
        "retrieval": {"doc_ids": ["kb-refunds", "kb-9"], "chunk_count": 4},
        "tool_calls": [
            {"name": "search_kb", "arguments": {"q": "refund"}},
            {"name": "close_ticket", "arguments": '{"ticket_id": "8842"}', "permission": "ask"},
        ],
        "promptVersion": "v1",
        "model": "gpt-4o-mini",
        "usage": {"input_tokens": 1000, "output_tokens": 500},
        "traceId": "tr-1",
        "refused": False,
    }
    r = ResponseMapper(FULL, {"gpt-4o-mini": Pricing(0.15, 0.60)}).map_json(body, T)
    assert r.output == "30 days"
    assert r.citations == ("kb-refunds", "kb-2", "kb-3")
    assert r.retrieved == ("kb-refunds", "kb-9")
    assert r.tool_calls == (
        ToolCall("search_kb", {"q": "refund"}),
        ToolCall("close_ticket", {"ticket_id": "8842"}, permission="ask"),
    )
    assert (r.prompt_version, r.model, r.trace_id, r.refused) == (
        "v1",
        "gpt-4o-mini",
        "tr-1",
        False,
    )
    assert (r.input_tokens, r.output_tokens) == (1000, 500)
    assert r.cost_usd == pytest.approx((1000 * 0.15 + 500 * 0.60) / 1e6)
    assert r.extra == {"chunks": 4}
    assert (r.latency_ms, r.status_code) == (12.5, 200)


def test_mapped_cost_wins_over_pricing() -> None:
    m = ResponseMapping(cost_usd="cost", model="model", input_tokens="t")
    r = ResponseMapper(m, {"x": Pricing(1, 1)}).map_json({"output": "a", "cost": 0.5, "t": 9}, T)
    assert r.cost_usd == 0.5


def test_unknown_model_or_no_tokens_gives_no_cost() -> None:
    m = ResponseMapping(model="model", input_tokens="t")
    mapper = ResponseMapper(m, {"x": Pricing(1, 1)})
    assert mapper.map_json({"output": "a", "model": "y", "t": 9}, T).cost_usd is None
    assert mapper.map_json({"output": "a", "model": "x"}, T).cost_usd is None


def test_missing_optional_fields_are_none_or_empty() -> None:
    r = ResponseMapper(FULL).map_json({"answer": "x"}, T)
    assert r.citations == () and r.tool_calls == () and r.retrieved == ()
    assert r.model is None and r.input_tokens is None and r.refused is None
    assert r.extra == {"chunks": None}


def test_output_missing_names_field_expression_and_keys() -> None:
    with pytest.raises(MappingFailure) as e:
        ResponseMapper(FULL).map_json({"error": "boom", "detail": "x"}, T)
    assert str(e.value) == (
        "response mapping 'output' (expression 'answer') found nothing; "
        "the response has keys: detail, error"
    )


def test_output_missing_from_a_list_body() -> None:
    with pytest.raises(MappingFailure, match="the response is a list of 2 items"):
        ResponseMapper(FULL).map_json([1, 2], T)


def test_tool_call_only_answer_is_not_invalid() -> None:
    m = ResponseMapping(output="content", tool_calls="calls")
    r = ResponseMapper(m).map_json({"content": None, "calls": [{"name": "t"}]}, T)
    assert r.output is None and r.tool_calls == (ToolCall("t", {}),)


def test_openai_style_tool_calls_and_bad_argument_json() -> None:
    calls = [
        {"id": "c1", "type": "function", "function": {"name": "a", "arguments": '{"x": 1}'}},
        {"function": {"name": "b", "arguments": "{not json"}},
        {"function": {"name": "c", "arguments": ""}},
        {"no_name": True},
    ]
    r = ResponseMapper(ResponseMapping(tool_calls="c")).map_json({"output": "", "c": calls}, T)
    assert r.tool_calls == (
        ToolCall("a", {"x": 1}, id="c1"),
        ToolCall("b", {"_raw": "{not json"}),
        ToolCall("c", {}),
    )


def test_non_string_output_is_json_text_and_coercions() -> None:
    m = ResponseMapping(output="o", input_tokens="t", refused="r", model="m")
    r = ResponseMapper(m).map_json({"o": {"a": 1}, "t": "12", "r": "I cannot help", "m": 4}, T)
    assert r.output == '{"a": 1}'
    assert r.input_tokens == 12 and r.refused is True and r.model == "4"
    r2 = ResponseMapper(m).map_json({"o": "x", "t": "many", "r": "false"}, T)
    assert r2.input_tokens is None and r2.refused is False


def test_text_mode_when_output_not_mapped() -> None:
    mapper = ResponseMapper(ResponseMapping(output=None))
    assert mapper.map_text("plain answer", T).output == "plain answer"
    with_model = ResponseMapper(ResponseMapping(output=None, model="model"))
    r = with_model.map_text('{"model": "m"}', T)
    assert r.output == '{"model": "m"}' and r.model == "m"


def test_bad_expression_is_config_error() -> None:
    with pytest.raises(ConfigError, match=r"target.response.citations: 'a\[' is not a valid"):
        ResponseMapper(ResponseMapping(citations="a["))


def test_expression_failing_at_runtime_is_a_mapping_failure() -> None:
    mapper = ResponseMapper(ResponseMapping(input_tokens="length(n)"))
    with pytest.raises(MappingFailure, match=r"'input_tokens' \(expression 'length\(n\)'\) failed"):
        mapper.map_json({"output": "x", "n": 5}, T)


def test_each_field_found_null_or_odd_reads_as_its_default_or_converted_value() -> None:
    mapping = ResponseMapping(
        output="a",
        citations="c",
        retrieved="r",
        tool_calls="t",
        prompt_version="p",
        model="m",
        input_tokens="i",
        output_tokens="o",
        cost_usd="cost",
        trace_id="tr",
        refused="ref",
    )
    pricing = {"gpt": Pricing(input_per_mtok=1.0, output_per_mtok=2.0)}
    body = {"a": 7, "c": "d1", "m": "gpt", "i": "10", "o": True, "cost": "x", "ref": "no"}
    got = ResponseMapper(mapping, pricing).map_json(body, T)
    assert got == Response(
        output="7",
        citations=("d1",),
        model="gpt",
        input_tokens=10,
        output_tokens=None,  # a bool is no count
        cost_usd=10 / 1e6,  # the mapped cost is not a number: the price list's
        refused=False,
        latency_ms=12.5,
        status_code=200,
        missing=("retrieved", "tool_calls", "prompt_version", "trace_id"),
    )
    odd = {"a": None, "t": [{"name": "f"}], "m": {"x": 1}, "i": 3, "tr": 5, "p": []}
    got = ResponseMapper(mapping, pricing).map_json(odd, T)
    assert got == Response(
        output=None,  # nothing found, but a tool call answers
        tool_calls=(ToolCall(name="f"),),
        prompt_version=None,
        model=None,
        input_tokens=3,
        trace_id="5",
        latency_ms=12.5,
        status_code=200,
        missing=("citations", "retrieved", "output_tokens", "cost_usd", "refused"),
    )


def test_the_first_failing_expression_in_field_order_is_the_one_told() -> None:
    mapper = ResponseMapper(ResponseMapping(output="length(n)", model="length(n)"))
    with pytest.raises(MappingFailure, match=r"'output' \(expression"):
        mapper.map_json({"n": 5}, T)
