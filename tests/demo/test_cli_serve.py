"""``evalgate demo serve`` as a user runs it: a subprocess, a real port, Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from evalgate.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def _start(*args: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalgate", "demo", "serve", "--port", "0", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    m = re.search(r"listening on (http://\S+)", line)
    assert m, line
    return proc, m.group(1)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_answers_until_interrupted(sig: signal.Signals) -> None:
    proc, url = _start("--prompt-version", "v2", "--latency-ms", "1")
    try:
        body = httpx.post(f"{url}/v1/copilot", json={"message": "Do you ship internationally?"})
        assert body.status_code == 200 and body.json()["promptVersion"] == "v2"
        assert httpx.get(f"{url}/admin/config").json()["latency_ms"] == 1.0
    finally:
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 130, err
    assert "stopped" in err


def test_serve_rejects_an_unknown_prompt_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "serve", "--prompt-version", "v9", "--port", "0"]) == 2
    assert "--prompt-version 'v9' is unknown" in capsys.readouterr().err


def test_serve_reports_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["demo", "serve", "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
