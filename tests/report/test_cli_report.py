"""`evalgate report RUN`: writes the reports from a stored run."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalgate.cli.main import main
from evalgate.report import DEFAULT_FILES, RunView, write_reports
from evalgate.report.markdown import MARKER


def test_writes_all_three_into_the_run_by_default(
    regressed_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert main(["report", str(regressed_dir)]) == 0
    for name in DEFAULT_FILES.values():
        assert (regressed_dir / name).stat().st_size > 0
    captured = capsys.readouterr()
    assert captured.out == ""  # stdout is for what was asked; the report goes to stderr
    assert "evalgate: FAILED" in captured.err
    assert f"html report: {regressed_dir / 'report.html'}" in captured.err


def test_writes_only_what_is_asked(regressed_dir: Path, tmp_path: Path) -> None:
    md = tmp_path / "out" / "comment.md"
    assert main(["report", str(regressed_dir), "--markdown", str(md), "--quiet"]) == 0
    assert md.read_text().startswith(MARKER)
    assert not (regressed_dir / "report.html").exists()


def test_github_mode(
    regressed_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    junit = tmp_path / "j.xml"
    assert main(["report", str(regressed_dir), "--junit", str(junit), "--github", "-q"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("::error title=evalgate%3A gate fail::")
    assert any(ln.startswith("::error file=goldens/support.yaml,line=4,") for ln in out)
    assert summary.read_text().startswith(MARKER)


def test_github_flag_outside_actions_says_so(
    regressed_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert (
        main(["report", str(regressed_dir), "--html", str(regressed_dir / "x.html"), "--github"])
        == 0
    )
    captured = capsys.readouterr()
    assert captured.out == "" and "not running in GitHub Actions" in captured.err


def test_missing_run_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert "pass a run folder written by 'evalgate run'" in capsys.readouterr().err


def test_write_reports_returns_what_it_wrote(regressed_dir: Path, tmp_path: Path) -> None:
    view = RunView.load(regressed_dir)
    written = write_reports(view, junit=tmp_path / "a.xml", html=tmp_path / "b.html")
    assert written == {"junit": tmp_path / "a.xml", "html": tmp_path / "b.html"}
    assert all(p.exists() for p in written.values())
