from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest

from evalgate import masking
from evalgate.canary import CanaryReport, CanaryStats, Finding
from evalgate.integrations.webhook import post_alert, redact_url
from tests.canary.capture import Capture

STATS = CanaryStats(10, 10, 0, 0.0, 400.0, 120.0, 0.9, 0.97)
DRIFT = CanaryReport(
    "drift",
    (Finding("latency_p95", "latency_p95 400 ms vs reference run 100 ms", ("c3",), 100.0, 400.0),),
    STATS,
)


@pytest.fixture
def hook(request: pytest.FixtureRequest) -> Iterator[Capture]:
    cap = Capture(getattr(request, "param", 200))
    yield cap
    cap.close()
    masking.clear()


def test_drift_is_posted_as_slack_compatible_json(hook: Capture) -> None:
    err = io.StringIO()
    assert post_alert(hook.url, DRIFT, run_id="run-7", stderr=err) is True
    [body] = hook.bodies
    assert hook.content_types == ["application/json"]
    assert body["text"].startswith(":warning: canary drift: 10 cases, p95 400 ms")
    assert "latency_p95 400 ms vs reference run 100 ms" in body["text"]
    data = body["evalgate"]
    assert data["status"] == "drift" and data["run_id"] == "run-7"
    assert data["findings"][0]["cases"] == ["c3"]
    assert err.getvalue() == ""


def test_ok_report_sends_nothing(hook: Capture) -> None:
    ok = CanaryReport("ok", (), STATS)
    assert post_alert(hook.url, ok) is False
    assert hook.bodies == []


@pytest.mark.parametrize("hook", [500], indirect=True)
def test_rejected_alert_is_a_warning_without_the_token(hook: Capture) -> None:
    err = io.StringIO()
    assert post_alert(hook.url, DRIFT, stderr=err) is False
    assert len(hook.bodies) == 1
    msg = err.getvalue()
    assert "warning: canary alert to http://127.0.0.1:" in msg and "HTTP 500" in msg
    assert "hooktoken123" not in msg and "/services" not in msg


def test_unreachable_and_slow_webhooks_warn_and_return_false() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}")

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    url = "https://hooks.example.com/services/abc/secret-part"
    for handler, text in ((refuse, "ConnectError"), (slow, "no answer within 2 s")):
        err = io.StringIO()
        ok = post_alert(url, DRIFT, transport=httpx.MockTransport(handler), timeout_s=2, stderr=err)
        assert ok is False
        assert text in err.getvalue() and "secret-part" not in err.getvalue()
    masking.clear()


def test_redact_url_keeps_only_scheme_and_host() -> None:
    assert redact_url("https://hooks.slack.com/services/T/B/x?y=1") == "https://hooks.slack.com/…"
    assert redact_url("http://127.0.0.1:9000") == "http://127.0.0.1:9000"
