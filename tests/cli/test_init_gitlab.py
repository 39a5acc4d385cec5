"""``evalgate init --ci gitlab``: a .gitlab-ci.yml that includes the GitLab template."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evalgate import install
from evalgate.cli.main import main


def test_gitlab_writes_the_include_instead_of_the_github_workflow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(install, "install_source", lambda: None)
    assert main(["init", "--ci", "gitlab", "."]) == 0
    assert not (tmp_path / ".github").exists()
    ci = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())
    assert "OWNER/REPO" in ci["include"][0]["remote"]
    assert "replace OWNER/REPO" in capsys.readouterr().err
    assert main(["validate"]) == 0
    assert main(["init", "--ci", "gitlab", "."]) == 2  # never overwrites without --force
    assert main(["init", "--ci", "jenkins", "other"]) == 2


def test_the_include_and_install_follow_the_source_evalgate_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    monkeypatch.setattr(
        install, "install_source", lambda: f"git+https://github.com/acme/evalgate.git@{sha}"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--ci", "gitlab", "."]) == 0
    ci = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())
    assert ci["include"][0]["remote"] == (
        f"https://raw.githubusercontent.com/acme/evalgate/{sha}"
        "/evalgate/templates/gitlab/evalgate.gitlab-ci.yml"
    )
    assert ci["variables"]["EVALGATE_INSTALL"] == f"git+https://github.com/acme/evalgate@{sha}"
