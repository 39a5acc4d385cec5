"""Response bodies through the response mapping and the whole client: a Response or an
``invalid_response`` message, never an exception — and whatever comes out can be written to
results.jsonl and read back."""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from evalgate.config.model import Pricing, ResponseMapping, TargetConfig
from evalgate.model import Case
from evalgate.results_check import check_result_line
from evalgate.target import TargetClient, TemplateContext
from evalgate.target.mapping import MappingFailure, ResponseMapper, Timing
from tests.reliability.fuzzing import EXAMPLES, FUZZ, json_values

MAPPING = ResponseMapping(
    output="answer",
    citations="citations[].doc_id",
    retrieved="retrieval.doc_ids",
    tool_calls="tool_calls",
    prompt_version="promptVersion",
    model="model",
    input_tokens="usage.input_tokens",
    output_tokens="usage.output_tokens",
    cost_usd="usage.cost",
    trace_id="traceId",
    refused="refused",
    extra={"n": "length(answer)", "top": "max(retrieval.scores)", "chunks": "retrieval.chunks"},
)
MAPPER = ResponseMapper(MAPPING, {"m": Pricing(0.15, 0.6)})
FIELDS = [
    "answer",
    "citations",
    "retrieval",
    "tool_calls",
    "promptVersion",
    "model",
    "usage",
    "traceId",
    "refused",
]
EDGE_NUMBERS = st.sampled_from([math.inf, -math.inf, math.nan, 1e308, 2**63, -1, 0.5, True])
# bodies shaped like the mapping expects, with any value in any place
shaped = st.fixed_dictionaries(
    {},
    optional={
        "answer": json_values,
        "citations": st.one_of(
            json_values, st.lists(st.dictionaries(st.just("doc_id"), json_values))
        ),
        "retrieval": st.dictionaries(
            st.sampled_from(["doc_ids", "scores", "chunks"]), json_values, max_size=3
        ),
        "tool_calls": st.one_of(
            json_values,
            st.lists(
                st.fixed_dictionaries(
                    {"name": json_values},
                    optional={"arguments": json_values, "function": json_values, "id": json_values},
                ),
                max_size=3,
            ),
        ),
        "promptVersion": json_values,
        "model": st.one_of(st.just("m"), json_values),
        "usage": st.one_of(
            json_values,
            st.dictionaries(
                st.sampled_from(["input_tokens", "output_tokens", "cost"]),
                st.one_of(EDGE_NUMBERS, st.floats(), st.integers(), json_values),
            ),
        ),
        "traceId": json_values,
        "refused": json_values,
    },
)


def _as_result_line(response: Any) -> dict[str, Any]:
    """The line a run would write for this response, as read back from disk."""
    line = {
        "case_id": "c",
        "status": "passed",
        "passed": True,
        "score": 1.0,
        "response": response.to_dict(),
    }
    return dict(json.loads(json.dumps(line)))


@settings(FUZZ, max_examples=EXAMPLES * 7)
@given(st.one_of(shaped, json_values))
def test_mapper_yields_a_response_or_an_invalid_response_message(body: Any) -> None:
    try:
        resp = MAPPER.map_json(body, Timing(12.0, 200))
    except MappingFailure as e:
        assert str(e).startswith("response mapping '"), str(e)
        return
    for v in (resp.input_tokens, resp.output_tokens, resp.cost_usd):
        assert v is None or math.isfinite(v)
    check_result_line(_as_result_line(resp))  # it can be stored and read back


@settings(FUZZ, max_examples=EXAMPLES * 3)
@given(st.text(max_size=200))
def test_mapper_raw_text(text: str) -> None:
    resp = ResponseMapper(ResponseMapping(output=None, model="model")).map_text(
        text, Timing(1.0, 200)
    )
    assert resp.output is not None
    check_result_line(_as_result_line(resp))


CASE = Case(id="c", dataset="d", input={"message": "hi"})


@settings(FUZZ, max_examples=EXAMPLES * 3)
@given(
    st.one_of(
        st.binary(max_size=300),
        json_values.map(lambda v: json.dumps(v).encode()),
        shaped.map(lambda v: json.dumps(v).encode()),
    ),
    st.sampled_from(["application/json", "text/plain", "text/event-stream", ""]),
    st.sampled_from([200, 201, 204, 301, 400, 429, 500, 503]),
    st.booleans(),
)
def test_client_never_raises_on_any_answer(body: bytes, ctype: str, status: int, sse: bool) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": ctype} if ctype else {}
        return httpx.Response(status, content=body, headers=headers)

    cfg = TargetConfig(
        url="http://127.0.0.1:9/x",
        body={"message": "{{ input.message }}"},
        response=MAPPING,
        stream="sse" if sse else None,
        retries=1,
        backoff_base_s=0.0,
        backoff_max_s=0.0,
        max_response_bytes=200,
    )

    async def go() -> Any:
        async with TargetClient(cfg, transport=httpx.MockTransport(answer)) as client:
            return await client.call(TemplateContext(case=CASE, input=CASE.input))

    result = asyncio.run(go())
    if result.outcome == "success":
        assert result.response is not None
        check_result_line(_as_result_line(result.response))
    else:
        assert result.outcome in {"invalid_response", "http_error", "rate_limited"}
        assert result.error
