"""A real HTTP server on 127.0.0.1 that speaks the parts of the Langfuse public API evalgate uses.

Every JSON answer is checked against the spec's schemas (see schemas.py); a mismatch is
answered with 500 and recorded in ``schema_errors`` so that tests fail on drift. Fault modes:
``fail_status`` (e.g. 401, 503) for paths matching a prefix, ``delay_s`` (slow answers),
``old_server`` (404 on the v4-only read endpoints), ``reject_scores`` (207 for those names).
"""

from __future__ import annotations

import base64
import gzip
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.langfuse_server import query, schemas
from tests.langfuse_server.store import PROJECT_ID, Store, iso

PUBLIC_KEY = "pk-lf-test-1234"
SECRET_KEY = "sk-lf-test-secret-5678"
V4_ONLY = ("/api/public/v2/observations", "/api/public/v3/scores")


class LangfuseServer:
    """Start with ``with LangfuseServer() as srv:``; ``srv.url`` is the base URL."""

    def __init__(self, public_key: str = PUBLIC_KEY, secret_key: str = SECRET_KEY) -> None:
        self.store = Store()
        self.auth = "Basic " + base64.b64encode(f"{public_key}:{secret_key}".encode()).decode()
        self.fail_status: dict[str, int] = {}  # path prefix -> status
        self.delay_s = 0.0
        self.old_server = False
        self.reject_scores: set[str] = set()
        self.schema_errors: list[str] = []
        self.requests: list[tuple[str, str]] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> LangfuseServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p == path)

    # -- routing ---------------------------------------------------------------------------
    def handle(
        self, method: str, path: str, params: dict[str, str], body: Any
    ) -> tuple[int, Any, str | None]:
        """Returns (status, JSON body, schema name to validate it with)."""
        s = self.store
        if method == "GET" and path == "/api/public/projects":
            org = {"id": "org-1", "name": "Test org"}
            return (
                200,
                {"data": [{"id": PROJECT_ID, "name": "test", "organization": org, "metadata": {}}]},
                "Projects",
            )
        if method == "GET" and path == "/api/public/v2/observations":
            return query.observations(s, params)
        if method == "GET" and path == "/api/public/v3/scores":
            return query.scores(s, params)
        if method == "POST" and path == "/api/public/v2/datasets":
            return 200, query.upsert_dataset(s, body, self._check), "Dataset"
        if method == "GET" and path.startswith("/api/public/v2/datasets/"):
            ds = s.datasets.get(unquote(path.rsplit("/", 1)[1]))
            return (200, ds, "Dataset") if ds else (404, {"message": "Dataset not found"}, None)
        if method == "POST" and path == "/api/public/dataset-items":
            return query.upsert_item(s, body, self._check)
        if method == "POST" and path == "/api/public/dataset-run-items":
            return query.create_run_item(s, body, self._check)
        if method == "POST" and path == "/api/public/scores":
            return self._scores(body)
        return 404, {"message": f"no route {method} {path}"}, None

    def _check(self, schema: str, body: Any) -> None:
        self.schema_errors.extend(f"request {e}" for e in schemas.errors(schema, body))

    def _scores(self, body: Any) -> tuple[int, Any, str]:
        batch = body if isinstance(body, list) else [body]
        rejected: list[str] = []
        with self.store.lock:
            for sc in batch:
                self._check("CreateScoreRequest", sc)
                if sc.get("name") in self.reject_scores:
                    rejected.append(f"score {sc.get('name')!r} rejected by test server")
                else:
                    self.store.posted_scores.append(sc)
        if rejected:
            res = {"accepted": len(batch) - len(rejected), "rejected": len(rejected),
                   "errors": [{"message": m} for m in rejected]}  # fmt: skip
            return 207, res, "ScoresBatchResults"
        return 202, {"message": "Accepted"}, "ScoresBatchAccepted"

    def otlp(self, raw: bytes, encoding: str | None) -> None:
        data = gzip.decompress(raw) if encoding == "gzip" else raw
        req = ExportTraceServiceRequest()
        req.ParseFromString(data)
        with self.store.lock:
            for rs in req.resource_spans:
                for ss in rs.scope_spans:
                    for sp in ss.spans:
                        attrs = {a.key: _any_value(a.value) for a in sp.attributes}
                        self.store.spans.append({
                            "traceId": sp.trace_id.hex(), "spanId": sp.span_id.hex(),
                            "parentSpanId": sp.parent_span_id.hex() or None,
                            "name": sp.name, "attributes": attrs,
                        })  # fmt: skip


def _any_value(v: Any) -> Any:
    kind = v.WhichOneof("value")
    if kind == "array_value":
        return [_any_value(x) for x in v.array_value.values]
    return getattr(v, kind) if kind else None


def _handler(server: LangfuseServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def _send(self, status: int, body: Any, schema: str | None) -> None:
            if schema is not None:
                errs = schemas.errors(schema, body)
                if errs:
                    server.schema_errors.extend(errs)
                    status, body = (
                        500,
                        {"message": "test server response broke the spec", "errors": errs},
                    )
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, method: str) -> None:
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            server.requests.append((method, url.path))
            if server.delay_s:
                time.sleep(server.delay_s)
            if self.headers.get("Authorization") != server.auth:
                return self._send(401, {"message": "Invalid credentials"}, None)
            for prefix, status in server.fail_status.items():
                if url.path.startswith(prefix):
                    return self._send(status, {"message": f"injected {status}"}, None)
            if server.old_server and url.path in V4_ONLY:
                return self._send(404, {"message": "Not Found"}, None)
            if method == "POST" and url.path == "/api/public/otel/v1/traces":
                server.otlp(raw, self.headers.get("Content-Encoding"))
                return self._send(200, {}, "OtelTraceResponse")
            params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            body = json.loads(raw) if raw else None
            status, payload, schema = server.handle(method, url.path, params, body)
            self._send(status, payload, schema)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    return Handler


__all__ = ["PUBLIC_KEY", "SECRET_KEY", "LangfuseServer", "iso", "uuid"]
