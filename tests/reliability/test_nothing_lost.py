"""Nothing lost: a crash while a file is replaced keeps the old file; a torn or cut-short
results.jsonl is finished by ``--resume`` without calling finished cases again."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from evalgate import fsutil
from evalgate.cli.main import main
from evalgate.results_writer import ResultsWriter
from tests.reliability.conftest import FaultProject, unique

REPORTS = {
    "reports": {"dir": "runs", "junit": "junit.xml", "markdown": "report.md", "html": "r.html"}
}


def _keys(n: int) -> dict[str, str]:
    return {f"c{i}": unique(f"c{i}") for i in range(n)}


def _write(fp: FaultProject, keys: dict[str, str], **kw: Any) -> None:
    fp.write({cid: f"/ok?key={k}" for cid, k in keys.items()}, **kw)


class _Crash(OSError):
    pass


def _crash_on(monkeypatch: pytest.MonkeyPatch, name: str, how: str) -> list[str]:
    """Make the atomic write of files called ``name`` fail at step ``how``; log the failures."""
    failed: list[str] = []
    real_replace, real_fdopen = os.replace, os.fdopen

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).name == name and how == "replace":
            failed.append(str(dst))
            raise _Crash("disk full")
        real_replace(src, dst)

    class HalfWriter(io.TextIOWrapper):
        def write(self, s: str) -> int:
            super().write(s[: len(s) // 2])  # half the text reaches the temp file
            self.flush()
            failed.append(name)
            raise _Crash("disk full")

    def fdopen(fd: int, mode: str = "r", *a: Any, **kw: Any) -> Any:
        path = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else ""
        if how == "write" and Path(path).name.startswith(f".{name}."):
            return HalfWriter(open(fd, "wb", closefd=True), encoding="utf-8")
        return real_fdopen(fd, mode, *a, **kw)

    monkeypatch.setattr(fsutil.os, "replace", replace)
    monkeypatch.setattr(fsutil.os, "fdopen", fdopen)
    return failed


@pytest.mark.parametrize("how", ["replace", "write"])
@pytest.mark.parametrize("name", ["summary.json", "junit.xml", "report.md", "r.html"])
def test_a_crash_while_replacing_a_file_keeps_the_old_one(
    fp: FaultProject, monkeypatch: pytest.MonkeyPatch, name: str, how: str
) -> None:
    _write(fp, _keys(3), extra=REPORTS)
    assert fp.run("runs/a").code == 0 and fp.run("runs/b").code == 0
    target = fp.root / "runs" / "b" / name
    before = target.read_bytes()
    failed = _crash_on(monkeypatch, name, how)
    fp.capsys.readouterr()
    # resuming a finished run judges it again and rewrites its reports and summary.json
    code = main(["run", "--resume", "runs/b", "-q"])
    err = fp.capsys.readouterr().err
    assert failed, "the crash was not triggered"
    # the machine's fault, said plainly: exit 3, not "a bug in evalgate" (4)
    assert code == 3 and "Traceback" not in err and "internal error" not in err
    assert f"{name}: cannot write (disk full); the previous file" in err
    assert target.read_bytes() == before
    assert not [p.name for p in target.parent.iterdir() if p.name.endswith(".tmp")]
    if name == "summary.json":
        assert json.loads(before)["totals"]["passed"] == 3


@pytest.mark.parametrize("how", ["replace", "write"])
def test_a_crash_while_recording_a_baseline_keeps_the_old_baseline(
    fp: FaultProject, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    keys = _keys(3)
    _write(fp, keys, extra=REPORTS)
    assert main(["run", "--out", "runs/a", "-q", "--no-gate", "--prompt-version", "v1"]) == 0
    assert main(["baseline", "record", "runs/a", "--prompt-version", "v1"]) == 0
    path = fp.root / ".evalgate" / "baselines" / "v1.json"
    before = path.read_bytes()
    failed = _crash_on(monkeypatch, "v1.json", how)
    fp.capsys.readouterr()
    code = main(["run", "--out", "runs/b", "-q", "--record-baseline", "--prompt-version", "v1"])
    err = fp.capsys.readouterr().err
    assert failed and code == 3 and "Traceback" not in err and "v1.json: cannot write" in err
    assert path.read_bytes() == before
    assert main(["baseline", "show", "v1"]) == 0


def test_resume_after_a_kill_with_a_torn_last_line(fp: FaultProject) -> None:
    keys = _keys(6)
    _write(fp, keys)
    assert fp.run("r").code == 0
    results = fp.root / "r" / "results.jsonl"
    lines = results.read_bytes().splitlines(keepends=True)
    # as if killed while writing the 5th line: 4 whole lines and half of the next
    torn = lines[4][: len(lines[4]) // 2]
    results.write_bytes(b"".join(lines[:4]) + torn)
    (fp.root / "r" / "summary.json").unlink()
    kept = {json.loads(x)["case_id"] for x in lines[:4]}
    redo = {json.loads(x)["case_id"] for x in lines[4:]}
    ran = fp.run("r", "--resume", "r")
    assert ran.code == 0, ran.err
    raw = results.read_text().splitlines()
    ids = [json.loads(x)["case_id"] for x in raw]  # every line parses: the torn one is gone
    assert sorted(ids) == sorted(keys) and len(ids) == len(set(ids))
    assert raw[:4] == [x.decode().rstrip("\n") for x in lines[:4]]  # finished lines untouched
    assert all(fp.srv.count("ok", keys[c]) == 1 for c in kept)  # not called again
    assert all(fp.srv.count("ok", keys[c]) == 2 for c in redo)
    assert ran.summary["totals"]["results"] == 6 and ran.summary["interrupted"] is False


def test_a_crash_mid_run_keeps_written_results_and_resume_finishes(
    fp: FaultProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = _keys(8)
    _write(fp, keys, target={"concurrency": 1})
    real_write = ResultsWriter.write
    written: list[str] = []

    def crash_after_three(self: ResultsWriter, result: Any) -> None:
        if len(written) == 3:
            raise RuntimeError("simulated crash")
        real_write(self, result)
        written.append(result.case_id)

    monkeypatch.setattr(ResultsWriter, "write", crash_after_three)
    ran = fp.run("r")
    assert ran.code == 4 and "Traceback" not in ran.err  # a bug, said in one line
    assert len((fp.root / "r" / "results.jsonl").read_text().splitlines()) == 3
    monkeypatch.setattr(ResultsWriter, "write", real_write)
    ran = fp.run("r", "--resume", "r")
    assert ran.code == 0 and sorted(ran.results) == sorted(keys)
    assert all(fp.srv.count("ok", keys[c]) == 1 for c in written)
