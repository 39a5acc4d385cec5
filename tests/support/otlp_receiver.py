"""A real OTLP/HTTP metrics receiver on 127.0.0.1 for tests.

It accepts ``POST /v1/metrics`` with ``application/x-protobuf`` bodies (gzip or deflate
encoded or not), decodes them with the OTLP protobuf definitions, and keeps every request.
``points()`` flattens what arrived into plain records that tests can assert on.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue


def _value(v: AnyValue) -> Any:
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind else None


def _attrs(kvs: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in kvs if isinstance(kv, KeyValue)}


@dataclass(frozen=True)
class Point:
    """One data point as received: ``value`` for sums, ``count``/``sum``/buckets for histograms."""

    name: str
    kind: str  # "sum" | "histogram" | "gauge"
    unit: str
    attributes: dict[str, Any]
    resource: dict[str, Any]
    value: float | None = None
    count: int | None = None
    sum: float | None = None
    bucket_counts: tuple[int, ...] = ()
    bounds: tuple[float, ...] = ()
    monotonic: bool | None = None


@dataclass
class OtlpReceiver:
    """Start with ``with OtlpReceiver() as rx:``; ``rx.endpoint`` is the base URL."""

    status: int = 200  # answer with this status (tests of failing collectors)
    requests: list[ExportMetricsServiceRequest] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/v1/metrics":
                    receiver.rejected.append(f"path {self.path}")
                    self._answer(404, b"")
                    return
                ctype = self.headers.get("Content-Type", "")
                if ctype != "application/x-protobuf":
                    receiver.rejected.append(f"content-type {ctype}")
                    self._answer(415, b"")
                    return
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                req = ExportMetricsServiceRequest()
                req.ParseFromString(body)
                with receiver._lock:
                    receiver.requests.append(req)
                    receiver.headers.append({k.lower(): v for k, v in self.headers.items()})
                reply = ExportMetricsServiceResponse().SerializeToString()
                self._answer(receiver.status, reply)

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> OtlpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def points(self, last_only: bool = True) -> list[Point]:
        """Data points received (from the last request only, by default: values are cumulative)."""
        with self._lock:
            reqs = self.requests[-1:] if last_only else list(self.requests)
        return list(_flatten(reqs))

    def resource(self) -> dict[str, Any]:
        """The resource attributes of the last request."""
        with self._lock:
            req = self.requests[-1]
        return _attrs(req.resource_metrics[0].resource.attributes)


def _flatten(reqs: list[ExportMetricsServiceRequest]) -> Iterator[Point]:
    for req in reqs:
        for rm in req.resource_metrics:
            res = _attrs(rm.resource.attributes)
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    kind = m.WhichOneof("data")
                    if kind == "sum":
                        for p in m.sum.data_points:
                            v = p.as_double if p.HasField("as_double") else p.as_int
                            yield Point(
                                m.name,
                                "sum",
                                m.unit,
                                _attrs(p.attributes),
                                res,
                                value=float(v),
                                monotonic=m.sum.is_monotonic,
                            )
                    elif kind == "gauge":
                        for p in m.gauge.data_points:
                            v = p.as_double if p.HasField("as_double") else p.as_int
                            yield Point(
                                m.name, "gauge", m.unit, _attrs(p.attributes), res, value=float(v)
                            )
                    elif kind == "histogram":
                        for h in m.histogram.data_points:
                            yield Point(
                                m.name,
                                "histogram",
                                m.unit,
                                _attrs(h.attributes),
                                res,
                                count=int(h.count),
                                sum=float(h.sum),
                                bucket_counts=tuple(h.bucket_counts),
                                bounds=tuple(h.explicit_bounds),
                            )
