"""The demo copilot over real HTTP, on the standard library's threading server.

Routes: ``POST /v1/copilot``, ``GET /healthz``, ``GET``/``POST /admin/config``, and a
deterministic OpenAI-compatible judge: ``POST /v1/chat/completions``, ``/v1/embeddings``.
Built to be driven hard by benchmarks: a large listen backlog, HTTP/1.1 keep-alive with
Content-Length, one ``sendall`` per response, no per-request logging.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from evalgate.demo import judge
from evalgate.demo.copilot import BadRequest, answer, parse_history
from evalgate.demo.state import Sessions, Settings

_MAX_BODY = 1024 * 1024
_POLL_S = 0.05  # how quickly stop() is noticed; the idle cost is negligible


class _HTTPServer(ThreadingHTTPServer):
    request_queue_size = 2048
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api_key: str | None, seed: int) -> None:
        self.settings = Settings()
        self.settings_lock = threading.Lock()
        self.api_key = api_key
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        self.sessions = Sessions()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    # Track open connections so that stop() also ends idle keep-alive connections.
    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):  # already closed by the peer
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "evalgate-demo"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 120  # idle keep-alive connections are dropped after this many seconds
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # per-request logging would dominate the cost of a zero-latency request

    def _send(self, status: int, payload: object, headers: tuple[str, ...] = ()) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        head = [
            f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            *headers,
        ]
        if self.close_connection:
            head.append("Connection: close")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    def _read(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= _MAX_BODY:
            self.close_connection = True  # the rest of the stream cannot be trusted
            raise BadRequest(f"Content-Length must be between 0 and {_MAX_BODY}")
        return self.rfile.read(length) if length else b""

    @staticmethod
    def _json(raw: bytes) -> object:
        try:
            return json.loads(raw or b"null")
        except ValueError as exc:
            raise BadRequest(f"request body is not valid JSON: {exc}") from None

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._send(200, {"status": "ok", "promptVersion": self._settings().prompt_version})
        elif path == "/admin/config":
            self._send(200, asdict(self._settings()))
        else:
            self._not_found(path)

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        try:
            if path == "/v1/copilot":
                self._copilot()
            elif path in ("/v1/chat/completions", "/v1/embeddings"):  # the demo LLM judge
                body = self._json(self._read())
                if not isinstance(body, dict):
                    raise BadRequest("the request body must be a JSON object")
                self._send(200, judge.chat(body) if "chat" in path else judge.embeddings(body))
            elif path == "/admin/config":
                body = self._json(self._read())
                with self.server.settings_lock:
                    self.server.settings.update(body)
                self._send(200, asdict(self._settings()))
            else:
                self._read()  # drain it so the connection can be reused
                self._not_found(path)
        except BadRequest as exc:
            self._send(400, {"error": str(exc)})

    def _not_found(self, path: str) -> None:
        self._send(404, {"error": f"no route for {self.command} {path}"})

    def _settings(self) -> Settings:
        with self.server.settings_lock:
            return Settings(**asdict(self.server.settings))

    def _copilot(self) -> None:
        raw = self._read()
        key = self.server.api_key
        given = self.headers.get("Authorization") or ""
        if key is not None and not hmac.compare_digest(given.encode(), f"Bearer {key}".encode()):
            self._send(401, {"error": "missing or wrong API key"}, ("WWW-Authenticate: Bearer",))
            return
        body = self._json(raw)
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object")
        settings = self._settings()
        if settings.latency_ms > 0:
            time.sleep(settings.latency_ms / 1000.0)
        with self.server.rng_lock:
            failed = settings.error_rate > 0 and self.server.rng.random() < settings.error_rate
        if failed:
            self._send(503, {"error": "service unavailable (simulated)"}, ("Retry-After: 0",))
            return
        session = body.get("sessionId")
        remembered = session if isinstance(session, str) and session else None
        if remembered is not None and not parse_history(body.get("history")):
            body = {**body, "history": self.server.sessions.get(remembered)}
        with self.server.rng_lock:
            reply = answer(body, settings.prompt_version, self.server.rng, noise=settings.noise)
        if remembered is not None:
            self.server.sessions.add(
                remembered,
                {"role": "user", "content": str(body["message"])},
                {"role": "assistant", "content": reply["answer"]},
            )
        self._send(200, reply)


class DemoServer:
    """A running (or ready to run) demo copilot bound to ``host:port``.

    Use :func:`start_server` to get one serving in a background thread, or :func:`serve` to
    block in the foreground. ``stop()`` ends the server and its open connections.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str | None = None,
        seed: int = 0,
        **settings: Any,
    ) -> None:
        self._httpd = _HTTPServer((host, port), api_key, seed)
        self._httpd.settings.update(settings)
        self._thread: threading.Thread | None = None
        self.host = host
        self.port: int = self._httpd.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def settings(self) -> Settings:
        """A snapshot of the current settings."""
        with self._httpd.settings_lock:
            return Settings(**asdict(self._httpd.settings))

    def configure(self, **changes: Any) -> Settings:
        """Change settings in place, like ``POST /admin/config``."""
        with self._httpd.settings_lock:
            self._httpd.settings.update(changes)
        return self.settings

    def start(self) -> DemoServer:
        """Serve in a daemon thread and return at once."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": _POLL_S},
                name="evalgate-demo",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve(self) -> None:
        """Serve in this thread until interrupted; always closes the socket."""
        try:
            self._httpd.serve_forever(poll_interval=_POLL_S)
        finally:
            self._httpd.close_connections()
            self._httpd.server_close()

    def stop(self) -> None:
        """Stop serving and close the listening socket and every open connection."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    prompt_version: str = "v1",
    latency_ms: float = 0,
    error_rate: float = 0.0,
    noise: float = 0.0,
    api_key: str | None = None,
    seed: int = 0,
) -> DemoServer:
    """Start the demo copilot in a background thread (``port=0`` picks a free port)."""
    return DemoServer(
        host,
        port,
        api_key=api_key,
        seed=seed,
        prompt_version=prompt_version,
        latency_ms=latency_ms,
        error_rate=error_rate,
        noise=noise,
    ).start()


def serve(
    host: str = "127.0.0.1",
    port: int = 8787,
    *,
    on_ready: Callable[[DemoServer], None] | None = None,
    **options: Any,
) -> None:
    """Run the demo copilot in the foreground until Ctrl-C (which propagates)."""
    server = DemoServer(host, port, **options)
    if on_ready is not None:
        on_ready(server)
    server.serve()
