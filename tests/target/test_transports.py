"""Both transports (``target.transport: aiohttp | httpx``) against the same faults.

A fault must read the same whichever transport met it: the same outcome, the same number of
attempts and the same message. Where the transports differ inside (TLS, header sizes, encoded
bodies, connections left with unread bytes, connect timeouts), each is checked through both.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest

from evalgate.config.model import TargetConfig
from evalgate.model import Case
from evalgate.target import CallResult, TargetClient, TemplateContext
from evalgate.target.aio import _as_httpx
from evalgate.target.client import TRANSPORTS
from tests.support.faultserver import FaultServer, closed_port

CASE = Case(id="c1", dataset="d", input={"message": "hi"})
CTX = TemplateContext(case=CASE, input=CASE.input, run_id="r")


@pytest.fixture(scope="module")
def srv() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


def config(url: str, transport: str, **over: Any) -> TargetConfig:
    base: dict[str, Any] = {
        "url": url,
        "transport": transport,
        "timeout_s": 0.5,
        "connect_timeout_s": 0.5,
        "retries": 1,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.02,
        "max_response_bytes": 64 * 1024,
    }
    base.update(over)
    return TargetConfig(**base)


def calls(cfg: TargetConfig, *urls: str) -> list[CallResult]:
    """One call per URL, in order, on one client (so connections are reused)."""
    cfg = replace(cfg, url="{{ input.url }}")

    async def go() -> list[CallResult]:
        out = []
        async with TargetClient(cfg) as client:
            for url in urls:
                case = Case(id="c1", dataset="d", input={"message": "hi", "url": url})
                out.append(
                    await client.call(TemplateContext(case=case, input=case.input, run_id="r"))
                )
        return out

    return asyncio.run(go())


FAULTS = [
    "/reset",
    "/reset-early",
    "/truncated",
    "/hang",
    "/drip?interval=0.05",
    "/huge?size=200000",
    "/huge?size=200000&chunked=1",
    "/redirect?to=/ok",
    "/status?code=503",
    "/status?code=404",
    "/ratelimit?after=0",
    "/notjson",
    "/wrongshape",
    "/sse?kind=generic&fail=error",
    "/sse?kind=openai&fail=cut",
    "refused",
]


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_reads_the_same_through_either_transport(srv: FaultServer, fault: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}/x" if fault == "refused" else srv.url(fault)
    over: dict[str, Any] = {"stream": "sse"} if "sse" in fault else {}
    if "openai" in fault:
        over["preset"] = "openai-chat"
    seen = {}
    for transport in TRANSPORTS:
        (r,) = calls(config(url, transport, **over), url)
        seen[transport] = (r.outcome, r.attempts, r.attempt_outcomes, r.status_code, r.error)
    assert seen["aiohttp"] == seen["httpx"]
    assert seen["aiohttp"][0] != "success"


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("first", ["/huge?size=200000", "/truncated", "/sse?kind=generic"])
def test_a_connection_left_with_unread_bytes_is_not_reused(
    srv: FaultServer, transport: str, first: str
) -> None:
    # a capped body, a cut body or a stream ended at [DONE] leaves bytes (or nothing) behind;
    # the next call on the same client must not read them as its answer
    ok = srv.url("/ok")
    results = calls(config(ok, transport, stream="sse", retries=0), srv.url(first), ok, ok)
    assert [r.outcome for r in results[1:]] == ["success", "success"]
    assert all(r.response and r.response.output == "echo: hi" for r in results[1:])


class _Raw(threading.Thread):
    """A loopback server that answers every request on a connection with canned bytes."""

    def __init__(
        self, answer: bytes, *, close_after: bool = False, tls: ssl.SSLContext | None = None
    ) -> None:
        super().__init__(daemon=True)
        self.answer = answer
        self.close_after = close_after
        self.sock = socket.create_server(("127.0.0.1", 0))
        if tls is not None:
            self.sock = tls.wrap_socket(self.sock, server_side=True)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.heads: list[bytes] = []  # every request's head, in order

    def run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except ssl.SSLError:
                continue  # the client refused the certificate
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            buf = b""
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                buf += data
                if b"\r\n\r\n" not in buf:
                    continue
                head, _, rest = buf.partition(b"\r\n\r\n")
                self.heads.append(head)
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                while len(rest) < length:
                    rest += conn.recv(65536)
                buf = rest[length:]
                conn.sendall(self.answer)
                if self.close_after:  # an idle keep-alive connection the server drops
                    return

    def __enter__(self) -> _Raw:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        # shutdown wakes the blocked accept(); a bare close() would leave it waiting on a
        # socket whose descriptor number the next test's sockets may reuse
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.join(5)
        self.sock.close()


def _answer(body: bytes, *headers: str) -> bytes:
    head = ["HTTP/1.1 200 OK", "Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join([*head, *headers]) + "\r\n\r\n").encode() + body


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_cookie_the_endpoint_sets_is_sent_back(transport: str) -> None:
    # as with any httpx client: sticky-session cookies (load balancers) keep working
    with _Raw(_answer(b'{"output": "ok"}', "Set-Cookie: lb=node-7; Path=/")) as raw:
        url = f"http://127.0.0.1:{raw.port}/x"
        results = calls(config(url, transport), url, url)
    assert [r.outcome for r in results] == ["success", "success"]
    assert b"cookie: lb=node-7" not in raw.heads[0].lower()
    assert b"cookie: lb=node-7" in raw.heads[1].lower()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_long_response_header_is_read(transport: str) -> None:
    with _Raw(_answer(b'{"output": "ok"}', "X-Trace: " + "t" * 12000)) as raw:
        url = f"http://127.0.0.1:{raw.port}/x"
        (r,) = calls(config(url, transport), url)
    assert r.outcome == "success", r.error


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_an_encoded_body_is_decoded_and_capped_decoded(transport: str) -> None:
    small = gzip.compress(b'{"output": "zipped"}')
    bomb = gzip.compress(b'{"output": "' + b"a" * 500_000 + b'"}')  # ~1 KB on the wire
    with (
        _Raw(_answer(small, "Content-Encoding: gzip")) as a,
        _Raw(_answer(bomb, "Content-Encoding: gzip")) as b,
    ):
        ua, ub = f"http://127.0.0.1:{a.port}/x", f"http://127.0.0.1:{b.port}/x"
        ra, rb = calls(config(ua, transport), ua, ub)
    assert ra.outcome == "success" and ra.response and ra.response.output == "zipped"
    assert rb.outcome == "invalid_response" and "max_response_bytes" in (rb.error or "")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_keep_alive_connection_the_server_dropped_is_not_a_failure(transport: str) -> None:
    with _Raw(_answer(b'{"output": "ok"}'), close_after=True) as raw:
        url = f"http://127.0.0.1:{raw.port}/x"

        async def go() -> list[CallResult]:
            async with TargetClient(config(url, transport, retries=0)) as client:
                first = await client.call(CTX)
                await asyncio.sleep(0.1)  # the server has closed the idle connection by now
                return [first, await client.call(CTX)]

        results = asyncio.run(go())
    assert [r.outcome for r in results] == ["success", "success"], results[1].error
    assert raw.connections == 2


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_connect_that_never_completes_is_a_connect_timeout(transport: str) -> None:
    # a listening socket whose backlog is full drops new SYNs: connect() hangs on loopback
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(0)
    port = sock.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(("127.0.0.1", port))
            fillers.append(f)
        url = f"http://127.0.0.1:{port}/x"
        (r,) = calls(config(url, transport, connect_timeout_s=0.2, timeout_s=2.0, retries=0), url)
    finally:
        for f in fillers:
            f.close()
        sock.close()
    assert r.outcome == "timeout"
    assert "within 0.2 s (target.connect_timeout_s)" in (r.error or "")


def _tls_files(tmp: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_tls_verifies_against_the_ca_bundle_and_ssl_cert_file(
    transport: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = _tls_files(tmp_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    with _Raw(_answer(b'{"output": "secure"}'), tls=ctx) as raw:
        url = f"https://127.0.0.1:{raw.port}/x"
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        (untrusted,) = calls(config(url, transport, retries=0), url)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        (trusted,) = calls(config(url, transport, retries=0), url)
    assert untrusted.outcome == "connection_error"
    assert "certificate verify failed" in (untrusted.error or "").lower()
    assert trusted.outcome == "success", trusted.error
    assert trusted.response and trusted.response.output == "secure"


def _raised(exc: BaseException, reading: bool = False) -> BaseException:
    request = httpx.Request("GET", "http://127.0.0.1/x")
    with pytest.raises(httpx.HTTPError) as info, _as_httpx(request, reading):
        raise exc
    return info.value


def test_no_aiohttp_timeout_leaves_the_transport_as_a_plain_timeout() -> None:
    # aiohttp's timeouts are TimeoutError subclasses; target/attempt.py reads a bare
    # TimeoutError as the total deadline, so each must arrive as the httpx class that says
    # which limit it was
    assert isinstance(_raised(aiohttp.ConnectionTimeoutError("c")), httpx.ConnectTimeout)
    assert isinstance(_raised(aiohttp.SocketTimeoutError("r")), httpx.ReadTimeout)
    assert isinstance(_raised(aiohttp.ServerTimeoutError("t")), httpx.TimeoutException)


def test_aiohttp_errors_become_the_httpx_errors_httpcore_raises() -> None:
    key = aiohttp.client_reqrep.ConnectionKey("127.0.0.1", 9, False, True, None, None, None)
    refused = aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "refused"))
    e = _raised(refused)
    assert isinstance(e, httpx.ConnectError) and str(e) == "All connection attempts failed"
    e = _raised(aiohttp.ServerDisconnectedError())
    assert isinstance(e, httpx.RemoteProtocolError)
    e = _raised(aiohttp.ClientOSError(104, "Connection reset by peer"), reading=True)
    assert isinstance(e, httpx.ReadError) and str(e) == ""
    e = _raised(aiohttp.ClientResponseError(None, (), message="Invalid status line"))  # type: ignore[arg-type]
    assert isinstance(e, httpx.RemoteProtocolError)


def test_a_missing_aiohttp_is_a_config_error_naming_the_way_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from evalgate.errors import ConfigError
    from evalgate.target import client as target_client

    monkeypatch.setattr(target_client, "_has_aiohttp", lambda: False)
    with pytest.raises(ConfigError, match=r"set target\.transport: httpx"):
        TargetClient(config("http://127.0.0.1:9/x", "aiohttp"))
    TargetClient(config("http://127.0.0.1:9/x", "httpx"))  # the other transport still works
