"""results.jsonl is written in batches, and a kill -9 still loses only the last second.

The installed ``evalgate`` is killed with SIGKILL in the middle of a run against a slow
endpoint: the results it had finished more than a flush interval before are on disk, and
``--resume`` calls only the cases that are not, then passes with every case once.
"""

from __future__ import annotations

import json
import signal
import time

from tests.attack.conftest import Project
from tests.support.faultserver import FaultServer

N = 40


def _setup(project: Project, url: str) -> None:
    project.write_config(
        {"url": url, "body": {"message": "{{ input.message }}"}, "concurrency": 2, "timeout_s": 5}
    )
    cases = [
        {"id": f"c{i:03d}", "input": {"message": f"m{i}"}, "expect": [{"contains": "echo"}]}
        for i in range(N)
    ]
    project.write_golden("cases.yaml", {"dataset": "d", "cases": cases})


def _lines(project: Project) -> int:
    path = project.root / "r" / "results.jsonl"
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _settled(srv: FaultServer, key: str) -> int:
    """The server's count of ``key``'s calls once it stops moving: a request the killed
    process had sent may be read by the server a moment after the kill."""
    last = srv.count("sleep", key)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = srv.count("sleep", key)
        if now == last:
            return now
        last = now
    return last


def test_a_killed_run_keeps_what_finished_a_second_before_and_resume_finishes_it(
    project: Project, srv: FaultServer
) -> None:
    key = f"kill-{time.monotonic_ns()}"
    _setup(project, srv.url(f"/sleep?s=0.1&key={key}"))
    proc = project.popen("run", "--out", "r", "-q")
    try:
        # 40 cases at 2 in flight × 0.1 s: ~2 s in all, and fewer lines than a batch (100):
        # lines appear while the run goes on only because a batch is flushed every second
        deadline = time.monotonic() + 30
        while _lines(project) < 3:
            assert proc.poll() is None, f"the run ended before it was killed: {proc.stderr}"
            assert time.monotonic() < deadline, "no result reached the disk within 30 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == -signal.SIGKILL
    whole = (project.root / "r" / "results.jsonl").read_text("utf-8").split("\n")[:-1]
    kept = {json.loads(line)["case_id"] for line in whole}  # a torn last line is not kept
    assert 3 <= len(kept) < N  # killed mid-run, with what was flushed on disk
    calls = _settled(srv, key)
    resumed = project.cli("run", "--resume", "r", "-q", timeout=60)
    assert resumed.code == 0, resumed.err
    # the resume called exactly the cases whose results were not on disk
    assert srv.count("sleep", key) - calls == N - len(kept)
    results = project.results("r")
    assert sorted({r["case_id"] for r in results}) == [f"c{i:03d}" for i in range(N)]
    summary = project.read_json("r/summary.json")
    assert summary["totals"]["results"] == N and summary["totals"]["passed"] == N
