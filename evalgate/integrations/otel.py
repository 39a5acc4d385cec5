"""OpenTelemetry metrics for the eval's own calls (the optional ``otel`` extra).

Enabled by ``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`` or
``telemetry.otlp_endpoint``. The SDK is imported only then, so the CLI starts fast without it.
evalgate builds its own ``MeterProvider`` (the process-global one is left alone, so an
application embedding evalgate keeps its own setup) and exports over OTLP/HTTP protobuf.

An export failure never stops a run: it is reported once on stderr.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from evalgate import __version__, masking
from evalgate.config.model import TelemetryConfig
from evalgate.errors import ConfigError
from evalgate.events import CallEvent, CaseEvent
from evalgate.install import install_line
from evalgate.telemetry.fields import CallLabels, labels_of

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import MetricExporter

METRICS_PATH = "/v1/metrics"
LATENCY_BUCKETS_MS = (50, 100, 250, 500, 1000, 2000, 4000, 8000, 15000, 30000, 60000, 120000)
SCORE_BUCKETS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
_QUIET_LOGGERS = ("opentelemetry.exporter.otlp", "opentelemetry.sdk.metrics")


@dataclass(frozen=True)
class OtelSettings:
    """Where and how to export, resolved from the environment and the config (no SDK needed)."""

    endpoint: str
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 5.0
    export_interval_ms: int = 60_000
    resource: Mapping[str, str] = field(default_factory=dict)


def _pairs(text: str) -> dict[str, str]:
    """Parse the OTel ``k1=v1,k2=v2`` list format (values percent-decoded)."""
    out: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            out[unquote(key.strip())] = unquote(value.strip())
    return out


def _seconds(raw: str | None, default: float) -> float:
    # The OTel spec says milliseconds, the Python SDK reads seconds; values above 100 can only
    # sensibly be milliseconds, so both readings work.
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value / 1000.0 if value > 100 else value


def resolve_settings(environ: Mapping[str, str], config: TelemetryConfig) -> OtelSettings | None:
    """The export settings, or ``None`` when no OTLP endpoint is configured (or the SDK is off)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    if environ.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"):
        endpoint = environ["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]  # a full URL, used as is
    else:
        base = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or config.otlp_endpoint
        if not base:
            return None
        base = base.rstrip("/")
        endpoint = base if base.endswith(METRICS_PATH) else base + METRICS_PATH
    headers = _pairs(
        environ.get("OTEL_EXPORTER_OTLP_METRICS_HEADERS")
        or environ.get("OTEL_EXPORTER_OTLP_HEADERS", "")
    )
    masking.register(headers.values())  # collector API keys must never be printed
    resource = {"service.version": __version__}
    resource.update(_pairs(environ.get("OTEL_RESOURCE_ATTRIBUTES", "")))
    resource["service.name"] = (
        environ.get("OTEL_SERVICE_NAME") or resource.get("service.name") or config.service_name
    )
    resource["evalgate.version"] = __version__
    timeout = environ.get("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT") or environ.get(
        "OTEL_EXPORTER_OTLP_TIMEOUT"
    )
    try:
        interval = int(environ.get("OTEL_METRIC_EXPORT_INTERVAL") or 60_000)
    except ValueError:
        interval = 60_000
    return OtelSettings(
        endpoint=endpoint,
        headers=headers,
        timeout_s=_seconds(timeout, 5.0),
        export_interval_ms=max(interval, 100),
        resource=resource,
    )


def _where(url: str) -> str:
    """scheme://host[:port] only: paths and query strings may carry tokens."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


class _WarnOnce:
    def __init__(self, stream: IO[str] | None) -> None:
        self._stream = stream
        self._done = False
        self._lock = threading.Lock()

    def __call__(self, message: str) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        out = self._stream or sys.stderr
        out.write(masking.scrub(f"warning: {message}") + "\n")
        out.flush()


def _guarded_exporter(inner: MetricExporter, warn: _WarnOnce, where: str) -> MetricExporter:
    """Wrap ``inner`` so that failures become one warning instead of log noise or a crash."""
    from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult

    message = (
        f"OpenTelemetry metrics export to {where} failed; metrics of this run may be"
        " incomplete (the run itself is not affected)"
    )

    class Guarded(MetricExporter):
        def __init__(self) -> None:
            super().__init__()
            # keep the temporality/aggregation the OTLP exporter chose (env preferences)
            self._preferred_temporality = inner._preferred_temporality
            self._preferred_aggregation = inner._preferred_aggregation

        def export(self, metrics_data: Any, timeout_millis: float = 10_000, **kw: Any) -> Any:
            try:
                result = inner.export(metrics_data, timeout_millis=timeout_millis, **kw)
            except Exception:
                result = MetricExportResult.FAILURE
            if result != MetricExportResult.SUCCESS:
                warn(message)
            return result

        def force_flush(self, timeout_millis: float = 10_000) -> bool:
            return inner.force_flush(timeout_millis)

        def shutdown(self, timeout_millis: float = 30_000, **kw: Any) -> None:
            try:
                inner.shutdown(timeout_millis=timeout_millis, **kw)
            except Exception:
                warn(message)

    return Guarded()


class OtelMetrics:
    """Records ``llm.*`` and ``eval.*`` metrics from runner events (see docs/telemetry.md).

    Use it as a call listener (``on_call`` or calling the object) and a case listener
    (``on_case``); call :meth:`shutdown` once at the end: it exports what is left.
    """

    def __init__(
        self,
        provider: MeterProvider,
        *,
        default_feature: str | None = None,
        warn: _WarnOnce | None = None,
    ) -> None:
        self._provider = provider
        self._default_feature = default_feature
        self._warn = warn or _WarnOnce(None)
        self._labels: dict[tuple[str, str, int], CallLabels] = {}
        self._closed = False
        meter = provider.get_meter("evalgate", __version__)
        self.requests = meter.create_counter("llm.requests", "{request}", "Model calls made")
        self.tokens = meter.create_counter("llm.tokens", "{token}", "Tokens by token_type")
        self.cost = meter.create_counter(
            "llm.cost_usd", "{USD}", "Cost of model calls in US dollars"
        )
        self.latency = meter.create_histogram(
            "llm.latency_ms",
            "ms",
            "Latency of model calls, retries included",
            explicit_bucket_boundaries_advisory=LATENCY_BUCKETS_MS,
        )
        self.errors = meter.create_counter("llm.errors", "{request}", "Calls that failed")
        self.score = meter.create_histogram(
            "eval.score",
            "1",
            "Score of each scored case repeat, 0..1",
            explicit_bucket_boundaries_advisory=SCORE_BUCKETS,
        )
        self.cases_failed = meter.create_counter(
            "eval.cases_failed", "{case}", "Case repeats that failed their expectations"
        )

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str],
        config: TelemetryConfig,
        *,
        stderr: IO[str] | None = None,
    ) -> OtelMetrics | None:
        """Metrics exporting over OTLP/HTTP, or ``None`` when no endpoint is configured.

        Raises ``ConfigError`` when an endpoint is set but the ``otel`` extra is missing.
        """
        settings = resolve_settings(environ, config)
        if settings is None:
            return None
        try:
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
                OTLPMetricExporter,
            )
            from opentelemetry.sdk.metrics import MeterProvider
            from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.version import __version__ as sdk_version
        except ImportError as exc:
            raise ConfigError(
                f"an OTLP endpoint is set ({_where(settings.endpoint)}) but OpenTelemetry is not"
                f" installed: {install_line('otel')}, or unset OTEL_EXPORTER_OTLP_ENDPOINT"
            ) from exc
        for name in _QUIET_LOGGERS:
            logger = logging.getLogger(name)
            if logger.level == logging.NOTSET:  # a user who configured it keeps their choice
                logger.setLevel(logging.CRITICAL)
        warn = _WarnOnce(stderr)
        exporter = OTLPMetricExporter(
            endpoint=settings.endpoint, headers=dict(settings.headers), timeout=settings.timeout_s
        )
        reader = PeriodicExportingMetricReader(
            _guarded_exporter(exporter, warn, _where(settings.endpoint)),
            export_interval_millis=settings.export_interval_ms,
            export_timeout_millis=settings.timeout_s * 1000 * 2,
        )
        sdk = {
            "telemetry.sdk.language": "python",
            "telemetry.sdk.name": "opentelemetry",
            "telemetry.sdk.version": sdk_version,
        }
        provider = MeterProvider(
            metric_readers=[reader],
            resource=Resource({**sdk, **settings.resource}),
            shutdown_on_exit=False,  # shutdown() is called by the CLI in a finally
        )
        return cls(provider, default_feature=config.feature, warn=warn)

    # -- listeners -----------------------------------------------------------------------
    def __call__(self, event: CallEvent) -> None:
        self.on_call(event)

    def on_call(self, event: CallEvent) -> None:
        """Count the call, its tokens, cost and latency; count an error if it failed."""
        labels = labels_of(event, self._default_feature)
        attrs = labels.attributes()
        self.requests.add(1, attrs)
        self.latency.record(max(float(event.latency_ms), 0.0), attrs)
        resp = event.response
        if resp is not None:
            for kind, n in (("input", resp.input_tokens), ("output", resp.output_tokens)):
                if n:
                    self.tokens.add(n, {**attrs, "token_type": kind})
            if resp.cost_usd:
                self.cost.add(resp.cost_usd, attrs)
        if event.outcome != "success":
            self.errors.add(1, attrs)
        # the case event carries no labels: remember the call's until the case finishes
        self._labels[(event.run_id, event.case_id, event.repeat)] = labels

    def on_case(self, event: CaseEvent) -> None:
        """Record the score of a finished case repeat (labelled like its last call)."""
        labels = self._labels.pop((event.run_id, event.case_id, event.repeat), None)
        attrs = labels.attributes(with_outcome=False) if labels else {}
        self.record_case_score(event.score, status=event.status, attributes=attrs)

    def record_case_score(
        self, score: float | None, *, status: str, attributes: Mapping[str, str] | None = None
    ) -> None:
        """Record one case repeat: ``eval.score`` when scored, ``eval.cases_failed`` on failure.

        ``attributes`` should be low-cardinality (dataset, feature, tenant_id, model,
        prompt_version); errored and skipped repeats record nothing here.
        """
        attrs = dict(attributes or {})
        if status in ("passed", "failed") and score is not None:
            self.score.record(min(max(float(score), 0.0), 1.0), attrs)
        if status == "failed":
            self.cases_failed.add(1, attrs)

    def flush(self, timeout_s: float = 10.0) -> None:
        """Export now (metrics are otherwise exported every ``OTEL_METRIC_EXPORT_INTERVAL``)."""
        try:
            self._provider.force_flush(timeout_millis=timeout_s * 1000)
        except Exception:
            self._warn("OpenTelemetry metrics could not be flushed")

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Export what is left (a final flush) and stop; safe to call twice, never raises."""
        if self._closed:
            return
        self._closed = True
        try:
            # shutting the provider down collects and exports one last time (a flush first
            # would only send the same cumulative values twice)
            self._provider.shutdown(timeout_millis=timeout_s * 1000)
        except Exception:
            self._warn("OpenTelemetry metrics could not be shut down cleanly")
