"""Judge drift through the CLI: a new model behind the same name is caught."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from evalgate.demo import judge as demo_judge
from evalgate.demo.server import DemoServer, start_server
from tests.attack.conftest import Project
from tests.attack.inprocess import in_process


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    """Commands run in-process (tests/attack/inprocess.py): the subject is not the process."""
    return in_process(tmp_path)


class JudgeServer:
    """The demo's rule judge on loopback, with a switchable fingerprint and verdict flip."""

    def __init__(self) -> None:
        self.fingerprint = "fp1"
        self.flip = False
        self.calls = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.calls += 1
                out = demo_judge.chat(body)
                out["system_fingerprint"] = outer.fingerprint
                if outer.flip:
                    v = json.loads(out["choices"][0]["message"]["content"])
                    v["passed"] = not v["passed"]
                    out["choices"][0]["message"]["content"] = json.dumps(v)
                data = json.dumps(out).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"


@pytest.fixture
def servers() -> Iterator[tuple[DemoServer, JudgeServer]]:
    demo, judge = start_server(), JudgeServer()
    try:
        yield demo, judge
    finally:
        demo.stop()
        judge.httpd.shutdown()
        judge.httpd.server_close()


CRITERIA = ("'30 days'", "'store credit'")  # the goldens use the first


def _setup(project: Project, demo: DemoServer, judge: JudgeServer) -> None:
    project.write_config(
        {
            "url": f"{demo.url}/v1/copilot",
            "body": {"message": "{{ input.message }}", "tenantId": "acme"},
            "response": {"output": "answer"},
            "retries": 0,
        },
        judge={"base_url": judge.url, "model": "demo-judge", "retries": 0},
        gate={"min_pass_rate": {"overall": 0.5}},
    )
    q = {"message": "How long do customers have to ask for a refund?"}
    case = {"id": "c", "input": q, "expect": [{"rubric": "The answer must mention '30 days'"}]}
    project.write_golden("g.yaml", {"dataset": "d", "cases": [case]})
    rows = [
        (c, o, lab)
        for i in range(10)
        for c in CRITERIA
        for o, lab in ((f"You get {c[1:-1]} ({i}).", "pass"), (f"Ask again later ({i}).", "fail"))
    ]
    (project.root / "labels.yaml").write_text(
        "".join(
            f'- params: "The answer must mention {c}"\n  output: "{o}"\n  label: {lab}\n'
            for c, o, lab in rows
        ),
        "utf-8",
    )


def test_a_new_model_behind_the_same_name_makes_the_run_inconclusive(
    project: Project, servers: tuple[DemoServer, JudgeServer]
) -> None:
    demo, judge = servers
    _setup(project, demo, judge)
    cal = project.cli("judge", "calibrate", "labels.yaml")
    assert cal.code == 0 and "block merges" in cal.out, cal.out + cal.err
    stable = project.cli("run", "--out", "r1")
    assert stable.code == 0, stable.out + stable.err
    drift = project.read_json("r1/judge.json")["drift"]
    assert drift["status"] == "ok" and drift["checked"] == 5
    assert drift["calls"] == 0  # the same judge answered: its calibration verdicts are reused
    assert "5 calibration label(s) re-graded, 0 changed (0 call(s))" in stable.err
    # the provider swaps the model behind 'demo-judge': the run's verdicts all come from the
    # cache (same answers), yet the drift check asks the judge and sees it changed
    judge.fingerprint, judge.flip = "fp2", True
    before = judge.calls
    moved = project.cli("run", "--out", "r2")
    assert moved.code == 3, moved.out + moved.err
    text = moved.out + moved.err
    assert "the LLM judge drifted: 5 of 5 calibration labels" in text
    assert "fingerprint 'fp2'" in text and "fingerprint 'fp1'" in text and "re-calibrate" in text
    assert judge.calls - before == 5
    summary = project.read_json("r2/summary.json")
    assert summary["verdict"]["status"] == "inconclusive"
    assert any(r["kind"] == "judge_drift" for r in summary["verdict"]["reasons"])
    # a rescore asks the same judge: just as inconclusive
    rescore = project.cli("rescore", "r1", "--out", "r1-again")
    assert rescore.code == 3, rescore.out + rescore.err
    assert "the LLM judge drifted" in rescore.out + rescore.err


def test_a_new_snapshot_that_grades_alike_is_asked_and_passes(
    project: Project, servers: tuple[DemoServer, JudgeServer]
) -> None:
    demo, judge = servers
    _setup(project, demo, judge)
    assert project.cli("judge", "calibrate", "labels.yaml").code == 0
    judge.fingerprint = "fp3"
    run = project.cli("run", "--out", "r")
    assert run.code == 0, run.out + run.err
    drift = project.read_json("r/judge.json")["drift"]
    assert drift["status"] == "ok" and drift["calls"] == 5 and drift["changed"] == 0
    assert drift["served"] == ["demo-judge", "fp3"]
    assert drift["calibrated_served"] == ["demo-judge", "fp1"]
    off = project.cli("run", "--out", "r-off")  # a drift_sample of 0 turns the check off
    assert "judge drift check" in off.err
    cfg = (project.root / "evalgate.yaml").read_text("utf-8")
    (project.root / "evalgate.yaml").write_text(
        cfg.replace("model: demo-judge", "model: demo-judge\n  drift_sample: 0"), "utf-8"
    )
    off = project.cli("run", "--out", "r-none")
    assert off.code == 0 and "judge drift check" not in off.err, off.err
    assert "drift" not in project.read_json("r-none/judge.json")
