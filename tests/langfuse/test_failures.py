"""Failures reading from Langfuse: each gets a clear message and the documented exit code."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from evalgate.cli.main import main
from tests.langfuse_server import SECRET_KEY, LangfuseServer

IMPORT = ["import", "langfuse", "--out", "goldens/imported.yaml", "--score", "user_feedback<=0"]


def run(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str]:
    rc = main(args)
    captured = capsys.readouterr()
    assert SECRET_KEY not in captured.out + captured.err
    return rc, captured.err


def test_bad_keys_exit_2_without_printing_them(
    lf_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-lf-wrong-secret-0000")
    rc, err = run(capsys, IMPORT)
    assert rc == 2
    assert "rejected the API keys (401 on GET /api/public/v3/scores)" in err
    assert "sk-lf-wrong-secret-0000" not in err


def test_missing_keys_exit_2(
    lf_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LANGFUSE_SECRET_KEY")
    rc, err = run(capsys, IMPORT)
    assert rc == 2
    assert "no Langfuse API key: set LANGFUSE_SECRET_KEY" in err


def test_unreachable_host_exit_3(
    lf_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("LANGFUSE_BASE_URL", f"http://127.0.0.1:{port}")
    rc, err = run(capsys, IMPORT)
    assert rc == 3
    assert f"cannot reach Langfuse at http://127.0.0.1:{port}" in err


def test_server_too_old_exit_3(
    lf_server: LangfuseServer, lf_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lf_server.old_server = True
    rc, err = run(capsys, IMPORT)
    assert rc == 3
    assert "does not offer GET /api/public/v3/scores (404): this server is too old" in err
    rc, err = run(capsys, ["import", "langfuse", "--out", "x.yaml", "--tag", "billing"])
    assert rc == 3
    assert "GET /api/public/v2/observations (404)" in err


def test_server_error_exit_3_after_retries(
    lf_server: LangfuseServer, lf_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lf_server.fail_status["/api/public/v3/scores"] = 503
    rc, err = run(capsys, IMPORT)
    assert rc == 3
    assert "failed on GET /api/public/v3/scores (503) after retries" in err
    assert lf_server.count("GET", "/api/public/v3/scores") == 3  # the SDK retried twice


def test_slow_server_times_out_exit_3(
    lf_server: LangfuseServer, lf_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (lf_env / "evalgate.yaml").write_text(
        "target: {url: http://127.0.0.1:1/x}\nlangfuse: {timeout_s: 0.3}\n"
    )
    lf_server.delay_s = 1.5
    rc, err = run(capsys, IMPORT)
    assert rc == 3
    assert "did not answer GET /api/public/v3/scores within 0.3 s" in err
    assert not (lf_env / "goldens" / "imported.yaml").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--score", "x<=abc"], "--score 'x<=abc': <= needs a number"),
        (["--score", "<=1"], "--score '<=1': expected NAME"),
        (["--since", "7 days"], "--since '7 days': expected a number and a unit"),
        (["--from", "yesterday"], "--from 'yesterday': expected an ISO 8601 time"),
        (["--since", "1d", "--from", "2026-01-01"], "use either --since or --from"),
    ],
)
def test_bad_filters_exit_2(
    lf_env: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    rc, err = run(capsys, ["import", "langfuse", "--out", "x.yaml", *args])
    assert rc == 2
    assert message in err


def test_help_does_not_import_langfuse() -> None:
    code = (
        "import sys\nfrom evalgate.cli.main import main\n"
        "rc = main(['import', 'langfuse', '--help'])\n"
        "print(rc, 'langfuse' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout  # fmt: skip
    assert out.strip().endswith("0 False")
