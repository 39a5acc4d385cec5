"""Nothing lost: kill -9 then --resume, SIGTERM, and secrets kept out of every output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evalgate.cli.main import main
from evalgate.demo.server import DemoServer, start_server
from evalgate.results import read_results


def _start(project: Path, out: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "evalgate", "run", "--out", out, "-q", "-j", "2", *extra],
        cwd=project,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_lines(path: Path, n: int, proc: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().count("\n") >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"run ended early: {proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.02)
    pytest.fail("the run did not produce results in time")


def _raw_keys(run: Path) -> list[tuple[str, int]]:
    lines = (run / "results.jsonl").read_text().splitlines()
    return [(json.loads(x)["case_id"], json.loads(x)["repeat"]) for x in lines if x.strip()]


def test_kill_9_then_resume_gives_the_same_results(project: Path, server: DemoServer) -> None:
    assert main(["run", "--out", "whole", "-q", "--no-gate"]) == 0
    server.configure(latency_ms=60)
    proc = _start(project, "killed", "--no-gate")
    _wait_for_lines(project / "killed" / "results.jsonl", 4, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    before = (project / "killed" / "results.jsonl").read_bytes()
    kept = before[: before.rfind(b"\n") + 1]
    assert not (project / "killed" / "summary.json").exists()
    server.configure(latency_ms=0)
    assert main(["run", "--resume", "killed", "-q", "--no-gate"]) == 0
    after = (project / "killed" / "results.jsonl").read_bytes()
    assert after.startswith(kept)  # finished results were kept as they were
    keys = _raw_keys(project / "killed")
    assert len(keys) == len(set(keys))  # and not called again

    def view(run: str) -> dict[tuple[str, int], tuple[str, float | None]]:
        return {(r.case_id, r.repeat): (r.status, r.score) for r in read_results(project / run)}

    assert view("killed") == view("whole")
    summary = json.loads((project / "killed" / "summary.json").read_text())
    assert summary["interrupted"] is False and summary["totals"]["results"] == len(keys)


def test_sigterm_exits_130_and_keeps_finished_results(project: Path, server: DemoServer) -> None:
    server.configure(latency_ms=60)
    proc = _start(project, "term")
    _wait_for_lines(project / "term" / "results.jsonl", 3, proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "finish with: evalgate run --resume" in err
    summary = json.loads((project / "term" / "summary.json").read_text())
    assert summary["interrupted"] is True
    assert summary["totals"]["results"] == len(read_results(project / "term")) >= 3


def test_resume_needs_a_run_folder(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "empty").mkdir()
    assert main(["run", "--resume", "empty", "-q"]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_secrets_never_reach_any_output(
    project: Path,
    server: DemoServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = "sk-live-0123456789abcdefSECRET"
    locked = start_server(port=0, api_key=secret)
    monkeypatch.setenv("COPILOT_URL", locked.url)
    cfg = (
        (project / "evalgate.yaml")
        .read_text()
        .replace(
            "  method: POST\n",
            '  method: POST\n  headers: {Authorization: "Bearer ${COPILOT_API_KEY}"}\n',
        )
    )
    cfg = cfg.replace(
        "reports: {dir: .evalgate/runs}",
        "reports: {dir: .evalgate/runs, junit: junit.xml, markdown: report.md, html: report.html}",
    )
    (project / "evalgate.yaml").write_text(cfg)
    monkeypatch.setenv("COPILOT_API_KEY", secret)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(project / "step-summary.md"))
    log = project / "calls.jsonl"
    codes = [
        main(["run", "--out", "s1", "--record-baseline", "--log-json", str(log)]),
        main(["run", "--out", "s2", "--json"]),
        main(["--debug", "run", "--out", "s3", "--baseline", "nope"]),
        main(["report", "s1"]),
    ]
    assert codes[0] == 0 and codes[1] == 0 and codes[2] == 3 and codes[3] == 0
    out, err = capsys.readouterr()
    produced = [p for p in project.rglob("*") if p.is_file() and "goldens" not in p.parts]
    assert any(p.name == "report.html" for p in produced) and log.exists()
    for p in produced:
        assert secret not in p.read_text(errors="replace"), p
    assert secret not in out and secret not in err
    locked.stop()
