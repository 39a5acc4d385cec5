"""Listeners a run command attaches: progress on stderr, JSON call logs, OpenTelemetry metrics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalgate.config.model import Config
from evalgate.events import CallListener, CaseListener


class Telemetry:
    """Builds the listeners for a run and closes them (flushing metrics) however the run ends."""

    def __init__(self, cfg: Config, log_json: str | None, environ: Mapping[str, str]) -> None:
        self.cfg = cfg
        self.environ = environ
        self.log: Any = None
        self.metrics: Any = None
        self.progress: Any = None
        if log_json:
            from evalgate.telemetry.fields import SALT_ENV
            from evalgate.telemetry.logjson import JsonLogListener

            self.log = JsonLogListener(
                log_json, run_id="", feature=cfg.telemetry.feature, salt=environ.get(SALT_ENV)
            )
        from evalgate.integrations.otel import resolve_settings

        if resolve_settings(environ, cfg.telemetry) is not None:
            from evalgate.integrations.otel import OtelMetrics

            self.metrics = OtelMetrics.from_env(environ, cfg.telemetry)

    def call_listeners(self) -> tuple[CallListener, ...]:
        return tuple(x.on_call for x in (self.log, self.metrics) if x is not None)

    def case_listeners(self, quiet: bool) -> tuple[CaseListener, ...]:
        out: list[CaseListener] = []
        if self.metrics is not None:
            out.append(self.metrics.on_case)
        if not quiet:
            from evalgate.report.terminal import Progress

            self.progress = Progress()
            out.append(self.progress.on_case)
        return tuple(out)

    def run_finished(self, summary: Mapping[str, Any]) -> None:
        if self.log is not None:
            self.log.run_finished(summary)

    def __enter__(self) -> Telemetry:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.close()
        if self.metrics is not None:
            self.metrics.shutdown()
        if self.log is not None:
            self.log.close()
