"""The LLM judge through the CLI, against the demo server's OpenAI-compatible route."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalgate.demo.server import DemoServer, start_server
from tests.attack.conftest import Project
from tests.attack.inprocess import child, in_process
from tests.support.faultserver import FaultServer


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    """Commands run in-process (tests/attack/inprocess.py): the subject is not the process."""
    return in_process(tmp_path)


GOLDEN = {
    "dataset": "d",
    "cases": [
        {
            "id": "mentions-window",
            "input": {"message": "How long do customers have to ask for a refund?"},
            "expect": [{"rubric": "The answer must mention '30 days'"}],
        },
        {
            "id": "mentions-credit",
            "input": {"message": "How long do customers have to ask for a refund?"},
            "expect": [{"rubric": "The answer must mention 'store credit'"}],
        },
    ],
}


@pytest.fixture
def demo() -> Iterator[DemoServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


def _setup(
    project: Project, demo: DemoServer, gate: dict[str, Any] | None = None, **judge: Any
) -> None:
    project.write_config(
        {
            "url": f"{demo.url}/v1/copilot",
            "body": {"message": "{{ input.message }}", "tenantId": "acme"},
            "response": {"output": "answer"},
            "retries": 0,
        },
        judge={"base_url": f"{demo.url}/v1", "model": "demo-judge", "retries": 0, **judge},
        **({"gate": gate} if gate else {}),
    )
    project.write_golden("g.yaml", GOLDEN)


def _scores(project: Project) -> dict[str, dict[str, Any]]:
    """The results of the newest run: by when its folder last changed, not by name (run ids
    of the same second sort by their random suffix)."""
    runs = (project.root / ".evalgate" / "runs").iterdir()
    newest = max(runs, key=lambda p: p.stat().st_mtime_ns)
    return {r["case_id"]: r for r in project.results(str(newest.relative_to(project.root)))}


def test_rubric_gives_a_critique_and_a_rerun_asks_the_judge_nothing(
    project: Project, demo: DemoServer
) -> None:
    _setup(project, demo, api_key="sk-judge-secret-98765")
    first = project.cli("run", "--no-gate")
    assert first.code == 0, first.err
    assert "judge: 2 call(s), 0 verdict(s) from cache" in first.err
    res = _scores(project)
    bad = res["mentions-credit"]["scores"][0]
    assert "does not mention 'store credit'" in bad["reason"] and bad["advisory"] is True
    assert "not calibrated" in bad["reason"]
    assert res["mentions-window"]["scores"][0]["passed"] is True
    second = project.cli("run", "--no-gate")
    assert "judge: 0 call(s), 2 verdict(s) from cache" in second.err
    third = project.cli("run", "--no-gate", "--no-judge-cache")
    assert "judge: 2 call(s)" in third.err
    for out in (first, second, third):
        assert "sk-judge-secret-98765" not in out.out + out.err


@pytest.mark.parametrize("how", ["garbage", "down"])
def test_a_broken_judge_makes_the_run_inconclusive_not_a_regression(
    project: Project, demo: DemoServer, how: str
) -> None:
    if how == "garbage":
        _setup(project, demo, model="demo-judge-garbage")
    else:
        _setup(project, demo, base_url="http://127.0.0.1:9/v1", timeout_s=2)
    run = project.cli("run")
    assert run.code == 3, run.out + run.err
    assert all(r["outcome"] == "judge_error" for r in _scores(project).values())


def _labels(project: Project, *criteria: str, n: int = 10) -> None:
    """``n`` passing and ``n`` failing human labels for each quoted phrase in ``criteria``."""
    rows = [
        (c, o, lab)
        for c in criteria
        for o, lab in ((f"You get {c[1:-1]}.", "pass"), ("Ask again later.", "fail"))
    ] * n
    (project.root / "labels.yaml").write_text(
        "".join(
            f'- params: "The answer must mention {c}"\n  output: "{o}"\n  label: {lab}\n'
            for c, o, lab in rows
        ),
        "utf-8",
    )


def test_calibration_decides_whether_judge_failures_block(
    project: Project, demo: DemoServer
) -> None:
    _setup(project, demo, gate={"min_pass_rate": {"overall": 0.9, "scorer.rubric": 0.9}})
    before = project.cli("run")
    assert before.code == 0, before.out + before.err  # uncalibrated: its failure cannot block
    assert "advisory only: the judge is not calibrated" in before.err
    # the verdict says why: which cases, and what the judge lacks to block
    note = "LLM judge failures in 1 case(s) are advisory, not blocking (mentions-credit)"
    assert f"{note}: the judge is not calibrated" in before.err
    _labels(project, "'30 days'", n=4)  # 8 labels: too few, however well the judge agrees
    cal = project.cli("judge", "calibrate", "labels.yaml")
    assert cal.code == 0, cal.err
    assert "Cohen's kappa       1.000" in cal.out and "TPR (human pass)" in cal.out
    assert "stay advisory" in cal.out and "fewer than judge.min_labels 20" in cal.out
    _labels(project, "'30 days'")  # 20 labels, but only of the other case's criterion
    cal = project.cli("judge", "calibrate", "labels.yaml")
    assert "block merges" in cal.out, cal.out
    other = project.cli("run")
    assert other.code == 0, other.out + other.err  # its own criterion has no labels
    bad = _scores(project)["mentions-credit"]["scores"][0]
    assert bad["advisory"] is True and "no labels for this criterion" in bad["reason"]
    assert f"{note}: the calibration has no labels for this criterion" in other.err
    _labels(project, "'30 days'", "'store credit'")
    cal = project.cli("judge", "calibrate", "labels.yaml")
    assert "per criterion (kappa" in cal.out and "block merges" in cal.out, cal.out
    after = project.cli("run")
    assert after.code == 1, after.out + after.err  # calibrated: the same failure blocks
    bad = _scores(project)["mentions-credit"]
    assert bad["status"] == "failed" and "advisory" not in bad["scores"][0]


def test_votes_that_disagree_are_flagged_unstable(project: Project, demo: DemoServer) -> None:
    _setup(project, demo, model="demo-judge-split", votes=3)
    run = project.cli("run", "--no-gate")
    assert "unstable verdict" in run.err, run.err
    rec = _scores(project)["mentions-window"]["scores"][0]
    assert rec["judge"]["votes"] == [True, True, False] and rec["judge"]["unstable"] is True
    assert rec["passed"] is True and rec["score"] == pytest.approx(2 / 3)


def test_grounded_reads_the_mapped_passages(project: Project, demo: DemoServer) -> None:
    project.write_config(
        {
            "url": f"{demo.url}/v1/copilot",
            "body": {"message": "{{ input.message }}", "tenantId": "acme"},
            "response": {"output": "answer", "extra": {"passages": "retrieval.passages"}},
        },
        judge={"base_url": f"{demo.url}/v1", "model": "demo-judge"},
    )
    case = {"id": "g", "input": {"message": "How long do customers have to ask for a refund?"}}
    project.write_golden(
        "g.yaml", {"dataset": "d", "cases": [{**case, "expect": [{"grounded": True}]}]}
    )
    run = project.cli("run", "--no-gate")
    assert run.code == 0, run.err
    rec = _scores(project)["g"]["scores"][0]
    assert rec["passed"] is True and "every claim is supported" in rec["reason"]


def test_the_judge_key_from_the_environment_never_reaches_any_output(
    project: Project, demo: DemoServer, srv: FaultServer
) -> None:
    project = child(project)  # every output of the installed command, its streams included
    key = "sk-env-judge-key-5550123"
    _setup(project, demo)
    project.write_config(  # no base_url nor api_key: OPENAI_BASE_URL / OPENAI_API_KEY
        {
            "url": f"{demo.url}/v1/copilot",
            "body": {"message": "{{ input.message }}", "tenantId": "acme"},
            "response": {"output": "answer"},
        },
        judge={"model": "m", "retries": 0},
    )
    env = {"OPENAI_API_KEY": key, "OPENAI_BASE_URL": srv.url("/status")}  # echoes headers
    run = project.cli("run", env=env)
    assert run.code == 3, run.out + run.err
    assert "HTTP 500" in run.out + run.err
    files = [p for p in (project.root / ".evalgate").rglob("*") if p.is_file()]
    for text in [run.out, run.err, *(p.read_text("utf-8", "replace") for p in files)]:
        assert key not in text


def test_a_hanging_judge_ends_in_its_timeout_as_inconclusive(
    project: Project, demo: DemoServer, srv: FaultServer
) -> None:
    _setup(project, demo, base_url=srv.url("/hang"), timeout_s=0.5)
    run = project.cli("run", timeout=30)
    assert run.code == 3, run.out + run.err
    assert "no answer within 0.5 s (judge.timeout_s)" in run.out + run.err


def test_judge_tokens_and_cost_are_reported_apart(project: Project, demo: DemoServer) -> None:
    _setup(project, demo, pricing={"input_per_mtok": 1000.0, "output_per_mtok": 2000.0})
    run = project.cli("run", "--no-gate", "--out", "r")
    assert run.code == 0, run.err
    usage = project.read_json("r/judge.json")
    assert usage["calls"] == 2 and usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    expected = (usage["input_tokens"] * 1000 + usage["output_tokens"] * 2000) / 1e6
    assert usage["cost_usd"] == pytest.approx(expected)
    assert f"${expected:.4f}" in run.err
    summary = project.read_json("r/summary.json")
    assert "judge" not in json.dumps(summary.get("totals", {}))  # the target's totals only


def test_a_bad_judge_block_is_a_located_config_error(project: Project, demo: DemoServer) -> None:
    _setup(project, demo, temperature=5)
    run = project.cli("validate")
    assert run.code == 2 and "evalgate.yaml:" in run.out and "temperature" in run.out
    _setup(project, demo, base_url="ftp://x")
    run = project.cli("validate")
    assert run.code == 2 and "evalgate.yaml:" in run.out
    assert "judge.base_url must start with http:// or https://" in run.out
