from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from evalgate import masking
from evalgate.canary import (
    CanaryReport,
    CanaryStats,
    Finding,
    append_history,
    read_history,
    reference_from_history,
    render_history,
)
from evalgate.errors import ConfigError

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def report(status: str, p95: float, tokens: float = 100.0, msg: str = "") -> CanaryReport:
    stats = CanaryStats(
        results=10,
        cases=10,
        errors=0,
        error_rate=0.0,
        latency_p95_ms=p95,
        mean_tokens=tokens,
        mean_score=0.95,
        base_mean_score=0.97,
    )
    findings = (Finding("latency_p95", msg),) if msg else ()
    return CanaryReport(status, findings, stats)


def test_append_then_read_in_order_with_limit(tmp_path: Path) -> None:
    path = tmp_path / "state" / "canary.jsonl"
    for i in range(5):
        append_history(path, report("ok", 100.0 + i), ts=T0 + timedelta(hours=i), run_id=f"r{i}")
    rows = read_history(path)
    assert [r["run_id"] for r in rows] == ["r0", "r1", "r2", "r3", "r4"]
    assert [r["latency_p95_ms"] for r in read_history(path, limit=2)] == [103.0, 104.0]
    first = rows[0]
    assert first["ts"] == "2024-05-01T10:00:00Z" and first["status"] == "ok"
    assert set(first) >= {"mean_tokens", "mean_score", "error_rate", "findings"}


def test_missing_history_is_empty_and_torn_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    assert read_history(path) == []
    append_history(path, report("ok", 100.0), ts=T0)
    with open(path, "a", encoding="utf-8") as f:
        f.write('{"status": "drift", "ts"')  # a run killed mid-write
    assert len(read_history(path)) == 1
    append_history(path, report("ok", 110.0), ts=T0)
    assert len(read_history(path)) == 2  # the torn line does not poison later ones


def test_findings_are_scrubbed_and_rendered_compactly(tmp_path: Path) -> None:
    masking.clear()
    masking.register(["sekret-token-42"])
    try:
        path = tmp_path / "h.jsonl"
        append_history(path, report("ok", 100.0), ts=T0)
        append_history(
            path, report("drift", 400.0, msg="latency_p95 400 ms sekret-token-42"), ts=T0
        )
        assert "sekret" not in path.read_text()
        text = render_history(read_history(path))
    finally:
        masking.clear()
    lines = text.splitlines()
    assert len(lines) == 3 and lines[0].startswith("time (UTC)")
    assert "drift" in lines[2] and "400" in lines[2] and "latency_p95 400 ms ***" in lines[2]
    assert render_history([]) == "no canary runs recorded yet"


def test_reference_is_the_median_of_recent_ok_runs(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    for p95 in (100.0, 120.0, 110.0):
        append_history(path, report("ok", p95), ts=T0)
    append_history(path, report("drift", 900.0), ts=T0)  # excluded: not healthy
    ref = reference_from_history(read_history(path))
    assert ref is not None and ref.latency_p95_ms == 110.0 and ref.mean_tokens == 100.0
    assert "3 ok canary runs" in ref.source
    assert reference_from_history([json.loads('{"status": "down"}')]) is None


def test_unwritable_history_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(ConfigError, match=r"canary\.history"):
        append_history(tmp_path / "f" / "h.jsonl", report("ok", 1.0))
