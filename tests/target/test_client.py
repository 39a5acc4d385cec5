"""The client with httpx.MockTransport: requests, retries, classification, backoff, masking."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

import httpx
import pytest

from evalgate.config.model import Pricing, ResponseMapping, TargetConfig
from evalgate.errors import ConfigError
from evalgate.model import Case, ToolCall
from evalgate.target import CallResult, TargetClient, TemplateContext
from evalgate.target.retry import AdaptiveLimit, backoff_delay, parse_retry_after
from tests.support.timing import timed_variant

CASE = Case(id="c1", dataset="d", input={"message": "hi"}, metadata={"tenant": "acme"})
CTX = TemplateContext(case=CASE, input=CASE.input, session_id="s1", run_id="r1")
SECRET = "sk-live-0123456789abcdef"

Handler = Callable[[httpx.Request], Any]


class FakeSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, s: float) -> None:
        self.delays.append(s)


def run(
    handler: Handler, sleep: FakeSleep | None = None, ctx: TemplateContext = CTX, **cfg: Any
) -> CallResult:
    base: dict[str, Any] = {
        "url": "http://mid.test/v1/ask",
        "backoff_base_s": 0.5,
        "backoff_max_s": 4.0,
        "timeout_s": 0.3,
    }
    base.update(cfg)

    async def go() -> CallResult:
        client = TargetClient(
            TargetConfig(**base),
            pricing={"m": Pricing(1.0, 2.0)},
            transport=httpx.MockTransport(handler),
            sleep=sleep or FakeSleep(),
            rng=random.Random(7),
        )
        async with client:
            return await client.call(ctx)

    return asyncio.run(go())


def answer(body: Any = None, status: int = 200, **headers: str) -> Handler:
    def h(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body or {"output": "ok"}, headers=headers)

    return h


def sequence(*steps: Handler) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    async def h(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        result = steps[min(len(seen), len(steps)) - 1](request)
        return await result if asyncio.iscoroutine(result) else result  # type: ignore[no-any-return]

    return h, seen


def test_request_is_rendered_and_response_mapped() -> None:
    seen: list[httpx.Request] = []

    def h(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"answer": "30 days", "model": "m", "u": {"i": 1000, "o": 10}, "tid": "t9"}
        return httpx.Response(200, json=body)

    result = run(
        h,
        body={"message": "{{ input.message }}", "tenant": "{{ case.metadata.tenant }}"},
        headers={"Authorization": f"Bearer {SECRET}", "X-Session": "{{ session_id }}"},
        query={"case": "{{ case.id }}"},
        response=ResponseMapping(
            output="answer", model="model", input_tokens="u.i", output_tokens="u.o", trace_id="tid"
        ),
    )
    assert result.outcome == "success" and result.attempts == 1
    assert result.request == {"message": "hi", "tenant": "acme"}
    req = seen[0]
    assert json.loads(req.content) == {"message": "hi", "tenant": "acme"}
    assert req.headers["authorization"] == f"Bearer {SECRET}"
    assert req.headers["x-session"] == "s1"
    assert req.headers["content-type"] == "application/json"
    assert str(req.url) == "http://mid.test/v1/ask?case=c1"
    r = result.response
    assert r is not None and r.output == "30 days" and r.trace_id == "t9"
    assert r.cost_usd == pytest.approx((1000 * 1.0 + 10 * 2.0) / 1e6)
    assert r.latency_ms > 0 and r.latency_ms == result.latency_ms and r.status_code == 200


def test_default_body_is_the_case_input() -> None:
    h, seen = sequence(answer())
    assert run(h).request == {"message": "hi"}
    assert json.loads(seen[0].content) == {"message": "hi"}


def test_templated_url() -> None:
    h, seen = sequence(answer())
    run(h, url="http://mid.test/{{ case.dataset }}/{{ case.id }}")
    assert seen[0].url.path == "/d/c1"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_retries_then_gives_up(status: int) -> None:
    h, seen = sequence(answer({"error": "down"}, status))
    sleep = FakeSleep()
    result = run(h, sleep, retries=3)
    assert result.outcome == "http_error" and result.status_code == status
    assert result.attempts == 4 and len(seen) == 4
    assert result.attempt_outcomes == ("http_error",) * 4
    assert result.error is not None and f"HTTP {status}" in result.error
    assert "after 4 attempts" in result.error
    # full jitter: retry k waits in [0, min(max, base * 2**k)]
    assert len(sleep.delays) == 3
    for k, d in enumerate(sleep.delays):
        assert 0.0 <= d <= min(4.0, 0.5 * 2**k)


def test_attempts_that_fail_differently_are_all_told() -> None:
    def reset(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("peer closed the stream")

    h, seen = sequence(reset, answer({"error": "down"}, 503))
    result = run(h, retries=1)
    assert len(seen) == 2 and result.attempt_outcomes == ("connection_error", "http_error")
    assert result.error == (
        'HTTP 503 Service Unavailable: {"error":"down"} (after 2 attempts: connection_error,'
        " http_error; the first failed with: connection to http://mid.test/v1/ask failed: peer"
        " closed the stream)"
    )


def test_a_4xx_names_the_url_it_came_from_without_the_query() -> None:
    h, seen = sequence(answer({"detail": "Not Found"}, 404))
    result = run(h, url="http://mid.test/v1?key=abc")
    assert result.outcome == "http_error" and len(seen) == 1  # not retried
    assert result.error == 'HTTP 404 Not Found from http://mid.test/v1: {"detail":"Not Found"}'


def test_backoff_bounds_and_spread() -> None:
    rng = random.Random(1)
    for k in range(10):
        samples = [backoff_delay(k, 0.5, 4.0, rng) for _ in range(200)]
        ceiling = min(4.0, 0.5 * 2**k)
        assert all(0.0 <= s <= ceiling for s in samples)
        assert max(samples) > 0.8 * ceiling  # jitter spreads across the whole window
        assert min(samples) < 0.2 * ceiling


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_other_4xx_fail_at_once(status: int) -> None:
    h, _ = sequence(answer({"error": "bad input", "detail": "x" * 500}, status))
    sleep = FakeSleep()
    result = run(h, sleep, retries=3)
    assert result.outcome == "http_error" and result.attempts == 1 and sleep.delays == []
    assert result.error is not None and result.error.startswith(f"HTTP {status}")
    assert "bad input" in result.error and len(result.error) < 300


def test_429_honours_retry_after_seconds() -> None:
    h, _ = sequence(answer({"e": 1}, 429, **{"Retry-After": "7"}), answer())
    sleep = FakeSleep()
    result = run(h, sleep)
    assert result.outcome == "success" and result.attempt_outcomes == ("rate_limited", "success")
    assert sleep.delays == [7.0]


def test_429_honours_retry_after_http_date() -> None:
    when = formatdate(time.time() + 20, usegmt=True)
    h, _ = sequence(answer({"e": 1}, 429, **{"Retry-After": when}), answer())
    sleep = FakeSleep()
    assert run(h, sleep).outcome == "success"
    assert 18.0 <= sleep.delays[0] <= 20.0


def test_retry_after_beyond_the_cap_ends_the_call_without_waiting() -> None:
    h, seen = sequence(answer({"e": 1}, 429, **{"Retry-After": "86400"}), answer())
    sleep = FakeSleep()
    result = run(h, sleep)
    assert sleep.delays == [] and len(seen) == 1
    assert result.outcome == "rate_limited" and result.attempts == 1
    assert "asked to retry after 86400 s" in (result.error or "")
    assert "target.max_retry_after_s (60 s)" in (result.error or "")


def test_429_without_retry_after_uses_backoff_and_ends_rate_limited() -> None:
    h, seen = sequence(answer({"e": 1}, 429))
    sleep = FakeSleep()
    result = run(h, sleep, retries=2)
    assert result.outcome == "rate_limited" and len(seen) == 3
    assert all(0 <= d <= 4.0 for d in sleep.delays) and len(sleep.delays) == 2


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def raiser(exc: Exception) -> Handler:
    def h(request: httpx.Request) -> httpx.Response:
        raise exc

    return h


@pytest.mark.parametrize(
    ("exc", "outcome", "text"),
    [
        (
            httpx.ConnectError("All connection attempts failed"),
            "connection_error",
            "connection refused",
        ),
        (httpx.ReadError(""), "connection_error", "reset or closed while reading"),
        (httpx.RemoteProtocolError("peer closed"), "connection_error", "peer closed"),
        (httpx.ReadTimeout("read"), "timeout", "timed out"),
        (httpx.ConnectTimeout("c"), "timeout", "target.connect_timeout_s"),
    ],
)
def test_transport_errors_are_classified_and_retried(
    exc: Exception, outcome: str, text: str
) -> None:
    h, seen = sequence(raiser(exc))
    result = run(h, retries=2)
    assert result.outcome == outcome and len(seen) == 3 and result.response is None
    assert result.error is not None and text in result.error


@timed_variant
def test_total_deadline_covers_a_slow_handler(timed: bool) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json={"output": "late"})

    t = time.perf_counter()
    result = run(slow, retries=1, timeout_s=0.1)
    assert not timed or time.perf_counter() - t < 1.0
    # the handler answers after 5 s: two timeouts mean the deadline cut both attempts
    assert result.attempt_outcomes == ("timeout", "timeout")
    assert "0.1 s (target.timeout_s)" in (result.error or "")


def test_fail_twice_then_succeed() -> None:
    h, seen = sequence(answer({}, 503), raiser(httpx.ReadError("")), answer({"output": "yes"}))
    result = run(h, retries=3)
    assert result.outcome == "success" and len(seen) == 3
    assert result.attempt_outcomes == ("http_error", "connection_error", "success")
    assert result.response is not None and result.response.output == "yes"


def test_invalid_response_is_not_retried_and_names_the_field() -> None:
    h, seen = sequence(answer({"error": "e", "detail": "d"}))
    result = run(h, response=ResponseMapping(output="answer"))
    assert result.outcome == "invalid_response" and len(seen) == 1
    assert result.error == (
        "response mapping 'output' (expression 'answer') found nothing; "
        "the response has keys: detail, error"
    )


def test_non_json_body_is_invalid_response() -> None:
    h, _ = sequence(
        lambda r: httpx.Response(200, text="<html>hi</html>", headers={"content-type": "text/html"})
    )
    result = run(h)
    assert result.outcome == "invalid_response"
    assert "not JSON (text/html): <html>hi</html>" in (result.error or "")


def test_body_cap_names_the_setting() -> None:
    h, _ = sequence(lambda r: httpx.Response(200, content=b'{"output": "' + b"x" * 5000 + b'"}'))
    result = run(h, max_response_bytes=1000)
    assert result.outcome == "invalid_response" and result.attempts == 1
    assert "target.max_response_bytes (1000 bytes" in (result.error or "")


def test_redirect_not_followed_by_default() -> None:
    h, seen = sequence(lambda r: httpx.Response(307, headers={"location": "/v2/ask"}), answer())
    result = run(h)
    assert result.outcome == "http_error" and result.status_code == 307 and len(seen) == 1
    assert result.error == (
        "HTTP 307 redirect to http://mid.test/v2/ask; set target.follow_redirects: true to "
        "follow it, or point target.url at the new address"
    )
    h2, seen2 = sequence(lambda r: httpx.Response(307, headers={"location": "/v2/ask"}), answer())
    assert run(h2, follow_redirects=True).outcome == "success"
    assert seen2[1].url.path == "/v2/ask"


def test_secret_header_never_in_error_or_request() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        got = {k: request.headers[k] for k in ("authorization", "x-api-key")}
        return httpx.Response(401, json={"error": "bad key", "got": got, "bare": SECRET})

    result = run(echo, headers={"Authorization": f"Bearer {SECRET}", "X-Api-Key": "k-12345678"})
    assert result.outcome == "http_error"
    text = (result.error or "") + json.dumps(result.request)
    assert "bad key" in text and text.count("***") == 3
    assert SECRET not in text and "k-12345678" not in text


def test_openai_chat_preset_end_to_end() -> None:
    seen: list[dict[str, Any]] = []

    def h(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        assert request.url.path == "/v1/chat/completions"
        return httpx.Response(
            200,
            json={
                "id": "chatcmpl-9",
                "model": "m",
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": None,
                            "tool_calls": [
                                {
                                    "id": "c",
                                    "type": "function",
                                    "function": {
                                        "name": "close_ticket",
                                        "arguments": '{"ticket_id": "8842"}',
                                    },
                                }
                            ],
                        },
                    }
                ],
                "usage": {"prompt_tokens": 20, "completion_tokens": 5},
            },
        )

    ctx = TemplateContext(
        case=CASE,
        input={"message": "close it", "tools": [{"type": "function"}]},
        history=({"role": "user", "content": "hello"},),
    )
    result = run(h, ctx=ctx, url="http://llm.test", preset="openai-chat", body={"model": "m"})
    assert seen[0] == {
        "model": "m",
        "messages": [{"role": "user", "content": "hello"}, {"role": "user", "content": "close it"}],
        "tools": [{"type": "function"}],
    }
    r = result.response
    assert result.outcome == "success" and r is not None
    assert r.tool_calls == (ToolCall("close_ticket", {"ticket_id": "8842"}, id="c"),)
    assert (r.input_tokens, r.output_tokens, r.trace_id) == (20, 5, "chatcmpl-9")
    assert r.cost_usd == pytest.approx((20 * 1.0 + 5 * 2.0) / 1e6)


def test_sse_stream_accumulates_and_records_ttft() -> None:
    async def stream() -> Any:
        yield b'data: {"delta": "Hel"}\n\n'
        await asyncio.sleep(0.05)
        yield b'data: {"delta": "lo", "model": "m"}\n\ndata: [DONE]\n\n'

    def h(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept"] == "text/event-stream"
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=stream())

    result = run(h, stream="sse", response=ResponseMapping(output="answer", model="model"))
    r = result.response
    assert result.outcome == "success" and r is not None
    assert r.output == "Hello" and r.model == "m"
    assert r.ttft_ms is not None and r.ttft_ms < r.latency_ms and r.latency_ms >= 50


def test_bad_config_is_config_error() -> None:
    with pytest.raises(ConfigError, match=r"target\.url: 'mid\.test/x' must start with http"):
        TargetClient(TargetConfig(url="mid.test/x"))
    with pytest.raises(ConfigError, match=r"target\.body: m: unknown name 'inptu'"):
        TargetClient(TargetConfig(url="http://h/x", body={"m": "{{ inptu }}"}))
    with pytest.raises(ConfigError, match=r"target\.stream: unknown mode 'ws'"):
        TargetClient(TargetConfig(url="http://h/x", stream="ws"))


def test_adaptive_limit_halves_once_per_wave_and_grows_back() -> None:
    lim = AdaptiveLimit(16)
    wave = time.perf_counter()
    for _ in range(10):  # ten 429s answering requests of the same wave: one cut
        lim.on_throttled(wave)
    assert lim.allowed == 8
    lim.on_throttled(time.perf_counter())  # a request sent after the cut: cut again
    assert lim.allowed == 4
    for _ in range(200):
        lim.on_success()
    assert lim.allowed == 16


def test_adaptive_limit_bounds_in_flight() -> None:
    async def go() -> int:
        lim = AdaptiveLimit(4)
        lim.on_throttled(time.perf_counter())  # allow 2
        peak = 0

        async def worker() -> None:
            nonlocal peak
            await lim.acquire()
            peak = max(peak, lim.in_flight)
            await asyncio.sleep(0.01)
            lim.release()

        await asyncio.gather(*(worker() for _ in range(10)))
        assert lim.in_flight == 0
        return peak

    assert asyncio.run(go()) == 2


def test_client_lowers_concurrency_on_429() -> None:
    async def go() -> tuple[int, int]:
        h, _ = sequence(answer({"e": 1}, 429))
        client = TargetClient(
            TargetConfig(url="http://x.test/a", concurrency=8, retries=0),
            transport=httpx.MockTransport(h),
            sleep=FakeSleep(),
        )
        async with client:
            before = client.concurrency_limit
            await client.call(CTX)
            return before, client.concurrency_limit

    assert asyncio.run(go()) == (8, 4)
