"""The installed `evalgate run` with aiohttp imported in a thread (evalgate/target/warm.py):
an https endpoint verifies exactly as before, and the report off a terminal is rich's text."""

from __future__ import annotations

import http.server
import io
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalgate.report.terminal import make_console, print_report
from evalgate.report.view import RunView
from tests.attack.conftest import Project
from tests.perf.test_startup import _Answer

BODY = {"message": "{{ input.message }}"}


def case(case_id: str, expected: str) -> dict[str, object]:
    return {"id": case_id, "input": {"message": "refund?"}, "expect": [{"contains": expected}]}


@pytest.fixture()
def https_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An https endpoint on loopback with a self-signed certificate; (its URL, the cert)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/chat", cert
    finally:
        server.shutdown()
        server.server_close()


def test_an_https_endpoint_verifies_as_before(
    project: Project, https_server: tuple[str, Path]
) -> None:
    url, cert = https_server
    target = {"url": url, "body": BODY, "response": {"output": "answer"}, "retries": 0}
    project.write_config({**target, "timeout_s": 5, "connect_timeout_s": 5})
    project.write_golden("faq.yaml", {"cases": [case("refund", "30 days")]})
    env = {"SSL_CERT_FILE": "", "SSL_CERT_DIR": ""}
    untrusted = project.cli("run", "--no-gate", "--out", "runs/untrusted", env=env)
    (result,) = project.results("runs/untrusted")
    assert result["outcome"] == "connection_error"
    assert "certificate verify failed" in result["error"].lower()
    assert untrusted.code != 0
    trusted = project.cli(
        "run", "--no-gate", "--out", "runs/trusted", env={"SSL_CERT_FILE": str(cert)}
    )
    assert trusted.code == 0, trusted.err
    (result,) = project.results("runs/trusted")
    assert result["outcome"] == "success"


def test_the_report_off_a_terminal_is_what_rich_writes(
    project: Project, https_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the report the run printed (the plain writer) is the one rich prints for the same run
    url, cert = https_server
    project.write_config({"url": url, "body": BODY, "response": {"output": "answer"}})
    cases = [case(f"case-{i}", "30 days" if i % 2 else "never") for i in range(5)]
    project.write_golden("faq.yaml", {"cases": cases})
    env = {"SSL_CERT_FILE": str(cert), "COLUMNS": "100"}
    run = project.cli("run", "--no-gate", "--out", "runs/r", env=env)
    assert run.code == 0, run.err
    monkeypatch.setenv("COLUMNS", "100")
    buf = io.StringIO()
    view = RunView.load(project.root / "runs" / "r")
    print_report(view, console=make_console({}, file=buf))
    shown = buf.getvalue()
    assert shown.splitlines()[0].startswith("cases ")
    assert shown in run.err
