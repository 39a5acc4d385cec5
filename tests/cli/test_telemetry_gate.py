"""The command's telemetry imports the OpenTelemetry integration only when an OTLP endpoint
is configured; without one it finds none, as the integration itself would."""

from __future__ import annotations

import itertools

from evalgate.cli.telemetry import endpoint_named
from evalgate.config.model import Config, TargetConfig, TelemetryConfig
from evalgate.integrations.otel import resolve_settings

KEYS = ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SDK_DISABLED")


def test_no_named_endpoint_means_no_metrics_whatever_else_is_set() -> None:
    values = (None, "", "http://c:4318", "true")
    for combo in itertools.product(values, repeat=len(KEYS)):
        env = {k: v for k, v in zip(KEYS, combo, strict=True) if v is not None}
        for endpoint in (None, "", "http://cfg:4318"):
            tel = TelemetryConfig(otlp_endpoint=endpoint)
            cfg = Config(target=TargetConfig(url="http://x"), telemetry=tel)
            if not endpoint_named(env, cfg):
                assert resolve_settings(env, tel) is None, (env, endpoint)
            elif env.get("OTEL_SDK_DISABLED") != "true":
                assert resolve_settings(env, tel) is not None, (env, endpoint)
