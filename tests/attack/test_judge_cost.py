"""The run's cost budget (target + LLM judge) through the CLI, on loopback servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalgate.demo.copilot import MODEL
from evalgate.demo.server import DemoServer, start_server
from tests.attack.conftest import Project
from tests.attack.inprocess import in_process


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    """Commands run in-process (tests/attack/inprocess.py): the subject is not the process."""
    return in_process(tmp_path)


N = 5
PRICE = {"input_per_mtok": 1000.0, "output_per_mtok": 2000.0}  # a judge call: ~$0.1


@pytest.fixture
def demo() -> Iterator[DemoServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


def _setup(project: Project, demo: DemoServer, *, target_priced: bool = True, **more: Any) -> None:
    response = {"output": "answer", "prompt_version": "promptVersion"}
    if target_priced:
        response |= {
            "model": "model",
            "input_tokens": "usage.input_tokens",
            "output_tokens": "usage.output_tokens",
        }
    project.write_config(
        {
            "url": f"{demo.url}/v1/copilot",
            "body": {"message": "{{ input.message }}", "tenantId": "acme"},
            "response": response,
            "retries": 0,
            "concurrency": 1,  # one case at a time: the budget stops after a known count
            **more,
        },
        judge={"base_url": f"{demo.url}/v1", "model": "demo-judge", "pricing": PRICE},
        **(
            {"pricing": {MODEL: {"input_per_mtok": 1.0, "output_per_mtok": 1.0}}}
            if target_priced
            else {}
        ),
    )
    cases = [
        {
            "id": f"refund-{i}",
            "input": {"message": f"How long do customers have to ask for a refund? ({i})"},
            "expect": [{"rubric": "The answer must mention '30 days'"}],
        }
        for i in range(N)
    ]
    project.write_golden("g.yaml", {"dataset": "d", "cases": cases})


def test_a_spent_budget_stops_inconclusive_and_resume_finishes_with_a_larger_one(
    project: Project, demo: DemoServer
) -> None:
    _setup(project, demo)
    run = project.cli("run", "--no-gate", "--out", "r", "--max-cost", "0.05")
    assert run.code == 3, run.out + run.err
    assert "cost budget $0.05 (target.max_cost_usd, or --max-cost) was reached" in run.err
    assert "--resume r --max-cost USD" in run.err
    kept = project.results("r")
    assert 1 <= len(kept) < N  # stopped early: what finished is kept
    usage = project.read_json("r/judge.json")
    assert usage["calls"] == len(kept) and usage["cost_usd"] > 0.05
    assert project.read_json("r/summary.json")["aborted"]
    # the same budget again: nothing more starts
    again = project.cli("run", "--no-gate", "--resume", "r", "--max-cost", "0.05")
    assert again.code == 3 and len(project.results("r")) == len(kept), again.err
    # a larger budget finishes the run; judge.json adds the parts up
    done = project.cli("run", "--no-gate", "--resume", "r", "--max-cost", "100")
    assert done.code == 0, done.out + done.err
    assert len(project.results("r")) == N
    usage = project.read_json("r/judge.json")
    assert usage["calls"] == N and usage["parts"] >= 2
    expected = (usage["input_tokens"] * 1000 + usage["output_tokens"] * 2000) / 1e6
    assert usage["cost_usd"] == pytest.approx(expected)


def test_the_budget_in_the_config_also_stops_and_does_not_block_resume(
    project: Project, demo: DemoServer
) -> None:
    _setup(project, demo, max_cost_usd=0.05)
    run = project.cli("run", "--no-gate", "--out", "r")
    assert run.code == 3 and "was reached" in run.err, run.err
    _setup(project, demo, max_cost_usd=100)  # raised in evalgate.yaml: the run still resumes
    done = project.cli("run", "--no-gate", "--resume", "r")
    assert done.code == 0, done.out + done.err
    assert len(project.results("r")) == N


def test_an_estimate_over_the_budget_refuses_the_run_before_any_call(
    project: Project, demo: DemoServer
) -> None:
    _setup(project, demo)
    first = project.cli("run", "--no-gate", "--record-baseline", "--out", "base")
    assert first.code == 0, first.out + first.err
    baseline = project.read_json(".evalgate/baselines/v1.json")
    assert all(c["mean_cost_usd"] > 0 for c in baseline["cases"].values())
    ok = project.cli("run", "--out", "fits", "--max-cost", "100")
    assert ok.code == 0, ok.out + ok.err
    assert "estimated cost $" in ok.err and "budget $100" in ok.err
    assert "% cached)" in ok.err  # the judge's part, from the last run's cache use
    # asked again (no cache): 15 verdicts at the last known cost of a call, over $1
    pricey = project.cli("run", "--no-gate", "--out", "pricey", "--repeat", "3", "--no-judge-cache")
    assert pricey.code == 0 and "estimated cost $" in pricey.err and "no budget" in pricey.err
    refused = project.cli("run", "--out", "over", "--max-cost", "0.000001")
    assert refused.code == 2, refused.out + refused.err
    assert "not running: the estimated cost" in refused.out + refused.err
    assert not (project.root / "over").exists()  # refused before the run folder, before calls


def test_a_budget_with_nothing_priced_is_a_usage_error(project: Project, demo: DemoServer) -> None:
    _setup(project, demo, target_priced=False)
    project.write_config(
        {"url": f"{demo.url}/v1/copilot", "body": {"message": "{{ input.message }}"}},
        judge={"base_url": f"{demo.url}/v1", "model": "demo-judge"},
    )
    run = project.cli("run", "--max-cost", "5")
    assert run.code == 2 and "nothing in the run has a price" in run.out + run.err
    bad = project.cli("run", "--max-cost", "five")
    assert bad.code == 2 and "--max-cost 'five'" in bad.out + bad.err
