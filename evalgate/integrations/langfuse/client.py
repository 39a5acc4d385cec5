"""Langfuse SDK setup, delivery accounting, and translation of SDK errors.

This is the only module that talks to ``langfuse`` error types and ``httpx`` errors raised by
the SDK. It also counts what the server really accepted, because the SDK drops failed score
batches and span exports with only a log line.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pydantic
from langfuse import Langfuse
from langfuse._client.resource_manager import LangfuseResourceManager
from langfuse.api.core.api_error import ApiError
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from evalgate import masking
from evalgate.config.model import LangfuseConfig
from evalgate.errors import ConfigError, EvalgateError, InconclusiveError, UsageError

DEFAULT_BASE_URL = "https://cloud.langfuse.com"
# Endpoints that exist only on servers with the v4 data model (and Langfuse Cloud).
V4_ONLY = ("/api/public/v2/observations", "/api/public/v3/scores")
_QUIET_LOGGERS = ("langfuse", "opentelemetry.exporter.otlp.proto.http.trace_exporter")


@dataclass(frozen=True)
class Credentials:
    """Where Langfuse is and how to authenticate; the keys never reach any output."""

    base_url: str
    public_key: str
    secret_key: str
    timeout_s: float = 20.0

    @property
    def basic_auth(self) -> str:
        token = base64.b64encode(f"{self.public_key}:{self.secret_key}".encode()).decode()
        return f"Basic {token}"


def resolve_credentials(cfg: LangfuseConfig, environ: Mapping[str, str]) -> Credentials:
    """Merge the ``langfuse:`` config section with the SDK's own environment variables.

    Values set in the config win; otherwise ``LANGFUSE_PUBLIC_KEY``, ``LANGFUSE_SECRET_KEY``
    and ``LANGFUSE_BASE_URL`` (or the older ``LANGFUSE_HOST``) are used.
    """
    public = cfg.public_key or environ.get("LANGFUSE_PUBLIC_KEY") or ""
    secret = cfg.secret_key or environ.get("LANGFUSE_SECRET_KEY") or ""
    base = (
        cfg.base_url
        or environ.get("LANGFUSE_BASE_URL")
        or environ.get("LANGFUSE_HOST")
        or DEFAULT_BASE_URL
    )
    missing = [
        n for n, v in (("LANGFUSE_PUBLIC_KEY", public), ("LANGFUSE_SECRET_KEY", secret)) if not v
    ]
    if missing:
        raise ConfigError(
            f"no Langfuse API key: set {' and '.join(missing)} in the environment"
            " (or langfuse.public_key / langfuse.secret_key in evalgate.yaml)"
        )
    if not base.startswith(("http://", "https://")):
        raise ConfigError(
            f"langfuse base URL {base!r} must start with http:// or https://;"
            " fix langfuse.base_url or LANGFUSE_BASE_URL"
        )
    masking.register([public, secret])
    return Credentials(base.rstrip("/"), public, secret, cfg.timeout_s)


# -- translation -----------------------------------------------------------------------------
def translate(exc: BaseException, creds: Credentials, what: str) -> EvalgateError | None:
    """Map an SDK or transport error to an :class:`EvalgateError` (None: not ours)."""
    url = creds.base_url
    if isinstance(exc, ApiError):
        status = exc.status_code
        if status in (401, 403):
            return ConfigError(
                f"Langfuse at {url} rejected the API keys ({status} on {what}); check"
                " LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY (or langfuse.public_key /"
                " secret_key) and that the keys belong to the project you mean"
            )
        if status == 404 and any(p in what for p in V4_ONLY):
            return InconclusiveError(
                f"Langfuse at {url} does not offer {what} (404): this server is too old."
                " evalgate reads traces through the v2 observations and v3 scores API of"
                " Langfuse v4 (and Langfuse Cloud); upgrade the server, see docs/langfuse.md"
            )
        if status is not None and status >= 500:
            return InconclusiveError(
                f"Langfuse at {url} failed on {what} ({status}) after retries; try again later"
            )
        return UsageError(f"Langfuse at {url} refused {what} ({status}): {_body(exc.body)}")
    if isinstance(exc, httpx.TimeoutException):
        return InconclusiveError(
            f"Langfuse at {url} did not answer {what} within {creds.timeout_s:g} s;"
            " raise langfuse.timeout_s or try again later"
        )
    if isinstance(exc, httpx.TransportError):
        return InconclusiveError(
            f"cannot reach Langfuse at {url} ({type(exc).__name__}); check langfuse.base_url"
            " / LANGFUSE_BASE_URL and the network"
        )
    if isinstance(exc, pydantic.ValidationError):
        return InconclusiveError(
            f"Langfuse at {url} answered {what} in a shape this SDK does not understand;"
            " check that the server and the langfuse package versions match (docs/langfuse.md)"
        )
    return None


def _body(body: Any) -> str:
    text = body if isinstance(body, str) else json.dumps(body, default=str)
    return text[:300]


@contextlib.contextmanager
def api_call(creds: Credentials, what: str) -> Iterator[None]:
    """Run SDK calls, turning their failures into evalgate errors that say what to do."""
    try:
        yield
    except (ApiError, httpx.HTTPError, pydantic.ValidationError) as exc:
        err = translate(exc, creds, what)
        if err is None:  # pragma: no cover - translate covers every caught type
            raise
        raise err from exc


# -- delivery accounting ---------------------------------------------------------------------
@dataclass
class Tally:
    """Counts of what the server answered; shared by the SDK's background threads."""

    scores_sent: int = 0
    scores_accepted: int = 0
    score_errors: list[str] = field(default_factory=list)
    spans_ok: set[str] = field(default_factory=set)  # trace ids
    spans_failed: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _CountingTransport(httpx.BaseTransport):
    """Reads the answers to ``POST /api/public/scores`` (202: all taken, 207: some)."""

    def __init__(self, inner: httpx.BaseTransport, tally: Tally) -> None:
        self._inner = inner
        self._tally = tally

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if request.method != "POST" or not request.url.path.endswith("/api/public/scores"):
            return response
        body = response.read()
        response.close()
        try:
            sent = json.loads(request.content or b"[]")
            n = len(sent) if isinstance(sent, list) else 1
            answer = json.loads(body or b"{}")
        except ValueError:
            n, answer = 0, {}
        with self._tally.lock:
            if response.status_code == 207 and isinstance(answer, dict):
                self._tally.scores_accepted += int(answer.get("accepted", 0))
                for e in answer.get("errors") or []:
                    self._tally.score_errors.append(str(e.get("message", e))[:200])
            elif 200 <= response.status_code < 300:
                self._tally.scores_accepted += n
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )

    def close(self) -> None:
        self._inner.close()


class _CountingSpanExporter(SpanExporter):
    """Records, per trace, whether its spans reached the server."""

    def __init__(self, inner: SpanExporter, tally: Tally) -> None:
        self._inner = inner
        self._tally = tally

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            result = self._inner.export(spans)
        except Exception:  # the exporter should not raise; count it as lost if it does
            result = SpanExportResult.FAILURE
        ids = {format(s.context.trace_id, "032x") for s in spans if s.context is not None}
        with self._tally.lock:
            (
                self._tally.spans_ok
                if result == SpanExportResult.SUCCESS
                else self._tally.spans_failed
            ).update(ids)
        return result

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return bool(self._inner.force_flush(timeout_millis))


# -- the session -----------------------------------------------------------------------------
@dataclass
class Session:
    """An SDK client plus what evalgate needs around it; close it to stop the SDK's threads."""

    lf: Langfuse
    creds: Credentials
    tally: Tally
    http: httpx.Client
    provider: TracerProvider | None


@contextlib.contextmanager
def open_session(creds: Credentials, *, write: bool, debug: bool = False) -> Iterator[Session]:
    """Start an SDK client for ``creds``; always flushed and shut down on exit.

    Reading uses a client with tracing disabled (it sends nothing). Writing gets its own
    tracer provider, so evalgate never installs a global OpenTelemetry provider in the process.
    """
    tally = Tally()
    http = httpx.Client(
        transport=_CountingTransport(httpx.HTTPTransport(), tally),
        timeout=httpx.Timeout(creds.timeout_s),
    )
    provider = TracerProvider() if write else None
    exporter = None
    if write:
        exporter = _CountingSpanExporter(
            OTLPSpanExporter(
                endpoint=f"{creds.base_url}/api/public/otel/v1/traces",
                headers={"Authorization": creds.basic_auth, "x-langfuse-ingestion-version": "4"},
                timeout=max(1, round(creds.timeout_s)),
                compression=Compression.Gzip,
            ),
            tally,
        )
    quiet = _quiet_loggers(not debug)
    lf = Langfuse(
        public_key=creds.public_key,
        secret_key=creds.secret_key,
        base_url=creds.base_url,
        timeout=max(1, round(creds.timeout_s)),
        httpx_client=http,
        tracing_enabled=write,
        tracer_provider=provider,
        span_exporter=exporter,
        flush_interval=0.5,
    )
    try:
        yield Session(lf, creds, tally, http, provider)
    finally:
        try:
            lf.shutdown()
            if provider is not None:
                provider.shutdown()
        finally:
            _forget(creds.public_key)
            http.close()
            quiet.close()


def _forget(public_key: str) -> None:
    # The SDK keeps one resource manager per public key for the life of the process; a
    # shut-down one would silently drop everything a later client (e.g. another export in the
    # same process) sends, so remove it once it is closed.
    # Its prompt-cache thread is not stopped by shutdown() either; evalgate fetches no prompts.
    with LangfuseResourceManager._lock:
        manager = LangfuseResourceManager._instances.pop(public_key, None)
    cache = getattr(manager, "prompt_cache", None)
    tasks = getattr(cache, "_task_manager", None)
    if tasks is not None:
        tasks.shutdown()


def _quiet_loggers(enabled: bool) -> contextlib.ExitStack:
    """Silence the SDK's own failure logs: evalgate counts and reports losses itself."""
    stack = contextlib.ExitStack()
    if not enabled:
        return stack
    for name in _QUIET_LOGGERS:
        log = logging.getLogger(name)
        old = log.level
        log.setLevel(logging.CRITICAL + 1)
        stack.callback(log.setLevel, old)
    return stack
