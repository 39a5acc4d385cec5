from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from evalgate import masking
from evalgate.gate.verdict import Reason, Verdict
from evalgate.results import CaseResult
from evalgate.summary import RunMeta, build_run_summary
from evalgate.telemetry.fields import hash_user_id
from evalgate.telemetry.logjson import JsonLogListener
from tests.telemetry.events import call, response

FIXED = datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)

CALL_FIELDS: dict[str, tuple[type, ...]] = {
    "ts": (str,),
    "event": (str,),
    "run_id": (str,),
    "case_id": (str,),
    "dataset": (str,),
    "repeat": (int,),
    "turn": (int,),
    "feature": (str,),
    "tenant_id": (str,),
    "user_id": (str,),
    "model": (str,),
    "prompt_version": (str,),
    "input_tokens": (int,),
    "output_tokens": (int,),
    "total_tokens": (int,),
    "cost_usd": (float,),
    "latency_ms": (float,),
    "outcome": (str,),
    "attempts": (int,),
    "request_id": (str,),
    "trace_id": (str,),
}


@pytest.fixture(autouse=True)
def _no_secrets() -> Iterator[None]:
    masking.clear()
    yield
    masking.clear()


def _lines(buf: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def _listener(buf: io.StringIO, **kw: Any) -> JsonLogListener:
    args: dict[str, Any] = {"run_id": "run-1", "feature": None, "salt": "pepper"}
    args.update(kw)
    return JsonLogListener(buf, clock=lambda: FIXED, **args)


def test_success_line_has_every_documented_field_with_its_type() -> None:
    buf = io.StringIO()
    _listener(buf)(call())
    [rec] = _lines(buf)
    assert set(rec) == set(CALL_FIELDS)  # no error field on success, nothing undocumented
    for name, types in CALL_FIELDS.items():
        assert isinstance(rec[name], types), (name, rec[name])
    assert rec["ts"] == "2024-05-01T12:00:00.123Z"
    assert rec["event"] == "llm.request"
    assert rec["feature"] == "refunds"
    assert rec["tenant_id"] == "acme"
    assert (rec["input_tokens"], rec["output_tokens"], rec["total_tokens"]) == (120, 30, 150)
    assert rec["cost_usd"] == pytest.approx(0.0012)
    assert rec["request_id"] == rec["trace_id"] == "tr-1"


def test_user_id_is_salted_hash_never_raw() -> None:
    buf = io.StringIO()
    _listener(buf)(call())
    _listener(buf, salt="other")(call())
    first, second = _lines(buf)
    assert re.fullmatch(r"u_[0-9a-f]{16}", first["user_id"])
    assert first["user_id"] == hash_user_id("alice@example.com", "pepper")
    assert first["user_id"] != second["user_id"]  # the salt matters
    assert "alice" not in buf.getvalue()


def test_random_salt_is_stable_within_one_listener() -> None:
    buf = io.StringIO()
    log = JsonLogListener(buf, run_id="r", salt=None)
    log(call())
    log(call(case_id="other"))
    a, b = _lines(buf)
    assert a["user_id"] == b["user_id"] != hash_user_id("alice@example.com", "")


def test_failure_line_carries_scrubbed_error_and_null_response_fields() -> None:
    masking.register(["sk-live-0123456789abcdef"])
    buf = io.StringIO()
    _listener(buf)(
        call(
            outcome="http_error",
            attempts=4,
            response=None,
            error="HTTP 500 from endpoint (key sk-live-0123456789abcdef rejected)",
            metadata={"tenantId": "globex", "userId": "u-42"},
        )
    )
    [rec] = _lines(buf)
    assert rec["outcome"] == "http_error" and rec["attempts"] == 4
    assert rec["error"] == "HTTP 500 from endpoint (key *** rejected)"
    assert rec["tenant_id"] == "globex"
    assert rec["feature"] == "support"  # no metadata feature, no config feature: the dataset
    for name in ("model", "prompt_version", "input_tokens", "total_tokens", "cost_usd"):
        assert rec[name] is None
    assert "sk-live" not in buf.getvalue()


def test_secret_in_metadata_or_trace_never_reaches_the_log() -> None:
    secret = "tok_9f8e7d6c5b4a3210"
    masking.register([secret])
    buf = io.StringIO()
    _listener(buf)(call(metadata={"tenant_id": secret}, response=response(trace_id=secret)))
    assert secret not in buf.getvalue()
    assert _lines(buf)[0]["tenant_id"] == "***"


def test_feature_falls_back_to_config_feature_then_dataset() -> None:
    buf = io.StringIO()
    _listener(buf, feature="copilot")(call(metadata={"tenant": "acme"}))
    _listener(buf, feature="copilot")(call(metadata={"tenant": "acme", "feature": "search"}))
    _listener(buf)(call(metadata={}))
    assert [r["feature"] for r in _lines(buf)] == ["copilot", "search", "support"]
    assert _lines(buf)[2]["tenant_id"] is None and _lines(buf)[2]["user_id"] is None


def test_request_id_from_response_extra() -> None:
    buf = io.StringIO()
    _listener(buf)(call(response=response(extra={"request_id": "req-7"})))
    [rec] = _lines(buf)
    assert (rec["request_id"], rec["trace_id"]) == ("req-7", "tr-1")


def test_dash_writes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    log = JsonLogListener("-", run_id="r", salt="s")
    log(call())
    log.close()  # stderr is not ours to close
    out, err = capsys.readouterr()
    assert out == ""
    assert json.loads(err)["event"] == "llm.request"


def test_file_is_appended_and_flushed_per_line(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "calls.jsonl"
    with JsonLogListener(path, run_id="r", salt="s") as log:
        log(call())
        assert len(path.read_text().splitlines()) == 1  # visible before close
    with JsonLogListener(str(path), run_id="r", salt="s") as log:
        log(call(case_id="b"))
    assert [json.loads(x)["case_id"] for x in path.read_text().splitlines()] == [
        "refund-window",
        "b",
    ]


def test_unwritable_path_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    from evalgate.errors import ConfigError

    with pytest.raises(ConfigError, match="--log-json"):
        JsonLogListener(blocker / "x.jsonl", run_id="r")


def _result(cid: str, status: str, score: float | None, outcome: str = "success") -> CaseResult:
    return CaseResult(
        case_id=cid,
        dataset="support",
        repeat=0,
        status=status,
        outcome=outcome,
        passed=status == "passed",
        score=score,
        latency_ms=100.0,
        response=response() if outcome == "success" else None,
    )


def test_run_finished_line_summarises_the_run() -> None:
    results = [
        _result("a", "passed", 1.0),
        _result("b", "failed", 0.5),
        _result("c", "error", None, "timeout"),
    ]
    verdict = Verdict("fail", reasons=(Reason("regression", "dropped", ("b",)),))
    summary = build_run_summary(results, RunMeta(run_id="run-9", started_at="t"), verdict)
    buf = io.StringIO()
    _listener(buf, feature="copilot").run_finished(summary)
    [rec] = _lines(buf)
    assert rec["event"] == "eval.run" and rec["run_id"] == "run-9"
    assert rec["status"] == "fail" and rec["reasons"] == 1
    assert rec["pass_rate"] == pytest.approx(0.5)
    assert rec["mean_score"] == pytest.approx(0.75)
    assert rec["error_rate"] == pytest.approx(1 / 3)
    assert (rec["passed"], rec["failed"], rec["errors"]) == (1, 1, 1)
    assert rec["total_tokens"] == 300 and rec["feature"] == "copilot"
    assert rec["command"] == "run"


def test_run_line_takes_a_canary_verdict_and_marks_interrupted_runs() -> None:
    results = [_result("a", "passed", 1.0)]
    summary = build_run_summary(results, RunMeta(run_id="run-7", started_at="t"), None)
    buf = io.StringIO()
    log = _listener(buf, run_id=None)
    log.run_finished(summary)
    canary = {"status": "drift", "reasons": [{"kind": "score"}], "baseline_version": "v1"}
    log.run_finished(summary, command="canary", verdict=canary)
    meta = RunMeta(run_id="run-8", started_at="t", interrupted=True)
    stopped = build_run_summary(results, meta, None)
    log.run_finished(stopped)
    plain, judged, cut = _lines(buf)
    assert plain["status"] is None and plain["command"] == "run"  # --no-gate
    assert (judged["command"], judged["status"], judged["reasons"]) == ("canary", "drift", 1)
    assert judged["baseline_version"] == "v1" and judged["run_id"] == "run-7"
    assert cut["status"] == "interrupted" and cut["run_id"] == "run-8"
