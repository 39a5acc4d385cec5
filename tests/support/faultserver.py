"""A real HTTP server on 127.0.0.1 that misbehaves on request, for integration tests.

The behaviour is chosen by the first path segment (``/status?code=503``) or by an ``X-Fault``
header (which wins, so one configured URL can serve many behaviours); parameters come from the
query string. Every request is counted per behaviour and ``key`` so tests can assert attempts.

    with FaultServer() as srv:
        url = srv.url("/flaky?n=2&key=a")

Behaviours: ok/echo, regress (echo, except messages containing one of bad=a,b get a refusal,
or status code= if given), status (code=), ratelimit (after= seconds, date= seconds ahead as an
HTTP-date), reset (RST after the headers), reset-early (RST before any byte), hang (accept and
never answer), drip (one byte per interval=), truncated (Content-Length larger than sent),
notjson, wrongshape, huge (size=, chunked=1), redirect (to=, code=), flaky (n= failures with
status=/mode=reset, then success, per key=), sleep (s=), sse (kind=generic|openai, fail=error|cut),
headers (a 200 whose output echoes every request header, as careless servers do; enc=json,
url, b64 or b64url echoes the values in that encoding), limited
(answers 429 while more than max= requests are in flight, else sleeps s= and answers 200;
``peak`` records the most requests seen in flight at once), flap (per key=, odd requests hang
and even ones are reset), sse-endless (an event stream that never ends, one event every
interval=), loop (a redirect back to itself, forever).
"""

from __future__ import annotations

import base64
import json
import socket
import struct
import threading
import time
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

HANG_MAX_S = 30.0  # a hanging handler gives up at the latest when the server stops


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # a large backlog: benchmarks open many connections at once
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: FaultServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # resets and broken pipes are the point of this server


class FaultServer:
    """Start with ``with FaultServer() as srv`` (or start()/stop())."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.hits: Counter[str] = Counter()
        self.last_headers: dict[str, str] = {}
        self.last_body: Any = None
        self.peers: set[int] = set()  # client ports seen: tells how many connections were used
        self.in_flight = 0  # requests inside the `limited` behaviour right now
        self.peak = 0
        self._lock = threading.Lock()
        self._server = _Server(self)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, path: str = "/ok") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def count(self, behaviour: str, key: str = "") -> int:
        with self._lock:
            return self.hits[f"{behaviour}:{key}"]

    def _hit(self, behaviour: str, key: str) -> int:
        with self._lock:
            self.hits[f"{behaviour}:{key}"] += 1
            return self.hits[f"{behaviour}:{key}"]


def closed_port() -> int:
    """A loopback port with nothing listening (connections are refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # header and body are separate writes; no 40 ms ACK waits
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    # -- plumbing -------------------------------------------------------------------------

    def _dispatch(self) -> None:
        owner = self.server.owner
        parts = urlsplit(self.path)
        self.q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            self.body: Any = json.loads(raw) if raw else None
        except ValueError:
            self.body = raw.decode("utf-8", "replace")
        behaviour = self.headers.get("X-Fault") or parts.path.strip("/").split("/")[0] or "ok"
        with owner._lock:
            owner.last_headers = dict(self.headers.items())
            owner.last_body = self.body
            owner.peers.add(self.client_address[1])
        self.n = owner._hit(behaviour, self.q.get("key", ""))
        handler = getattr(self, "_" + behaviour.replace("-", "_"), None)
        if handler is None:
            self._json(404, {"error": f"no behaviour {behaviour!r}"})
            return
        try:
            handler()
        except OSError:
            self.close_connection = True

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json", headers)

    def _rst(self) -> None:
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _answer(self) -> dict[str, Any]:
        msg = self.body.get("message") if isinstance(self.body, dict) else None
        return {
            "output": f"echo: {msg}" if msg is not None else "ok",
            "request": self.body,
            "usage": {"input_tokens": 10, "output_tokens": 5},
            "model": "test-model",
            "attempt": self.n,
        }

    # -- behaviours -----------------------------------------------------------------------

    def _ok(self) -> None:
        self._json(200, self._answer())

    _echo = _ok

    def _regress(self) -> None:
        """Like echo, except for messages containing one of ``bad=`` (comma-separated)."""
        answer = self._answer()
        msg = self.body.get("message") if isinstance(self.body, dict) else None
        bad = [b for b in self.q.get("bad", "").split(",") if b]
        if isinstance(msg, str) and any(b in msg for b in bad):
            if "code" in self.q:  # an error status instead of a refusal
                self._json(int(self.q["code"]), {"error": "regressed"})
                return
            answer["output"] = "Sorry, I cannot help with that."
        self._json(200, answer)

    def _status(self) -> None:
        code = int(self.q.get("code", "500"))
        # the request headers are echoed, as careless servers do, to prove they get masked
        echoed = {"authorization": self.headers.get("Authorization"), **self.headers}
        self._json(code, {"error": f"status {code}", "headers": echoed})

    def _ratelimit(self) -> None:
        headers = {}
        if "after" in self.q:
            headers["Retry-After"] = self.q["after"]
        elif "date" in self.q:
            headers["Retry-After"] = formatdate(time.time() + float(self.q["date"]), usegmt=True)
        self._json(429, {"error": "slow down"}, headers)

    def _reset(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.write(b'{"output": "par')
        self._rst()

    def _reset_early(self) -> None:
        self._rst()

    def _hang(self) -> None:
        self.server.owner.stopping.wait(HANG_MAX_S)
        self.close_connection = True

    def _headers(self) -> None:
        enc = _ENCODINGS[self.q.get("enc", "raw")]
        echoed = "; ".join(f"{k}: {enc(v)}" for k, v in self.headers.items())
        self._json(200, {**self._answer(), "output": f"you sent {echoed}"})

    def _limited(self) -> None:
        owner = self.server.owner
        with owner._lock:
            owner.in_flight += 1
            owner.peak = max(owner.peak, owner.in_flight)
            over = owner.in_flight > int(self.q.get("max", "2"))
        try:
            if over:
                self._json(429, {"error": "too many requests in flight"})
                return
            time.sleep(float(self.q.get("s", "0.05")))
            self._ok()
        finally:
            with owner._lock:
                owner.in_flight -= 1

    def _sleep(self) -> None:
        time.sleep(float(self.q.get("s", "0.2")))
        self._ok()

    def _drip(self) -> None:
        body = json.dumps(self._answer()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        interval = float(self.q.get("interval", "0.05"))
        for i in range(len(body)):
            if self.server.owner.stopping.is_set():
                break
            self.wfile.write(body[i : i + 1])
            self.wfile.flush()
            time.sleep(interval)

    def _truncated(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b'{"output": "cut')
        self.close_connection = True

    def _notjson(self) -> None:
        self._send(200, b"<html><body>Gateway says hello</body></html>", "text/html")

    def _wrongshape(self) -> None:
        self._json(200, {"error": "unexpected", "detail": "nothing here"})

    def _huge(self) -> None:
        size = int(self.q.get("size", str(5 * 1024 * 1024)))
        chunk = b"x" * 65536
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if self.q.get("chunked") == "1":
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size + 13))
        self.end_headers()
        chunked = self.q.get("chunked") == "1"
        sent = 0
        self._write(b'{"output": "', chunked)
        while sent < size:
            piece = chunk[: min(len(chunk), size - sent)]
            self._write(piece, chunked)
            sent += len(piece)
        self._write(b'"}', chunked)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _write(self, data: bytes, chunked: bool) -> None:
        if chunked:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        else:
            self.wfile.write(data)

    def _redirect(self) -> None:
        code = int(self.q.get("code", "302"))
        self._send(code, b"", "text/plain", {"Location": self.q.get("to", "/ok")})

    def _flaky(self) -> None:
        if self.n <= int(self.q.get("n", "2")):
            if self.q.get("mode") == "reset":
                self._rst()
            else:
                self._json(int(self.q.get("status", "503")), {"error": "try again"})
            return
        self._ok()

    def _flap(self) -> None:
        if self.n % 2:
            self._hang()
        else:
            self._rst()

    def _sse_endless(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.close_connection = True
        interval = float(self.q.get("interval", "0.01"))
        while not self.server.owner.stopping.is_set():
            self.wfile.write(b'data: {"delta": "x"}\n\n')
            self.wfile.flush()
            time.sleep(interval)

    def _loop(self) -> None:
        self._send(302, b"", "text/plain", {"Location": self.path})

    def _sse(self) -> None:
        if self.q.get("kind") == "openai":
            events = _openai_events()
        else:
            events = [{"delta": "Hel"}, {"delta": "lo"}, {"citations": ["kb-1"], "model": "m"}]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.close_connection = True
        delay = float(self.q.get("delay", "0"))
        fail = self.q.get("fail")  # error: an error event after two events; cut: no ending
        if fail:
            events = [
                {k: v for k, v in e.items() if k != "choices"} | _no_finish(e) for e in events
            ]
            events = events[:2]
        for e in events:
            self.wfile.write(b"data: " + json.dumps(e).encode() + b"\n\n")
            self.wfile.flush()
            time.sleep(delay)
        if fail == "error":
            err = {"error": {"message": "upstream model failed", "code": "500"}}
            self.wfile.write(b"data: " + json.dumps(err).encode() + b"\n\n")
        elif not fail:
            self.wfile.write(b"data: [DONE]\n\n")


def _no_finish(event: dict[str, Any]) -> dict[str, Any]:
    """The event with its finish reasons taken out (a stream cut before the model finished)."""
    if "choices" not in event:
        return {}
    return {"choices": [{**c, "finish_reason": None} for c in event["choices"]]}


_ENCODINGS: dict[str, Any] = {
    "raw": lambda v: v,
    "json": lambda v: json.dumps({"value": v}),  # JSON-escaped inside the answer text
    "url": lambda v: quote(v, safe=""),
    "b64": lambda v: base64.b64encode(f"user:{v}".encode()).decode(),  # as in basic auth
    "b64url": lambda v: base64.urlsafe_b64encode(v.encode()).decode().rstrip("="),
}


def _openai_events() -> list[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-1",
            "model": "gpt-test",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    call = {"index": 0, "id": "call_1", "function": {"name": "search_kb", "arguments": ""}}
    return [
        chunk({"role": "assistant", "content": "Refunds "}),
        chunk({"content": "take 30 days."}),
        chunk({"tool_calls": [call]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"q": "ref'}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'unds"}'}}]}, "tool_calls"),
        {"id": "chatcmpl-1", "choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 4}},
    ]
