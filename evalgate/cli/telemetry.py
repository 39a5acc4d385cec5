"""Listeners a run command attaches: progress on stderr, JSON call logs, OpenTelemetry metrics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalgate.config.model import Config
from evalgate.events import CallListener, CaseListener
from evalgate.run_summary import RunSummary


def endpoint_named(environ: Mapping[str, str], cfg: Config) -> bool:
    """Whether an OTLP endpoint is configured at all: without one there are no metrics
    (``resolve_settings`` finds none), and the OpenTelemetry integration is not imported."""
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or cfg.telemetry.otlp_endpoint
    )


class Telemetry:
    """Builds the listeners for a run and closes them (flushing metrics) however the run ends.

    Use it as a context manager around the run: on a normal return, an error or Ctrl-C the
    progress display is closed, the metrics left are exported and the log file is closed, each
    even when closing another one failed.
    """

    def __init__(self, cfg: Config, log_json: str | None, environ: Mapping[str, str]) -> None:
        self.cfg = cfg
        self.environ = environ
        self.log: Any = None
        self.metrics: Any = None
        self.progress: Any = None
        # metrics first: a missing extra stops the command before a log file is opened
        if endpoint_named(environ, cfg):
            from evalgate.integrations.otel import OtelMetrics, resolve_settings

            if resolve_settings(environ, cfg.telemetry) is not None:
                self.metrics = OtelMetrics.from_env(environ, cfg.telemetry)
        if log_json:
            from evalgate.telemetry.fields import SALT_ENV
            from evalgate.telemetry.logjson import JsonLogListener

            try:
                self.log = JsonLogListener(
                    log_json, feature=cfg.telemetry.feature, salt=environ.get(SALT_ENV)
                )
            except BaseException:
                self._close_metrics()
                raise

    def call_listeners(self) -> tuple[CallListener, ...]:
        """Listeners for each model call (the run id comes with each event)."""
        return tuple(x.on_call for x in (self.log, self.metrics) if x is not None)

    def case_listeners(self, quiet: bool) -> tuple[CaseListener, ...]:
        """Listeners for each finished case repeat; ``quiet`` leaves the progress display out."""
        out: list[CaseListener] = []
        if self.metrics is not None:
            out.append(self.metrics.on_case)
        if not quiet:
            from evalgate.report.terminal import Progress

            self.progress = Progress()
            out.append(self.progress.on_case)
        return tuple(out)

    def run_finished(
        self,
        summary: RunSummary,
        *,
        command: str = "run",
        verdict: Mapping[str, Any] | None = None,
    ) -> None:
        """Write the ``eval.run`` log line; ``verdict`` replaces the summary's (canary)."""
        if self.log is not None:
            self.log.run_finished(summary, command=command, verdict=verdict)

    def _close_metrics(self) -> None:
        if self.metrics is not None:
            self.metrics.shutdown()

    def __enter__(self) -> Telemetry:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.progress is not None:
                self.progress.close()
        finally:
            try:
                self._close_metrics()  # never raises; bounded by the export timeout
            finally:
                if self.log is not None:
                    self.log.close()
