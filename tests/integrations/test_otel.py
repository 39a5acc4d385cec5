from __future__ import annotations

import io
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalgate import __version__, masking
from evalgate.config.model import TelemetryConfig
from evalgate.errors import ConfigError
from evalgate.install import install_line
from evalgate.integrations.otel import OtelMetrics, resolve_settings
from tests.support.otlp_receiver import OtlpReceiver, Point
from tests.support.timing import timed_variant
from tests.telemetry.events import call, case, response

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_secrets() -> Iterator[None]:
    masking.clear()
    yield
    masking.clear()


def _one(points: list[Point], name: str, **attrs: str) -> Point:
    found = [
        p
        for p in points
        if p.name == name and all(p.attributes.get(k) == v for k, v in attrs.items())
    ]
    assert len(found) == 1, (name, attrs, [(p.name, p.attributes) for p in points])
    return found[0]


# -- settings (no SDK involved) ----------------------------------------------------------
def test_disabled_without_any_endpoint() -> None:
    assert resolve_settings({}, TelemetryConfig()) is None
    assert OtelMetrics.from_env({}, TelemetryConfig()) is None


def test_endpoint_sources_and_precedence() -> None:
    cfg = TelemetryConfig(otlp_endpoint="http://cfg:4318/")
    assert resolve_settings({}, cfg).endpoint == "http://cfg:4318/v1/metrics"  # type: ignore[union-attr]
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://env:4318"}
    assert resolve_settings(env, cfg).endpoint == "http://env:4318/v1/metrics"  # type: ignore[union-attr]
    env["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = "http://m:9/custom"
    assert resolve_settings(env, cfg).endpoint == "http://m:9/custom"  # type: ignore[union-attr]
    assert resolve_settings({**env, "OTEL_SDK_DISABLED": "true"}, cfg) is None


def test_resource_headers_and_timeout_from_environment() -> None:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318",
        "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod,team=ml%20ops,service.name=x",
        "OTEL_SERVICE_NAME": "copilot-canary",
        "OTEL_EXPORTER_OTLP_HEADERS": "api-key=collector-secret-123",
        "OTEL_EXPORTER_OTLP_TIMEOUT": "2500",
    }
    s = resolve_settings(env, TelemetryConfig(service_name="from-config"))
    assert s is not None
    assert s.resource["service.name"] == "copilot-canary"  # OTEL_SERVICE_NAME wins
    assert s.resource["team"] == "ml ops" and s.resource["deployment.environment"] == "prod"
    assert s.resource["service.version"] == __version__
    assert s.headers == {"api-key": "collector-secret-123"}
    assert masking.scrub("key collector-secret-123") == "key ***"
    assert s.timeout_s == pytest.approx(2.5)  # milliseconds, as the OTel spec says
    s2 = resolve_settings({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c"}, TelemetryConfig("", "cfg"))
    assert s2 is not None and s2.resource["service.name"] == "cfg"


def test_missing_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk.metrics", None)
    with pytest.raises(ConfigError, match=re.escape(install_line("otel"))):
        OtelMetrics.from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, TelemetryConfig())


def test_cli_import_does_not_load_opentelemetry() -> None:
    code = (
        "import sys, evalgate.cli.main, evalgate.integrations.otel, evalgate.telemetry.logjson;"
        "bad = sorted(m for m in sys.modules if m.startswith('opentelemetry'));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- export to a real local receiver ----------------------------------------------------
def test_metrics_reach_a_local_collector() -> None:
    with OtlpReceiver() as rx:
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": rx.endpoint,
            "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=canary",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-collector-key=k-123456789",
        }
        m = OtelMetrics.from_env(env, TelemetryConfig(service_name="evalgate-ci"))
        assert m is not None
        ok = {"tenant": "acme", "feature": "refunds", "user": "alice"}
        m(call(latency_ms=200.0, metadata=ok))
        m.on_case(case(score=1.0, status="passed"))
        m(call(case_id="b", latency_ms=600.0, metadata=ok, response=response(input_tokens=80)))
        m.on_case(case(case_id="b", score=0.25, status="failed"))
        m(
            call(
                case_id="c",
                outcome="timeout",
                latency_ms=30000.0,
                attempts=4,
                response=None,
                metadata=ok,
            )
        )
        m.on_case(case(case_id="c", score=None, status="error"))
        m.shutdown()
        m.shutdown()  # idempotent
        assert rx.rejected == []
        assert rx.headers[-1]["x-collector-key"] == "k-123456789"
        pts = rx.points()
        res = rx.resource()

    assert res["service.name"] == "evalgate-ci"
    assert res["service.version"] == __version__
    assert res["deployment.environment"] == "canary"

    ok_attrs = {
        "dataset": "support",
        "feature": "refunds",
        "tenant_id": "acme",
        "model": "gpt-4o-mini",
        "prompt_version": "v1",
        "outcome": "success",
    }
    req_ok = _one(pts, "llm.requests", outcome="success")
    assert req_ok.value == 2 and req_ok.attributes == ok_attrs and req_ok.monotonic
    req_to = _one(pts, "llm.requests", outcome="timeout")
    assert req_to.value == 1
    assert "model" not in req_to.attributes  # unknown labels are left out, not ""
    assert _one(pts, "llm.errors", outcome="timeout").value == 1
    assert not [p for p in pts if p.name == "llm.errors" and p.attributes["outcome"] == "success"]

    assert _one(pts, "llm.tokens", token_type="input").value == 200
    assert _one(pts, "llm.tokens", token_type="output").value == 60
    assert _one(pts, "llm.cost_usd").value == pytest.approx(0.0024)

    lat = _one(pts, "llm.latency_ms", outcome="success")
    assert (lat.count, lat.sum, lat.unit) == (2, 800.0, "ms")
    assert lat.bounds[:3] == (50.0, 100.0, 250.0)
    assert _one(pts, "llm.latency_ms", outcome="timeout").sum == 30000.0

    score = _one(pts, "eval.score")
    assert (score.count, score.sum) == (2, 1.25)
    assert "outcome" not in score.attributes and score.attributes["tenant_id"] == "acme"
    assert _one(pts, "eval.cases_failed").value == 1

    for p in pts:  # low cardinality: never case ids or user ids
        assert not {"case_id", "user_id", "user"} & set(p.attributes)
        assert "alice" not in str(p.attributes)


def test_global_meter_provider_is_left_alone() -> None:
    from opentelemetry import metrics

    before = metrics.get_meter_provider()
    with OtlpReceiver() as rx:
        m = OtelMetrics.from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": rx.endpoint}, TelemetryConfig())
        assert m is not None
        m(call())
        m.shutdown()
    assert metrics.get_meter_provider() is before


def test_failing_collector_warns_once_and_never_raises() -> None:
    err = io.StringIO()
    with OtlpReceiver(status=400) as rx:
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": rx.endpoint,
            "OTEL_METRIC_EXPORT_INTERVAL": "100",
        }
        m = OtelMetrics.from_env(env, TelemetryConfig(), stderr=err)
        assert m is not None
        for i in range(5):
            m(call(case_id=f"c{i}"))
            time.sleep(0.06)
        m.shutdown()
        assert len(rx.requests) >= 2  # exported more than once, all refused
    assert err.getvalue().count("warning:") == 1
    assert "metrics export to http://127.0.0.1:" in err.getvalue()


@timed_variant
def test_unreachable_collector_does_not_hang_or_crash(timed: bool) -> None:
    with OtlpReceiver() as rx:
        dead = rx.endpoint  # closed below: nothing listens there any more
    err = io.StringIO()
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": dead + "/secret-path", "OTEL_EXPORTER_OTLP_TIMEOUT": "1"}
    m = OtelMetrics.from_env(env, TelemetryConfig(), stderr=err)
    assert m is not None
    m(call())
    start = time.monotonic()
    m.shutdown(timeout_s=5)  # returns at all: the default run's check that it does not hang
    assert not timed or time.monotonic() - start < 5
    assert err.getvalue().count("warning:") == 1
    assert "secret-path" not in err.getvalue()
