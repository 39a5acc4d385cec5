"""The run's own telemetry end to end: `--log-json` lines and OTLP metrics from real commands.

The reference middleware answers on loopback; a real OTLP/HTTP receiver decodes what evalgate
exports. The export interval is the default minute, so anything the receiver holds when the
command returns was flushed on the way out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalgate.cli.main import main
from evalgate.cli.telemetry import Telemetry
from evalgate.config.model import Config, TargetConfig, TelemetryConfig
from evalgate.demo.server import DemoServer
from evalgate.results import CaseResult, read_results
from tests.canary.demo_project import API_KEY, USER, canary_case_ids, json_lines, responses
from tests.support.otlp_receiver import OtlpReceiver, Point
from tests.telemetry.events import call

ROOT = Path(__file__).resolve().parents[2]
Cap = pytest.CaptureFixture[str]


def documented_fields(event: str) -> set[str]:
    """The field names docs/telemetry.md lists for ``event`` (its first table column)."""
    doc = (ROOT / "docs" / "telemetry.md").read_text("utf-8")
    section = doc.split(f'### `event: "{event}"`', 1)[1].split("\n#", 1)[0]
    names: set[str] = set()
    for row in section.splitlines():
        if row.startswith("| `"):
            names.update(re.findall(r"`([a-z_0-9.]+)`", row.split("|")[1]))
    return names


@pytest.fixture()
def rx(monkeypatch: pytest.MonkeyPatch) -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
        yield receiver


def total(points: list[Point], name: str, **attrs: str) -> float:
    return sum(
        p.value or 0.0
        for p in points
        if p.name == name and all(p.attributes.get(k) == v for k, v in attrs.items())
    )


def check_metrics(points: list[Point], results: list[CaseResult], version: str) -> None:
    """Every instrument agrees with the run's results, with the documented attributes."""
    calls = responses(results)
    scored = [r for r in results if r.status in ("passed", "failed")]
    names = {p.name for p in points}
    assert {"llm.requests", "llm.tokens", "llm.latency_ms", "llm.cost_usd", "eval.score"} <= names
    assert total(points, "llm.requests") == len(calls)
    assert total(points, "llm.requests", outcome="success") == len(calls)
    assert "llm.errors" not in names
    in_tok = sum(c.input_tokens or 0 for c in calls)
    out_tok = sum(c.output_tokens or 0 for c in calls)
    assert total(points, "llm.tokens", token_type="input") == in_tok
    assert total(points, "llm.tokens", token_type="output") == out_tok
    assert total(points, "llm.cost_usd") == pytest.approx(sum(c.cost_usd or 0 for c in calls))
    lat = [p for p in points if p.name == "llm.latency_ms"]
    assert all(p.kind == "histogram" and p.unit == "ms" for p in lat)
    assert sum(p.count or 0 for p in lat) == len(calls)
    score = [p for p in points if p.name == "eval.score"]
    assert sum(p.count or 0 for p in score) == len(scored)
    assert sum(p.sum or 0.0 for p in score) == pytest.approx(sum(r.score or 0 for r in scored))
    failed = sum(1 for r in scored if r.status == "failed")
    assert total(points, "eval.cases_failed") == failed
    for p in points:
        a = p.attributes
        assert a["dataset"] == "support-copilot" and a["feature"] == "support-copilot"
        assert a["tenant_id"] == "acme" and a["prompt_version"] == version
        assert a["model"] == "demo-copilot-small"
        assert "case_id" not in a and "user_id" not in a  # low cardinality only
        assert ("outcome" in a) == p.name.startswith("llm.")
    assert points[0].resource["service.name"] == "evalgate"


def test_run_exports_metrics_and_writes_the_documented_lines(
    project: Path, rx: OtlpReceiver, capsys: Cap
) -> None:
    assert main(["run", "-q", "--out", "r", "--log-json", "run.jsonl"]) == 0
    assert len(rx.requests) == 1  # one export, at the end, before main() returned
    results = read_results(project / "r")
    check_metrics(rx.points(), results, "v1")
    summary = json.loads((project / "r" / "summary.json").read_text())
    text = (project / "run.jsonl").read_text("utf-8")
    assert API_KEY not in text and USER not in text
    lines = json_lines(project / "run.jsonl")
    calls, run = lines[:-1], lines[-1]
    assert len(calls) == len(responses(results))
    for line in calls:
        assert line["event"] == "llm.request"
        assert set(line) == documented_fields("llm.request") - {"error"}
        assert line["run_id"] == summary["run_id"]
    assert set(run) == documented_fields("eval.run")
    assert run["event"] == "eval.run" and run["command"] == "run"
    assert run["run_id"] == summary["run_id"]
    assert run["status"] == summary["verdict"]["status"] == "pass"
    assert run["results"] == len(results) and run["total_tokens"] == summary["tokens"]["total"]


def test_canary_exports_metrics_of_the_canary_cases(
    project: Path, server: DemoServer, rx: OtlpReceiver, capsys: Cap
) -> None:
    assert main(["run", "-q", "--record-baseline", "--out", "base"]) == 0
    server.configure(prompt_version="v2")
    assert main(["canary", "--log-json", "c.jsonl"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert len(rx.requests) == 2  # one per command, each flushed on exit
    results = read_results(Path(doc["run_dir"]))
    assert {r.case_id for r in results} == canary_case_ids(project)
    points = rx.points()
    check_metrics(points, results, "v2")
    assert total(points, "eval.cases_failed") >= 1  # v2 fails canary cases
    lines = json_lines(project / "c.jsonl")
    fields = documented_fields("llm.request") - {"error"}  # "error" only on failed calls
    assert all(set(x) == fields for x in lines[:-1])
    assert {x["run_id"] for x in lines} == {doc["run_id"]}
    assert set(lines[-1]) == documented_fields("eval.run")


def test_metrics_and_log_are_flushed_when_the_command_fails(
    project: Path, server: DemoServer, rx: OtlpReceiver, capsys: Cap
) -> None:
    server.stop()
    # every call fails; recording a baseline from that raises inside the run
    assert main(["run", "-q", "--record-baseline", "--log-json", "x.jsonl"]) == 3
    assert "not recording a baseline" in capsys.readouterr().err
    points = rx.points()
    errors = total(points, "llm.errors", outcome="connection_error")
    assert errors == total(points, "llm.requests") > 0
    lines = json_lines(project / "x.jsonl")
    calls = [x for x in lines if x["event"] == "llm.request"]
    assert len(calls) == errors and all(x["error"] for x in calls)
    assert set(calls[0]) == documented_fields("llm.request")  # with "error" this time
    assert lines[-1]["event"] == "eval.run" and lines[-1]["status"] == "inconclusive"


def test_ctrl_c_inside_the_run_still_exports_and_closes_the_log(
    tmp_path: Path, rx: OtlpReceiver
) -> None:
    cfg = Config(TargetConfig(url="http://127.0.0.1:9/x"), telemetry=TelemetryConfig())
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": rx.endpoint}
    log = tmp_path / "log.jsonl"
    with pytest.raises(KeyboardInterrupt), Telemetry(cfg, str(log), env) as tel:
        for listener in tel.call_listeners():
            listener(call())
        raise KeyboardInterrupt
    assert total(rx.points(), "llm.requests", tenant_id="acme") == 1
    assert tel.log._stream.closed
    assert json_lines(log)[0]["case_id"] == "refund-window"


def test_log_json_dash_keeps_stdout_for_the_summary(project: Path, capsys: Cap) -> None:
    assert main(["run", "--json", "--no-gate", "--tag", "canary", "--log-json", "-"]) == 0
    cap = capsys.readouterr()
    summary: dict[str, Any] = json.loads(cap.out)  # stdout: the summary and nothing else
    logged = [json.loads(x) for x in cap.err.splitlines() if x.startswith("{")]
    assert [x["event"] for x in logged].count("llm.request") == summary["totals"]["results"]
    assert logged[-1]["event"] == "eval.run" and logged[-1]["status"] is None
    assert logged[-1]["run_id"] == summary["run_id"]
