"""stdout and stderr of a command: secrets masked, nothing unencodable can end the run."""

from __future__ import annotations

import io
import sys

import pytest

from evalgate import masking
from evalgate.cli.main import main
from evalgate.cli.streams import ScrubbingStream, guarded_streams


def test_guarded_streams_mask_secrets_and_restore_the_streams(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    masking.register_named({"stream-secret-123": "S"})
    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii", write_through=True)
    monkeypatch.setattr(sys, "stdout", out)
    with guarded_streams():
        assert isinstance(sys.stdout, ScrubbingStream)
        print("key stream-secret-123 and a lone \ud800 surrogate, é")
        sys.stdout.flush()
    assert sys.stdout is out
    written = out.buffer.getvalue().decode("ascii")  # type: ignore[attr-defined]
    assert "stream-secret-123" not in written and "${S}" in written
    assert "\\ud800" in written and "\\xe9" in written


def test_an_error_message_cannot_drive_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--config", "no\x1b[2Jsuch\x07.yaml"])
    err = capsys.readouterr().err
    assert code == 2
    assert "\x1b" not in err and "\x07" not in err
    assert "\\x1b[2J" in err


def test_an_error_message_cannot_start_a_workflow_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["run", "--config", "x\n::error::fake\n##[error]fake.yaml"])
    err = capsys.readouterr().err
    assert code == 2
    assert not [ln for ln in err.splitlines() if ln.lstrip().startswith(("::", "##["))]
