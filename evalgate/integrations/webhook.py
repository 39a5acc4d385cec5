"""Canary alerts: one JSON POST to a webhook (Slack-compatible) on drift or outage.

The body has a ``text`` field, which Slack, Mattermost, Google Chat and Teams-style incoming
webhooks display, and the structured report under ``evalgate`` for other receivers. An alert
that cannot be delivered is a warning, never an error: the canary's exit code already fails
the cron job. Webhook URLs usually embed their token, so only scheme and host are ever shown.
"""

from __future__ import annotations

import sys
from typing import IO, Any
from urllib.parse import urlsplit

import httpx

from evalgate import __version__, masking
from evalgate.canary.report import OK, CanaryReport

DEFAULT_TIMEOUT_S = 5.0
_ICON = {"drift": ":warning:", "down": ":rotating_light:"}


def redact_url(url: str) -> str:
    """``https://hooks.slack.com/…``: the path and query of a webhook URL are its secret."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    tail = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{tail}"


def alert_payload(report: CanaryReport, *, run_id: str | None = None) -> dict[str, Any]:
    """The JSON body: a readable ``text`` and the report as data."""
    lines = report.lines()
    text = "\n".join([f"{_ICON.get(report.status, '')} {lines[0]}".strip(), *lines[1:]])
    body = {
        "text": text,
        "evalgate": {"version": __version__, "run_id": run_id, **report.to_dict()},
    }
    scrubbed: dict[str, Any] = masking.scrub_obj(body)
    return scrubbed


def post_alert(
    url: str,
    report: CanaryReport,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    run_id: str | None = None,
    stderr: IO[str] | None = None,
) -> bool:
    """POST the alert when ``report`` is not ok; True when delivered (2xx).

    Nothing is sent for an ok report. Failures (network, timeout, non-2xx) are written as one
    warning on ``stderr`` and return False.
    """
    if report.status == OK:
        return False
    masking.register([url])  # the full URL must not surface in any message
    where = redact_url(url)
    problem: str | None = None
    try:
        with httpx.Client(transport=transport, timeout=timeout_s) as client:
            resp = client.post(url, json=alert_payload(report, run_id=run_id))
        if not 200 <= resp.status_code < 300:
            problem = f"HTTP {resp.status_code}"
    except httpx.TimeoutException:
        problem = f"no answer within {timeout_s:g} s"
    except httpx.HTTPError as exc:
        problem = type(exc).__name__
    if problem is None:
        return True
    out = stderr or sys.stderr
    out.write(masking.scrub(f"warning: canary alert to {where} not delivered ({problem})") + "\n")
    out.flush()
    return False
