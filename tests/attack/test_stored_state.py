"""Stored state is trusted only when it belongs to this run: resume, merge, baselines, locks.

The commands run in-process (tests/attack/inprocess.py: the subject is the stored state); the
runs that hold a folder, are killed or interrupted are the installed command in a child
process, and so is the lock's own test. The promises: a folder, shard set or baseline that
does not belong to the run being judged is refused with exit 2 (3 for an inconclusive run
asked to become a baseline), naming what is wrong; never exit 0 on borrowed answers, never 4.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.attack.conftest import CliRun, Project
from tests.attack.inprocess import child, in_process
from tests.support.faultserver import FaultServer

LOCK = ".evalgate.lock"


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    return in_process(tmp_path)


def _golden(n: int = 4, expected: str = "echo: m", **extra: Any) -> dict[str, Any]:
    return {
        "dataset": "state",
        "cases": [
            {
                "id": f"c{i}",
                "input": {"message": f"m{i}"},
                "expect": [{"contains": expected}],
                **extra,
            }
            for i in range(n)
        ],
    }


def _setup(project: Project, srv: FaultServer, path: str = "/echo", **golden: Any) -> None:
    target = {"url": srv.url(path), "body": {"message": "{{ input.message }}"}}
    if path.startswith("/sleep"):
        target["timeout_s"] = 5  # slow, not failing
    project.write_config(target)
    project.write_golden("state.yaml", _golden(**golden))


def _no_crash(run: CliRun) -> None:
    assert run.code != 4 and "Traceback" not in run.err and "internal error" not in run.err, run.err


def _refused(run: CliRun, *words: str, code: int = 2) -> None:
    _no_crash(run)
    assert run.code == code, (run.code, run.err)
    for w in words:
        assert w in run.err, (w, run.err)


def _wait_for(path: Path, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists() and path.stat().st_size > 0:
            return
        time.sleep(0.02)
    pytest.fail(f"{path} never appeared")


def _wait_for_holder(lock: Path, pid: int, timeout: float = 20.0) -> None:
    """Until process ``pid`` holds the lock (it writes its pid into the file once it does)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if lock.exists() and lock.read_text("utf-8").split() == [str(pid)]:
            return
        time.sleep(0.02)
    pytest.fail(f"process {pid} never took {lock}")


# -- resume --------------------------------------------------------------------------------


def test_resume_refuses_a_run_folder_of_another_project(
    project: Project, srv: FaultServer, tmp_path: Path
) -> None:
    other = type(project)(tmp_path / "other", project.env)
    other.root.mkdir()
    _setup(other, srv, path="/ok")
    assert other.cli("run", "--out", "done", "-q").code == 0
    # this project's endpoint fails every case: the other project's answers must not count
    _setup(project, srv, expected="refund window")
    hits = sum(srv.hits.values())
    ran = project.cli("run", "--resume", str(other.root / "done"), "-q")
    _refused(ran, "another configuration", "start a new run")
    assert sum(srv.hits.values()) == hits  # refused before any call


def test_resume_refuses_cases_changed_since_the_run_started(
    project: Project, srv: FaultServer
) -> None:
    _setup(project, srv)
    assert project.cli("run", "--out", "r", "-q").code == 0
    # the same config, the same ids, but a stricter expectation: old answers don't apply
    project.write_golden("state.yaml", _golden(expected="refund window"))
    _refused(project.cli("run", "--resume", "r", "-q"), "'c0' changed since the run started")
    project.write_golden("state.yaml", _golden(n=2))
    _refused(project.cli("run", "--resume", "r", "-q"), "'c2' is no longer in the goldens")


def test_resume_refuses_a_damaged_run_file(project: Project, srv: FaultServer) -> None:
    _setup(project, srv)
    assert project.cli("run", "--out", "r", "-q").code == 0
    (project.root / "r" / "run.json").write_text("{torn", "utf-8")
    _refused(project.cli("run", "--resume", "r", "-q"), "run.json: damaged run file")


def test_kill_9_then_resume_finishes_the_run(project: Project, srv: FaultServer) -> None:
    _setup(project, srv, path="/sleep?s=0.4", n=8)
    proc = project.popen("run", "--out", "r", "-q", "--concurrency", "1")
    _wait_for(project.root / "r" / "results.jsonl")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    done = len(project.results("r"))
    assert 0 < done < 8
    ran = project.cli("run", "--resume", "r", "-q")
    assert ran.code == 0, ran.err
    assert len(project.read_json("r/summary.json")["cases"]) == 8


# -- one writer per folder -----------------------------------------------------------------


def _slow_run(project: Project, srv: FaultServer, *args: str) -> subprocess.Popen[str]:
    """A run that keeps its folder locked for several seconds (killed by the test)."""
    _setup(project, srv, path="/sleep?s=1.5", n=4)
    proc = project.popen("run", *args, "-q", "--concurrency", "1")
    _wait_for(project.root / "r" / LOCK)
    _wait_for(project.root / "r" / "run.json")  # written just after the lock is taken
    return proc


def _unique_lines(project: Project) -> list[tuple[str, int]]:
    keys = [(r["case_id"], r["repeat"]) for r in project.results("r")]
    assert len(keys) == len(set(keys)), keys  # no case was run twice
    return keys


def test_a_second_run_into_a_busy_folder_exits_2(project: Project, srv: FaultServer) -> None:
    proc = _slow_run(project, srv, "--out", "r")
    try:
        run_id = project.read_json("r/run.json")["run_id"]
        _refused(project.cli("run", "--out", "r", "-q"), "another evalgate process")
        _refused(project.cli("run", "--resume", "r", "-q"), "another evalgate process")
        assert proc.poll() is None  # refused while the first run was still going
        assert project.read_json("r/run.json")["run_id"] == run_id
        _unique_lines(project)
    finally:
        proc.kill()
        proc.communicate(timeout=30)


def test_two_resumes_of_one_folder_do_not_both_run(project: Project, srv: FaultServer) -> None:
    first = _slow_run(project, srv, "--out", "r")
    _wait_for(project.root / "r" / "results.jsonl")
    first.kill()
    first.communicate(timeout=10)
    proc = project.popen("run", "--resume", "r", "-q", "--concurrency", "1")
    try:
        _wait_for_holder(project.root / "r" / LOCK, proc.pid)
        _refused(project.cli("run", "--resume", "r", "-q"), "another evalgate process")
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    _unique_lines(project)


@pytest.mark.parametrize(
    "command",
    [
        ("report", "r"),
        ("rescore", "r", "--out", "x", "--no-gate"),
        ("compare", "r", "r"),
        ("merge", "r", "--out", "x", "--allow-unsharded", "--no-gate"),
        ("baseline", "record", "r", "--prompt-version", "v1"),
    ],
)
def test_readers_refuse_a_folder_being_written(
    project: Project, srv: FaultServer, command: tuple[str, ...]
) -> None:
    proc = _slow_run(project, srv, "--out", "r")
    try:
        _refused(project.cli(*command), "another evalgate process", "still being written")
        assert proc.poll() is None  # the run was still writing when the reader was refused
    finally:
        proc.kill()
        proc.communicate(timeout=30)


# -- merge ---------------------------------------------------------------------------------


def _shards(project: Project, srv: FaultServer, n: int = 2) -> None:
    _setup(project, srv, n=12)
    for i in range(1, n + 1):
        ran = project.cli("run", "--shard", f"{i}/{n}", "--out", f"s{i}", "--no-gate", "-q")
        assert ran.code == 0, ran.err


def test_merge_refuses_a_missing_shard(project: Project, srv: FaultServer) -> None:
    _shards(project, srv)
    _refused(project.cli("merge", "s1", "--out", "m", "-q"), "shard(s) 2/2 missing")
    assert not (project.root / "m").exists()
    assert project.cli("merge", "s1", "s2", "--out", "m", "-q").code == 0


def test_merge_refuses_a_shard_named_twice(project: Project, srv: FaultServer) -> None:
    _shards(project, srv)
    (project.root / "copy").mkdir()
    for f in ("run.json", "results.jsonl", "summary.json"):
        (project.root / "copy" / f).write_bytes((project.root / "s1" / f).read_bytes())
    _refused(
        project.cli("merge", "s1", "copy", "s2", "--out", "m", "-q"), "shard 1/2 is named more"
    )


def test_merge_refuses_shards_of_other_configs_or_splits(
    project: Project, srv: FaultServer
) -> None:
    _shards(project, srv)
    cfg = project.root / "evalgate.yaml"
    cfg.write_text(cfg.read_text("utf-8").replace("concurrency: 4", "concurrency: 3"), "utf-8")
    assert project.cli("run", "--shard", "2/2", "--out", "t2", "--no-gate", "-q").code == 0
    _refused(project.cli("merge", "s1", "t2", "--out", "m", "-q"), "different configurations")
    assert project.cli("run", "--shard", "1/3", "--out", "u1", "--no-gate", "-q").code == 0
    _refused(project.cli("merge", "t2", "u1", "--out", "m", "-q"), "different splits")


def test_merge_refuses_unfinished_shards(project: Project, srv: FaultServer) -> None:
    _shards(project, srv)
    (project.root / "s2" / "summary.json").unlink()  # killed before its end
    _refused(project.cli("merge", "s1", "s2", "--out", "m", "-q"), "did not finish", "--resume")


@pytest.mark.parametrize("command", [("rescore", "r", "--out", "x"), ("compare", "full", "r")])
def test_an_unfinished_run_never_passes_offline(
    project: Project, srv: FaultServer, command: tuple[str, ...]
) -> None:
    _setup(project, srv, n=4)
    assert project.cli("run", "--out", "full", "-q").code == 0
    assert project.cli("run", "--out", "r", "-q").code == 0
    lines = (project.root / "r" / "results.jsonl").read_text("utf-8").splitlines(keepends=True)
    (project.root / "r" / "results.jsonl").write_text("".join(lines[:2]), "utf-8")
    (project.root / "r" / "summary.json").unlink()  # as a kill -9 leaves it
    _refused(project.cli(*command), "did not finish", "--resume", code=3)


def test_merge_of_unsharded_runs_needs_the_option(project: Project, srv: FaultServer) -> None:
    _setup(project, srv, n=4)
    assert project.cli("run", "--case", "c0", "--out", "a", "--no-gate", "-q").code == 0
    assert project.cli("run", "--case", "c1", "--out", "b", "--no-gate", "-q").code == 0
    _refused(project.cli("merge", "a", "b", "--out", "m", "-q"), "--allow-unsharded")
    joined = project.cli("merge", "a", "b", "--out", "m", "-q", "--allow-unsharded")
    assert joined.code == 0, joined.err
    assert sorted(r["case_id"] for r in project.results("m")) == ["c0", "c1"]
    assert project.cli("run", "--out", "c", "--no-gate", "-q").code == 0
    both = project.cli("merge", "a", "c", "--out", "m2", "-q", "--allow-unsharded")
    _refused(both, "is in both")  # the same cases twice is still an error


# -- baselines -----------------------------------------------------------------------------


def test_record_baseline_refuses_a_run_with_every_case_skipped(
    project: Project, srv: FaultServer
) -> None:
    _setup(project, srv, skip="not yet")
    ran = project.cli(
        "run", "--no-gate", "--record-baseline", "--prompt-version", "v1", "--out", "r", "-q"
    )
    _refused(ran, "no case of this run was scored")
    assert not (project.root / ".evalgate" / "baselines" / "v1.json").exists()


def _record_from(project: Project, run: str) -> CliRun:
    return project.cli("baseline", "record", run, "--prompt-version", "v1")


def test_baseline_record_refuses_interrupted_and_inconclusive_runs(
    project: Project, srv: FaultServer
) -> None:
    _setup(project, srv, path="/sleep?s=0.5", n=6)
    proc = project.popen("run", "--out", "r", "-q", "--concurrency", "1")
    _wait_for(project.root / "r" / "results.jsonl")
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=20)
    assert proc.returncode == 130
    _refused(_record_from(project, "r"), "interrupted", "--resume")
    _setup(project, srv, path="/status?code=500")
    assert project.cli("run", "--no-gate", "--out", "down", "-q").code == 3
    _refused(_record_from(project, "down"), "inconclusive", code=3)
    assert not (project.root / ".evalgate" / "baselines" / "v1.json").exists()


def _recorded(project: Project, srv: FaultServer) -> Path:
    _setup(project, srv)
    ran = project.cli(
        "run", "--no-gate", "--record-baseline", "--prompt-version", "v1", "--out", "r", "-q"
    )
    assert ran.code == 0, ran.err
    return project.root / ".evalgate" / "baselines" / "v1.json"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('"score": 1.0', '"score": 0.0'), "'score' is 0 although"),
        (lambda t: t.replace('"score": 1.0', '"score": 7'), "'score' must be a number from 0"),
        (lambda t: t.replace('"score": 1.0', '"score": NaN'), "NaN is not a number"),
        (lambda t: t.replace('"score": 1.0', '"score": Infinity'), "Infinity is not a number"),
        (lambda t: t.replace('"score": 1.0', '"score": "1"'), "'score' must be a number"),
        (lambda t: t.replace('"passes": 1', '"passes": 0'), "'pass_rate' 1.0 is not passes"),
        (lambda t: t.replace('"n": 1,', '"n": 1, "n": 5,', 1), "key 'n' appears twice"),
        (lambda t: json.dumps({**json.loads(t), "cases": {}}), "records no case"),
    ],
)
def test_a_hand_edited_baseline_is_refused(
    project: Project, srv: FaultServer, edit: Any, message: str
) -> None:
    path = _recorded(project, srv)
    path.write_text(edit(path.read_text("utf-8")), "utf-8")
    # the endpoint now fails every case; the edited baseline must not excuse it
    _setup(project, srv, expected="refund window")
    ran = project.cli("run", "--baseline", "v1", "--prompt-version", "v1", "--out", "r2", "-q")
    _refused(ran, "v1.json", message, "record it again")
    _refused(project.cli("baseline", "list"), message)


# -- damaged run files ---------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["summary", "results"])
@pytest.mark.parametrize(
    "command",
    [
        ("report", "r"),
        ("rescore", "r", "--out", "x"),
        ("compare", "r", "r"),
        ("merge", "r", "--out", "x", "--allow-unsharded"),
        ("baseline", "record", "r", "--prompt-version", "v1"),
        ("run", "--resume", "r", "-q"),
    ],
)
def test_damaged_run_files_are_reported_not_crashed_on(
    project: Project, srv: FaultServer, damage: str, command: tuple[str, ...]
) -> None:
    _setup(project, srv, n=2)
    assert project.cli("run", "--out", "r", "-q").code == 0
    if damage == "summary":
        (project.root / "r" / "summary.json").write_text('{"format_version": 1, "totals": 3}\n')
    else:
        with open(project.root / "r" / "results.jsonl", "a", encoding="utf-8") as f:
            f.write('{"case_id": 5, "status": [1]}\n{"ok": true}\n')
    ran = project.cli(*command)
    _no_crash(ran)
    if command[0] == "run" and damage == "summary":
        assert ran.code == 0, ran.err  # resume rewrites the summary from the results
    else:
        assert ran.code == 2, (ran.code, ran.err)
        assert "r/" in ran.err or "r:" in ran.err, ran.err


def test_lock_file_does_not_outlive_its_holder(project: Project, srv: FaultServer) -> None:
    project = child(project)  # the holder is a process of its own, then gone
    _setup(project, srv)
    assert project.cli("run", "--out", "r", "-q").code == 0
    # the lock file stays (with the pid that held it) but nobody holds it any more
    assert (project.root / "r" / LOCK).exists()
    assert project.cli("report", "r", "-q").code == 0
    assert str(os.getpid()) not in (project.root / "r" / LOCK).read_text()
