"""Paths for annotations and links are relative to the repository root, not the working folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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


# -- ordered_writes: each file's fsync overlaps the making of the next ------------------------


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Log ("fsync", name) and ("replace", name) as the atomic writes happen."""
    import os

    from evalgate import fsutil

    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        real_fsync(fd)
        name = os.readlink(f"/proc/self/fd/{fd}").rsplit("/", 1)[1].split(".")[1]
        events.append(("fsync", name))

    def replace(src: str, dst: str) -> None:
        real_replace(src, dst)
        events.append(("replace", Path(dst).stem))

    monkeypatch.setattr(fsutil.os, "fsync", fsync)
    monkeypatch.setattr(fsutil.os, "replace", replace)
    return events


def test_ordered_writes_put_every_file_on_disk_before_it_replaces_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evalgate import fsutil

    events = _spy(monkeypatch)
    with fsutil.ordered_writes():
        fsutil.atomic_write_chunks(tmp_path / "a.xml", iter(["<a>", "</a>\n"]))
        fsutil.atomic_write_text(tmp_path / "b.md", "b\n")
        fsutil.atomic_write_wide_json(tmp_path / "c.json", {"x": [1, 2]})
    assert [e for e in events if e[0] == "replace"] == [
        ("replace", "a"),
        ("replace", "b"),
        ("replace", "c"),
    ]
    for name in "abc":
        assert events.index(("fsync", name)) < events.index(("replace", name))
    assert (tmp_path / "a.xml").read_text() == "<a></a>\n"
    assert (tmp_path / "b.md").read_text() == "b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xml", "b.md", "c.json"]


def test_a_files_fsync_runs_while_the_next_one_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import threading

    from evalgate import fsutil

    next_started = threading.Event()
    real_fsync = os.fsync
    calls: list[int] = []
    overlapped: list[bool] = []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 1:  # the first file waits until the second is being made
            overlapped.append(next_started.wait(timeout=10))
        real_fsync(fd)

    def second() -> Iterator[str]:
        next_started.set()
        yield "second\n"

    monkeypatch.setattr(fsutil.os, "fsync", fsync)
    with fsutil.ordered_writes():
        fsutil.atomic_write_text(tmp_path / "first.txt", "first\n")
        fsutil.atomic_write_chunks(tmp_path / "second.txt", second())
    assert overlapped == [True]
    assert (tmp_path / "first.txt").read_text() == "first\n"


@pytest.mark.parametrize("failing", ["a", "b"])
def test_after_a_failed_fsync_no_later_file_is_put_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    import os

    from evalgate import fsutil

    for name in "abc":
        (tmp_path / f"{name}.txt").write_text("old\n")
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").rsplit("/", 1)[1].startswith(f".{failing}."):
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(fsutil.os, "fsync", fsync)
    failed = pytest.raises(fsutil.WriteFailedError, match=rf"{failing}\.txt: cannot write")
    with failed, fsutil.ordered_writes():
        for name in "abc":
            fsutil.atomic_write_text(tmp_path / f"{name}.txt", "new\n")
    texts = {name: (tmp_path / f"{name}.txt").read_text() for name in "abc"}
    done = "ab".index(failing)  # the files before the failing one are in place
    assert texts == {n: "new\n" if i < done else "old\n" for i, n in enumerate("abc")}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt", "c.txt"]


def test_an_error_making_a_file_leaves_the_earlier_ones_in_place(tmp_path: Path) -> None:
    from evalgate import fsutil

    (tmp_path / "b.txt").write_text("old\n")

    def broken() -> Iterator[str]:
        yield "half"
        raise RuntimeError("renderer bug")

    with pytest.raises(RuntimeError, match="renderer bug"), fsutil.ordered_writes():
        fsutil.atomic_write_text(tmp_path / "a.txt", "new\n")
        fsutil.atomic_write_chunks(tmp_path / "b.txt", broken())
    assert (tmp_path / "a.txt").read_text() == "new\n"
    assert (tmp_path / "b.txt").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_without_a_thread_to_spare_the_file_is_flushed_in_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from evalgate import fsutil

    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    events = _spy(monkeypatch)
    monkeypatch.setattr(threading.Thread, "start", refuse)
    with fsutil.ordered_writes():
        fsutil.atomic_write_text(tmp_path / "a.txt", "a\n")
        fsutil.atomic_write_text(tmp_path / "b.txt", "b\n")
    assert events == [("fsync", "a"), ("fsync", "b"), ("replace", "a"), ("replace", "b")]
    assert (tmp_path / "b.txt").read_text() == "b\n"
