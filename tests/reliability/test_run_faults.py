"""Faults at the level of a whole ``evalgate run`` against a real misbehaving loopback server.

Every fault case runs next to three healthy ones. For each fault: the outcome class written to
results.jsonl, the attempts recorded (and seen by the server), a bound on the run's wall time,
and exit 3 (inconclusive) because one error in four is above ``gate.max_error_rate`` — never
0 (a pass) nor 1 (a quality failure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from evalgate.target import retry
from tests.reliability.conftest import FaultProject, unique
from tests.support.faultserver import closed_port
from tests.support.timing import timed_variant


@dataclass(frozen=True)
class Fault:
    path: str  # {k} becomes a per-test key
    outcome: str
    attempts: int
    max_s: float
    min_s: float = 0.0
    target: dict[str, Any] = field(default_factory=dict)
    counted: str | None = None  # server behaviour whose hits must equal the attempts
    error_has: str = ""


FAULTS: dict[str, Fault] = {
    "429-no-retry-after": Fault("/ratelimit?key={k}", "rate_limited", 3, 2.0, counted="ratelimit"),
    "429-retry-after-seconds": Fault(
        "/ratelimit?after=0.25&key={k}", "rate_limited", 3, 2.5, 0.5, counted="ratelimit"
    ),
    "429-retry-after-http-date": Fault(
        "/ratelimit?date=1&key={k}", "rate_limited", 2, 3.0, target={"retries": 1}
    ),
    "500": Fault("/status?code=500&key={k}", "http_error", 3, 2.0, counted="status"),
    "502": Fault("/status?code=502&key={k}", "http_error", 3, 2.0, counted="status"),
    "503": Fault("/status?code=503&key={k}", "http_error", 3, 2.0, counted="status"),
    "504": Fault("/status?code=504&key={k}", "http_error", 3, 2.0, counted="status"),
    "404-not-retried": Fault("/status?code=404&key={k}", "http_error", 1, 2.0, counted="status"),
    "connection-refused": Fault(
        "http://127.0.0.1:{port}/x", "connection_error", 3, 2.5, error_has="connection refused"
    ),
    "reset-mid-response": Fault("/reset?key={k}", "connection_error", 3, 2.0, counted="reset"),
    "reset-before-answer": Fault(
        "/reset-early?key={k}", "connection_error", 3, 2.0, counted="reset-early"
    ),
    "accept-never-answer": Fault(
        "/hang?key={k}", "timeout", 3, 3.0, 0.9, counted="hang", error_has="target.timeout_s"
    ),
    "slow-drip": Fault("/drip?interval=0.05&key={k}", "timeout", 3, 3.0, 0.9, counted="drip"),
    "truncated-body": Fault("/truncated?key={k}", "connection_error", 3, 2.0, counted="truncated"),
    "non-json-body": Fault(
        "/notjson?key={k}", "invalid_response", 1, 2.0, counted="notjson", error_has="not JSON"
    ),
    "200-wrong-shape": Fault(
        "/wrongshape?key={k}", "invalid_response", 1, 2.0, counted="wrongshape", error_has="keys"
    ),
    "enormous-body": Fault(
        "/huge?size=2000000&key={k}",
        "invalid_response",
        1,
        2.0,
        counted="huge",
        error_has="max_response_bytes",
    ),
    "enormous-chunked-body": Fault(
        "/huge?size=2000000&chunked=1&key={k}",
        "invalid_response",
        1,
        2.0,
        counted="huge",
        error_has="max_response_bytes",
    ),
    "redirect-not-followed": Fault(
        "/redirect?to=/ok&key={k}", "http_error", 1, 2.0, counted="redirect", error_has="redirect"
    ),
}


def _healthy(fp: FaultProject, n: int = 3) -> dict[str, str]:
    return {f"ok-{i}": f"/ok?key={unique('ok')}" for i in range(n)}


@pytest.mark.parametrize("name", sorted(FAULTS))
@timed_variant
def test_fault_is_classified_bounded_and_inconclusive(
    fp: FaultProject, name: str, timed: bool
) -> None:
    fault = FAULTS[name]
    key = unique(name)
    path = fault.path.format(k=key, port=closed_port())
    fp.write({**_healthy(fp), "faulty": path}, target=fault.target)
    ran = fp.run("r")
    bad = ran.results["faulty"]
    assert bad.status == "error" and bad.outcome == fault.outcome, bad.error
    assert bad.attempts == fault.attempts
    if fault.counted:
        assert fp.srv.count(fault.counted, key) == fault.attempts
    assert fault.error_has in (bad.error or "")
    assert all(ran.results[f"ok-{i}"].status == "passed" for i in range(3))
    assert ran.elapsed >= fault.min_s, ran.elapsed  # a wait that happened: load only adds
    assert not timed or ran.elapsed < fault.max_s, ran.elapsed
    # one error in four is above max_error_rate: the run cannot be judged
    assert ran.code == 3, ran.err
    assert ran.summary["outcomes"][fault.outcome] == 1
    assert ran.summary["totals"]["errors"] == 1 and ran.summary["totals"]["error_rate"] == 0.25


def test_redirect_followed_when_configured(fp: FaultProject) -> None:
    # 307 keeps the method and body (a 302 turns the POST into a GET without the message)
    key = unique("rf")
    fp.write({"moved": f"/redirect?code=307&to=/ok&key={key}"}, target={"follow_redirects": True})
    ran = fp.run("r")
    assert ran.code == 0 and ran.results["moved"].status == "passed", ran.err
    assert ran.results["moved"].attempts == 1 and fp.srv.count("redirect", key) == 1


def test_errors_at_or_below_max_error_rate_still_judge(fp: FaultProject) -> None:
    cases = {f"ok-{i}": f"/ok?key={unique('ok')}" for i in range(9)}
    cases["down"] = f"/status?code=503&key={unique('down')}"
    fp.write(cases, gate={"max_error_rate": 0.1})  # 1 error in 10 is allowed
    ran = fp.run("r")
    assert ran.code == 0, ran.err
    assert ran.summary["totals"]["errors"] == 1
    fp.write(cases, gate={"max_error_rate": 0.05})
    assert fp.run("r2").code == 3


@timed_variant
def test_transient_failures_recover_on_retry(fp: FaultProject, timed: bool) -> None:
    """A few cases fail once or twice (503, 429, a reset) and then answer: the run passes."""
    keys = {cid: unique(cid) for cid in ("flaky-503", "flaky-429", "flaky-reset")}
    cases = {
        "flaky-503": f"/flaky?n=2&status=503&key={keys['flaky-503']}",
        "flaky-429": f"/flaky?n=1&status=429&key={keys['flaky-429']}",
        "flaky-reset": f"/flaky?n=2&mode=reset&key={keys['flaky-reset']}",
        **_healthy(fp, 5),
    }
    fp.write(cases)
    ran = fp.run("r")
    assert ran.code == 0, ran.err
    assert all(r.status == "passed" for r in ran.results.values())
    assert ran.results["flaky-503"].attempts == 3 == fp.srv.count("flaky", keys["flaky-503"])
    assert ran.results["flaky-429"].attempts == 2
    assert ran.results["flaky-reset"].attempts == 3
    assert all(ran.results[f"ok-{i}"].attempts == 1 for i in range(5))
    assert ran.summary["totals"]["errors"] == 0
    assert not timed or ran.elapsed < 3.0


@timed_variant
def test_whole_endpoint_down_is_inconclusive_quickly(fp: FaultProject, timed: bool) -> None:
    port = closed_port()
    fp.write({f"c{i}": f"http://127.0.0.1:{port}/x" for i in range(12)})
    ran = fp.run("r")
    # it stops once the first calls all fail alike, instead of retrying every case
    assert ran.code == 3 and 8 <= ran.summary["outcomes"]["connection_error"] <= 12
    assert "stopped early" in (ran.summary["aborted"] or "")
    assert not timed or ran.elapsed < 3.0


def _run_limited(fp: FaultProject, out: str) -> tuple[int, int]:
    """24 cases at concurrency 8 against a server that takes 2 at a time: (429s, exit code)."""
    tag = unique(out)
    fp.write(
        {f"c{i:02d}": f"/limited?max=2&s=0.04&key={tag}" for i in range(24)},
        target={"concurrency": 8, "retries": 8, "backoff_base_s": 0.005, "backoff_max_s": 0.02},
    )
    fp.srv.peak = 0
    ran = fp.run(out)
    # every attempt but a case's last is a 429; a case that still failed saw only 429s
    throttled = sum(r.attempts - (r.status != "error") for r in ran.results.values())
    return throttled, ran.code


def test_adaptive_concurrency_lowers_429s(
    fp: FaultProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    adaptive, code = _run_limited(fp, "adaptive")
    assert code == 0  # every case got through once the client slowed down
    # the control: the same run with the limit never lowered
    monkeypatch.setattr(retry.AdaptiveLimit, "on_throttled", lambda self, started_at: None)
    fixed, _ = _run_limited(fp, "fixed")
    assert fixed > 0
    print(f"429s: adaptive {adaptive}, fixed limit {fixed}")
    assert adaptive * 2 <= fixed, (adaptive, fixed)
