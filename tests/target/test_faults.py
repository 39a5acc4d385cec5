"""The client against a real misbehaving HTTP server on 127.0.0.1.

Timeouts and backoff are small so every fault resolves in well under a second or two; each test
checks the outcome class, the number of attempts the server saw, and lower bounds on the time
taken (a wait that happened; a loaded machine only adds to it). The upper bounds are wall-clock
figures: they are checked apart, under ``pytest -m perf`` (test_faults_resolve_in_time). Every
test runs over both transports (``target.transport``): a fault must look the same through either.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from evalgate.config.model import ResponseMapping, TargetConfig
from evalgate.model import Case
from evalgate.target import CallResult, TargetClient, TemplateContext
from evalgate.target.client import TRANSPORTS
from tests.support.faultserver import FaultServer, closed_port

SECRET = "sk-test-9f8e7d6c5b4a3210"
CASE = Case(id="c1", dataset="d", input={"message": "hi"})
CTX = TemplateContext(case=CASE, input=CASE.input, run_id="r")


_TRANSPORT = ["aiohttp"]  # the transport the current test's calls use


@pytest.fixture(scope="module", autouse=True, params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> Iterator[str]:

    _TRANSPORT[0] = request.param
    yield request.param
    _TRANSPORT[0] = "aiohttp"


@pytest.fixture(scope="module")
def srv(transport: str) -> Iterator[FaultServer]:
    with FaultServer() as server:  # one per transport: the tests count requests per key
        yield server


def config(url: str, **over: Any) -> TargetConfig:
    base: dict[str, Any] = {
        "transport": _TRANSPORT[0],
        "url": url,
        "timeout_s": 0.4,
        "connect_timeout_s": 0.4,
        "retries": 2,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "max_response_bytes": 64 * 1024,
        "headers": {"Authorization": f"Bearer {SECRET}"},
    }
    base.update(over)
    return TargetConfig(**base)


def call(url: str, ctx: TemplateContext = CTX, **over: Any) -> tuple[CallResult, float]:
    async def go() -> CallResult:
        async with TargetClient(config(url, **over)) as client:
            return await client.call(ctx)

    t = time.perf_counter()
    result = asyncio.run(go())
    return result, time.perf_counter() - t


def test_ok_round_trip(srv: FaultServer) -> None:
    result, _ = call(srv.url("/ok"))
    assert result.outcome == "success" and result.attempts == 1
    assert result.response is not None and result.response.output == "echo: hi"
    assert srv.last_body == {"message": "hi"}
    assert srv.last_headers["Authorization"] == f"Bearer {SECRET}"


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_5xx_is_retried_then_http_error(srv: FaultServer, code: int) -> None:
    key = f"5xx-{code}"
    result, _ = call(srv.url(f"/status?code={code}&key={key}"))
    assert result.outcome == "http_error" and result.status_code == code
    assert result.attempts == 3 and srv.count("status", key) == 3


def test_404_is_not_retried(srv: FaultServer) -> None:
    result, _ = call(srv.url("/status?code=404&key=404"))
    assert result.outcome == "http_error" and srv.count("status", "404") == 1


def test_429_with_retry_after_seconds_waits(srv: FaultServer) -> None:
    result, took = call(srv.url("/ratelimit?after=0.3&key=ra"), retries=1)
    assert result.outcome == "rate_limited" and srv.count("ratelimit", "ra") == 2
    assert took >= 0.3  # the server's 0.3 s, not the 0.05 s backoff cap


def test_429_with_retry_after_http_date(srv: FaultServer) -> None:
    result, _ = call(srv.url("/ratelimit?date=1&key=rd"), retries=1)
    assert result.outcome == "rate_limited" and result.attempts == 2


def test_429_without_retry_after_backs_off(srv: FaultServer) -> None:
    result, _ = call(srv.url("/ratelimit?key=rn"))
    assert result.attempt_outcomes == ("rate_limited",) * 3


def test_connection_refused(srv: FaultServer) -> None:
    result, _ = call(f"http://127.0.0.1:{closed_port()}/x")
    assert result.outcome == "connection_error" and result.attempts == 3
    assert "connection refused" in (result.error or "")


@pytest.mark.parametrize("path", ["/reset", "/reset-early", "/truncated"])
def test_resets_and_truncation_are_connection_errors(srv: FaultServer, path: str) -> None:
    key = path.strip("/")
    result, _ = call(srv.url(f"{path}?key={key}"))
    assert result.outcome == "connection_error", result.error
    assert srv.count(key, key) == 3


def test_accept_and_never_answer_times_out(srv: FaultServer) -> None:
    result, took = call(srv.url("/hang?key=h"), timeout_s=0.3, retries=1)
    assert result.attempt_outcomes == ("timeout", "timeout")
    assert srv.count("hang", "h") == 2
    assert took >= 0.6  # two whole timeouts were waited out, then the call was cut


def test_slow_drip_is_cut_by_the_total_deadline(srv: FaultServer) -> None:
    # each byte arrives well within a per-read timeout; only a total deadline stops this
    result, _ = call(srv.url("/drip?interval=0.05&key=d"), timeout_s=0.3, retries=0)
    assert result.outcome == "timeout"  # the drip would go on: only the deadline ends it


def test_slow_but_in_time_succeeds(srv: FaultServer) -> None:
    result, _ = call(srv.url("/sleep?s=0.1"), timeout_s=1.0)
    assert result.outcome == "success"
    assert result.response is not None and result.response.latency_ms >= 100


def test_non_json_body(srv: FaultServer) -> None:
    result, _ = call(srv.url("/notjson?key=nj"))
    assert result.outcome == "invalid_response" and srv.count("notjson", "nj") == 1
    assert "not JSON (text/html)" in (result.error or "")


def test_wrong_shape_names_field_and_keys(srv: FaultServer) -> None:
    result, _ = call(srv.url("/wrongshape"), response=ResponseMapping(output="answer"))
    assert result.outcome == "invalid_response"
    assert result.error == (
        "response mapping 'output' (expression 'answer') found nothing; "
        "the response has keys: detail, error"
    )


@pytest.mark.parametrize("chunked", ["0", "1"])
def test_enormous_body_is_capped(srv: FaultServer, chunked: str) -> None:
    result, _ = call(srv.url(f"/huge?size=50000000&chunked={chunked}"))
    assert result.outcome == "invalid_response" and result.attempts == 1
    assert "raise target.max_response_bytes" in (result.error or "")


@pytest.mark.perf
@pytest.mark.parametrize(
    ("path", "over", "bound_s"),
    [
        ("/ok", {}, 1.0),
        ("/status?code=503&key=t503", {}, 1.5),
        ("/ratelimit?after=0.3&key=tra", {"retries": 1}, 1.5),
        # an HTTP-date has whole seconds: at most about one second of waiting
        ("/ratelimit?date=1&key=trd", {"retries": 1}, 2.5),
        ("/ratelimit?key=trn", {}, 1.0),
        ("/reset?key=treset", {}, 1.5),
        ("/hang?key=th", {"timeout_s": 0.3, "retries": 1}, 1.5),
        ("/drip?interval=0.05&key=td", {"timeout_s": 0.3, "retries": 0}, 1.0),
        ("/huge?size=50000000&chunked=1", {}, 2.0),
    ],
)
def test_faults_resolve_in_time(
    srv: FaultServer, path: str, over: dict[str, Any], bound_s: float
) -> None:
    _, took = call(srv.url(path), **over)
    assert took < bound_s, f"{path} took {took:.2f} s"


@pytest.mark.perf
def test_connection_refused_resolves_in_time() -> None:
    _, took = call(f"http://127.0.0.1:{closed_port()}/x")
    assert took < 2.0


def test_redirect_needs_follow_redirects(srv: FaultServer) -> None:
    result, _ = call(srv.url("/redirect?to=/ok"))
    assert result.outcome == "http_error" and result.status_code == 302
    assert f"redirect to {srv.url('/ok')}" in (result.error or "")
    followed, _ = call(srv.url("/redirect?to=/ok"), follow_redirects=True)
    assert followed.outcome == "success"


@pytest.mark.parametrize("mode", ["status", "reset"])
def test_fail_n_times_then_succeed(srv: FaultServer, mode: str) -> None:
    key = f"flaky-{mode}"
    result, _ = call(srv.url(f"/flaky?n=2&mode={mode}&key={key}"), retries=3)
    assert result.outcome == "success" and result.attempts == 3
    assert srv.count("flaky", key) == 3
    assert result.attempt_outcomes[-1] == "success"


def test_behaviour_chosen_by_header(srv: FaultServer) -> None:
    over = {"headers": {"X-Fault": "notjson"}}
    result, _ = call(srv.url("/ok"), **over)
    assert result.outcome == "invalid_response"


def test_generic_sse(srv: FaultServer) -> None:
    mapping = ResponseMapping(output="output", citations="citations", model="model")
    result, _ = call(srv.url("/sse?delay=0.05"), stream="sse", response=mapping)
    r = result.response
    assert result.outcome == "success" and r is not None
    assert (r.output, r.citations, r.model) == ("Hello", ("kb-1",), "m")
    assert r.ttft_ms is not None and r.ttft_ms + 50 <= r.latency_ms


def test_openai_sse(srv: FaultServer) -> None:
    result, _ = call(srv.url("/sse?kind=openai"), stream="sse", preset="openai-chat")
    r = result.response
    assert result.outcome == "success" and r is not None
    assert r.output == "Refunds take 30 days."
    assert [(t.name, dict(t.arguments)) for t in r.tool_calls] == [("search_kb", {"q": "refunds"})]
    assert (r.input_tokens, r.output_tokens, r.trace_id) == (7, 4, "chatcmpl-1")
    assert srv.last_body["stream"] is True


FAULTS = [
    "/status?code=401",
    "/status?code=500",
    "/ratelimit?after=0",
    "/reset",
    "/hang",
    "/truncated",
    "/notjson",
    "/wrongshape",
    "/huge?size=100000",
    "/redirect",
]


@pytest.mark.parametrize("path", FAULTS)
def test_secret_header_never_leaks(srv: FaultServer, path: str) -> None:
    body = {"message": "hi", "auth": "{{ input.message }}"}
    result, _ = call(srv.url(path), body=body, retries=1, timeout_s=0.2)
    assert result.outcome != "success"
    text = (result.error or "") + json.dumps(result.request)
    assert SECRET not in text and SECRET[:12] not in text
    if path.startswith("/status"):
        assert '"authorization": "***"' in text  # echoed by the server, masked by us


def test_many_calls_share_pooled_connections(srv: FaultServer) -> None:
    before = set(srv.peers)

    async def go() -> list[CallResult]:
        async with TargetClient(config(srv.url("/ok"), concurrency=10)) as client:
            return await asyncio.gather(*(client.call(CTX) for _ in range(200)))

    results = asyncio.run(go())
    assert all(r.outcome == "success" for r in results)
    assert len(srv.peers - before) <= 10
