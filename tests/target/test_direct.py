"""Calls straight to aiohttp (target/direct.py) send and read what httpx's own send would.

Each test makes the same calls twice over ``target.transport: aiohttp``: once the way the
client makes them (directly, when nothing above the transport has work to do) and once with
the direct way turned off (through ``httpx.AsyncClient.send``), and compares what the server
received (every request head and body, byte for byte) and what the client made of the answers.
"""

from __future__ import annotations

import asyncio
import gzip
from dataclasses import replace
from typing import Any

import httpx
import pytest

from evalgate.config.model import TargetConfig
from evalgate.model import Case, Response
from evalgate.target import CallResult, TargetClient, TemplateContext
from evalgate.target import direct as direct_module
from evalgate.target.aio import _AUTO, AiohttpTransport, auto_skip
from evalgate.target.direct import ReplyHeaders
from tests.target.test_transports import _answer, _Raw


def _config(url: str, **over: Any) -> TargetConfig:
    base: dict[str, Any] = {
        "url": url,
        "transport": "aiohttp",
        "timeout_s": 2.0,
        "retries": 1,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.02,
        "body": {"message": "{{ input.message }}", "n": "{{ case.id }}"},
    }
    base.update(over)
    return TargetConfig(**base)


def _calls(cfg: TargetConfig, n: int = 3) -> tuple[list[CallResult], int]:
    """``n`` calls on one client; the results and how many went straight to aiohttp."""
    direct = 0

    async def go() -> list[CallResult]:
        nonlocal direct
        out = []
        async with TargetClient(cfg) as client:
            for i in range(n):
                case = Case(id=f"c{i}", dataset="d", input={"message": f"héllo {i}", "k": i})
                ctx = TemplateContext(case=case, input=case.input, session_id=f"s{i}", run_id="r")
                out.append(await client.call(ctx))
            direct = client._direct.sent if client._direct is not None else 0
        return out

    return asyncio.run(go()), direct


def _both(
    answer: bytes, cfg: TargetConfig, monkeypatch: pytest.MonkeyPatch, n: int = 3
) -> tuple[tuple[list[bytes], list[Any], int], tuple[list[bytes], list[Any], int]]:
    seen = []
    for way in ("direct", "httpx"):
        with monkeypatch.context() as mp:
            if way == "httpx":
                mp.setattr(direct_module.DirectSender, "prepare", lambda *a, **k: None)
            with _Raw(answer) as raw:
                url = cfg.url.replace("PORT", str(raw.port))
                results, direct = _calls(replace(cfg, url=url), n)
            port = str(raw.port)
            heads = [h.replace(port.encode(), b"PORT") for h in raw.heads]
            told = [
                (
                    r.outcome,
                    r.attempts,
                    r.status_code,
                    (r.error or "").replace(port, "PORT"),
                    r.request,
                    _timeless(r.response),
                )
                for r in results
            ]
            seen.append((heads, told, direct))
    return seen[0], seen[1]


def _timeless(response: Response | None) -> Response | None:
    return None if response is None else replace(response, latency_ms=0.0)


CONFIGS = {
    "constant": {},
    "templated header": {"headers": {"X-Session": "{{ session_id }}", "Authorization": "k"}},
    "templated url": {"url": "http://127.0.0.1:PORT/v1/{{ case.id }}", "query": {"q": "ü x"}},
    "query": {"query": {"tenant": "acme", "q": "a b"}},
    "get": {"method": "GET", "body": None},
    "omitted body": {"body": "{{ input.none | default(omit) }}"},
}


@pytest.mark.parametrize("name", CONFIGS)
def test_the_server_receives_the_same_requests(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _config(**{"url": "http://127.0.0.1:PORT/x", **CONFIGS[name]})
    (heads, told, direct), (heads_h, told_h, direct_h) = _both(
        _answer(b'{"output": "ok"}'), cfg, monkeypatch
    )
    assert heads == heads_h and len(heads) == 3
    assert told == told_h
    assert direct_h == 0
    assert direct == 3  # every call went straight to aiohttp


ODD = {
    "repeated headers": _answer(b'{"output": "ok"}', "X-A: 1", "x-a: 2"),
    "non-ascii header": _answer(b'{"output": "ok"}', "X-B: caf\xe9"),
    "not json": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Type: x/y\r\n"
    b"Content-Length: 5\r\n\r\nhello",
    "odd reason": b"HTTP/1.1 503 Bus\xc3\xa9y \xff\xfe now\r\nContent-Length: 4\r\n\r\nbusy",
    "no reason": b"HTTP/1.1 404 \r\nContent-Length: 2\r\n\r\nno",
    "retry-after": b"HTTP/1.1 429 Too Many\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n",
    "redirect": b"HTTP/1.1 302 Found\r\nLocation: /elsewhere?k=1\r\nContent-Length: 0\r\n\r\n",
    "gzip": _answer(gzip.compress(b'{"output": "zipped"}'), "Content-Encoding: gzip"),
    "bad gzip": _answer(b"not gzip at all", "Content-Encoding: gzip"),
    "declared too large": _answer(b'{"output": "ok"}', "X-Pad: 1").replace(
        b"Content-Length: 16", b"Content-Length: 99999999"
    ),
    # no length declared, the whole body at once: read whole, and still capped
    "undeclared too large": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    + b"1400\r\n"
    + b"x" * 0x1400
    + b"\r\n0\r\n\r\n",
    "no content": b"HTTP/1.1 204 No Content\r\n\r\n",
    "empty": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n",
    "undeclared": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    + b'5\r\n{"out\r\nb\r\nput": "ok"}\r\n0\r\n\r\n',
}


@pytest.mark.parametrize("name", ODD)
def test_an_answer_reads_the_same(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _config("http://127.0.0.1:PORT/x", max_response_bytes=4096)
    if name == "not json":
        cfg = replace(cfg, response=replace(cfg.response, output="output"))
    (heads, told, _), (heads_h, told_h, _) = _both(ODD[name], cfg, monkeypatch, n=2)
    assert told == told_h
    assert heads == heads_h


@pytest.mark.parametrize("name", CONFIGS)
def test_aiohttp_sends_what_httpx_own_transport_sends(name: str) -> None:
    heads = {}
    for transport in ("aiohttp", "httpx"):
        cfg = _config(**{"url": "http://127.0.0.1:PORT/x", "transport": transport, **CONFIGS[name]})
        with _Raw(_answer(b'{"output": "ok"}')) as raw:
            results, _ = _calls(replace(cfg, url=cfg.url.replace("PORT", str(raw.port))), 2)
        assert [r.outcome for r in results] == ["success", "success"]
        heads[transport] = [h.replace(str(raw.port).encode(), b"PORT") for h in raw.heads]
    assert heads["aiohttp"] == heads["httpx"] and len(heads["httpx"]) == 2


def test_aiohttp_adds_no_header_a_request_lacks() -> None:
    # httpx's client always sends User-Agent, Accept and Accept-Encoding; a request without
    # them (or a body without a Content-Type) gets none of aiohttp's own
    async def go(port: int) -> None:
        transport = AiohttpTransport(1)
        try:
            for content in (b"x", None):
                request = httpx.Request("POST", f"http://127.0.0.1:{port}/x", content=content)
                response = await transport.handle_async_request(request)
                await response.aread()
                await response.aclose()
        finally:
            await transport.aclose()

    with _Raw(_answer(b'{"output": "ok"}')) as raw:
        asyncio.run(go(raw.port))
    assert len(raw.heads) == 2
    for head in raw.heads:
        names = {line.split(b":")[0].lower() for line in head.split(b"\r\n")[1:]}
        assert names == {b"host", b"content-length"}


def test_aiohttp_is_told_to_add_nothing_only_when_it_would_add_something() -> None:
    every = ["User-Agent", "accept", "Accept-Encoding"]
    assert auto_skip(every, body=False) is None
    assert auto_skip([*every, "Content-Type"], body=True) is None
    assert auto_skip(every, body=True) == _AUTO
    for name in every:
        assert auto_skip([n for n in every if n != name], body=False) == _AUTO


def test_a_cookie_is_kept_and_sent_back_as_httpx_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answer = _answer(b'{"output": "ok"}', "Set-Cookie: lb=node-7; Path=/")
    cfg = _config("http://127.0.0.1:PORT/x")
    (heads, told, direct), (heads_h, told_h, _) = _both(answer, cfg, monkeypatch)
    assert heads == heads_h and told == told_h
    assert b"cookie: lb=node-7" not in heads[0].lower()
    assert all(b"cookie: lb=node-7" in h.lower() for h in heads[1:])
    assert direct == 3  # still straight to aiohttp, with httpx's Cookie header


def test_credentials_in_the_url_become_httpx_basic_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _config("http://user:pw@127.0.0.1:PORT/x")
    (heads, told, direct), (heads_h, told_h, _) = _both(
        _answer(b'{"output": "ok"}'), cfg, monkeypatch
    )
    assert heads == heads_h and told == told_h
    assert b"authorization: basic dxnlcjpwdw==" in heads[0].lower()
    assert direct == 0  # httpx's send adds the header


def test_followed_redirects_go_through_httpx() -> None:
    with _Raw(b"HTTP/1.1 307 Moved\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n") as raw:
        url = f"http://127.0.0.1:{raw.port}/a"
        results, direct = _calls(_config(url, follow_redirects=True, retries=0), n=1)
    assert direct == 0
    assert results[0].outcome == "http_error" and "too many redirects" in (results[0].error or "")


def test_reply_headers_read_like_httpx_headers() -> None:
    import httpx

    raw = ((b"X-A", b"1"), (b"x-a", b"2"), (b"Content-Type", b"caf\xc3\xa9"), (b"X-Z", b""))
    ours, theirs = ReplyHeaders(raw), httpx.Headers(list(raw))
    for key in ("x-a", "X-A", "content-type", "x-z", "missing"):
        assert ours.get(key) == theirs.get(key)
        assert ours.get(key, "d") == theirs.get(key, "d")
        assert (key in ours) == (key in theirs)
    for odd in [((b"X", b"\xe9"),), ((b"X", b"caf\xc3\xa9"), (b"Y", b"\xe9")), ((b"X", b"\xc3"),)]:
        assert ReplyHeaders(odd).get("x") == httpx.Headers(list(odd)).get("x")


def test_credentials_in_the_url_are_not_in_messages() -> None:
    with _Raw(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n") as raw:
        url = f"http://user:s3cr3t-pw@127.0.0.1:{raw.port}/x?key=k3y"
        results, _ = _calls(_config(url, retries=0), n=1)
    assert results[0].outcome == "http_error"
    assert f"from http://127.0.0.1:{raw.port}/x" in (results[0].error or "")
    assert "s3cr3t" not in (results[0].error or "") and "k3y" not in (results[0].error or "")


def test_a_constant_head_and_per_call_heads_share_the_connections() -> None:
    # the constant head goes through a session of its own; once a cookie is set the heads are
    # built per call, through the first session: one connection pool serves both, and closing
    # the client closes both
    answer = _answer(b'{"output": "ok"}', "Set-Cookie: lb=node-7; Path=/")
    seen: list[Any] = []

    async def go(url: str) -> list[CallResult]:
        out = []
        async with TargetClient(_config(url, concurrency=1)) as client:
            for i in range(3):
                case = Case(id=f"c{i}", dataset="d", input={"message": "hi"})
                out.append(await client.call(TemplateContext(case=case, input=case.input)))
            assert client._direct is not None
            transport = client._direct._transport
            assert transport._headed is not None and transport._session is not None
            seen.extend([transport._headed[1], transport._session])
        return out

    with _Raw(answer) as raw:
        results = asyncio.run(go(f"http://127.0.0.1:{raw.port}/x"))
    assert [r.outcome for r in results] == ["success"] * 3
    assert raw.connections == 1
    assert b"cookie: lb=node-7" in raw.heads[2].lower()
    assert all(session.closed for session in seen) and len(seen) == 2
