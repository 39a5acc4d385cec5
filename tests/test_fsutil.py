"""Paths for annotations and links are relative to the repository root, not the working folder."""

from __future__ import annotations

from pathlib import Path

from evalgate.fsutil import repo_path, repo_root


def test_a_path_from_a_subfolder_is_made_relative_to_the_git_top_level(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "services" / "copilot"
    sub.mkdir(parents=True)
    assert repo_root({}, sub) == tmp_path
    assert repo_path("goldens/a.yaml", {}, sub) == "services/copilot/goldens/a.yaml"
    assert repo_path("./goldens/a.yaml", {}, sub) == "services/copilot/goldens/a.yaml"
    assert repo_path("../shared/g.yaml", {}, sub) == "services/shared/g.yaml"
    assert repo_path(str(sub / "goldens/a.yaml"), {}, sub) == "services/copilot/goldens/a.yaml"
    assert repo_path("goldens/a.yaml", {}, tmp_path) == "goldens/a.yaml"  # at the root: as is


def test_the_workspace_is_the_root_without_git_and_outside_paths_stay(tmp_path: Path) -> None:
    ws, sub = tmp_path / "ws", tmp_path / "ws" / "app"
    sub.mkdir(parents=True)
    env = {"GITHUB_WORKSPACE": str(ws)}
    assert repo_path("goldens/a.yaml", env, sub) == "app/goldens/a.yaml"
    assert repo_path("/elsewhere/g.yaml", env, sub) == "/elsewhere/g.yaml"
    assert repo_path("goldens/a.yaml", {}, sub) == "goldens/a.yaml"  # no root known
    assert repo_path("", env, sub) == ""
    other = tmp_path / "other"
    other.mkdir()
    assert repo_root(env, other) is None  # a workspace that does not hold the folder


def test_atomic_files_honour_the_umask(tmp_path: Path) -> None:
    import os
    import stat

    from evalgate import fsutil

    old = os.umask(0o022)
    fsutil._file_mode.cache_clear()
    try:
        fsutil.atomic_write_text(tmp_path / "report.md", "hello\n")
        fsutil.atomic_write_json(tmp_path / "summary.json", {"a": 1})
    finally:
        os.umask(old)
        fsutil._file_mode.cache_clear()
    for name in ("report.md", "summary.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name
