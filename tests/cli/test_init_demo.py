from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from evalgate.cli.main import main


def test_init_scaffolds_a_project_that_validates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "proj"]) == 0
    for rel in (
        "evalgate.yaml",
        "goldens/example.yaml",
        "scorers/example.py",
        ".github/workflows/evalgate.yml",
    ):
        assert (tmp_path / "proj" / rel).is_file(), rel
    assert ".evalgate/runs/" in (tmp_path / "proj" / ".gitignore").read_text()
    monkeypatch.chdir(tmp_path / "proj")
    capsys.readouterr()
    assert main(["validate"]) == 0
    assert "custom scorers: answer_is_concise" in capsys.readouterr().err
    assert main(["init", "."]) == 2  # never overwrites without --force
    assert "already exist" in capsys.readouterr().err
    assert main(["init", ".", "--force"]) == 0


def test_init_project_runs_against_the_reference_middleware(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evalgate.demo.server import start_server

    monkeypatch.chdir(tmp_path)
    assert main(["init", "."]) == 0
    with start_server(port=0) as server:
        monkeypatch.setenv("COPILOT_URL", server.url)
        assert main(["run", "-q", "--out", "r", "--record-baseline"]) == 0


def test_demo_tells_the_story_and_exits_zero(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "EVALGATE_CONFIG")}
    proc = subprocess.run(
        [sys.executable, "-m", "evalgate", "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr
    assert "recorded baseline 'v1'" in err
    assert "evalgate: FAILED" in err and "The gate blocked v2 (exit 1)" in err
    assert "refund-window" in err  # a regressed case is named
    # the LLM judge's rubric: one failure with its critique, advisory (not calibrated)
    assert "rubric caught what no string check did, in invite-teammate" in err
    assert "the answer does not mention 'According to'" in err and "advisory" in err
    run = tmp_path / "evalgate-demo" / ".evalgate" / "runs" / "demo-v2"
    for name in ("report.html", "junit.xml", "report.md", "summary.json"):
        assert (run / name).is_file(), name
    assert proc.stdout == ""  # stdout is for what was asked; the story is on stderr
