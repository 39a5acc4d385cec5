"""The openai-chat preset through a real LiteLLM proxy, as a team with a gateway runs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.attack.conftest import Project, clean_env
from tests.gateway.conftest import MASTER_KEY

REFUND = {
    "id": "refund",
    "input": {"message": "How long do I have for a refund?"},
    "expect": [{"contains": "30 days"}, {"refusal": False}, {"max_tokens": 1000}],
}
CLOSE = {
    "id": "close",
    "input": {"message": "Please close ticket 8842"},
    "expect": [{"tool_call": {"name": "close_ticket", "arguments": {"ticket_id": "8842"}}}],
}


def setup(
    tmp_path: Path, url: str, model: str, cases: list[dict[str, Any]], *, stream: bool
) -> Project:
    tmp_path.mkdir(parents=True, exist_ok=True)
    project = Project(tmp_path, clean_env({"LITELLM_URL": url, "LITELLM_KEY": MASTER_KEY}))
    target: dict[str, Any] = {
        "url": "${LITELLM_URL}",
        "preset": "openai-chat",
        "headers": {"Authorization": "Bearer ${LITELLM_KEY}"},
        "body": {"model": model, "temperature": 0},
        "timeout_s": 20,
        "retries": 0,
    }
    if stream:
        target["stream"] = "sse"
    project.write_config(target)
    project.write_golden("chat.yaml", {"dataset": "chat", "cases": cases})
    return project


def everything_written(project: Project) -> str:
    return "\n".join(
        p.read_text("utf-8", errors="replace")
        for p in project.root.rglob("*")
        if p.is_file() and p.suffix in {".json", ".jsonl", ".md", ".xml", ".html"}
    )


@pytest.mark.parametrize("stream", [False, True])
def test_answers_and_tool_calls_are_mapped_and_pass(
    tmp_path: Path, litellm_url: str, stream: bool
) -> None:
    answers = setup(tmp_path / "a", litellm_url, "mock-answer", [REFUND], stream=stream)
    ran = answers.cli("run", "--out", "r", "-q")
    assert ran.code == 0, ran.err
    [result] = answers.results("r")
    resp = result["response"]
    assert "30 days" in resp["output"] and resp["input_tokens"] > 0 and resp["output_tokens"] > 0
    assert (resp.get("ttft_ms") is not None) == stream
    # the proxy's mock does not stream tool calls: streamed ones come from the fake upstream
    model = "stream-tools" if stream else "mock-tools"
    tools = setup(tmp_path / "t", litellm_url, model, [CLOSE], stream=stream)
    ran = tools.cli("run", "--out", "r", "-q")
    assert ran.code == 0, ran.err
    [result] = tools.results("r")
    assert result["response"]["tool_calls"][0]["arguments"] == {"ticket_id": "8842"}
    for p in (answers, tools):
        assert MASTER_KEY not in everything_written(p) + ran.out + ran.err


@pytest.mark.parametrize("stream", [False, True])
def test_a_model_that_stops_calling_tools_fails_the_gate(
    tmp_path: Path, litellm_url: str, stream: bool
) -> None:
    project = setup(tmp_path, litellm_url, "mock-answer", [CLOSE], stream=stream)
    ran = project.cli("run", "--out", "r", "-q")
    assert ran.code == 1, ran.err  # a regression, not "fix the mapping" (exit 3)
    verdict = project.read_json("r/summary.json")["verdict"]
    assert not any(r["kind"] == "mapping" for r in verdict["reasons"])


def test_an_error_in_the_middle_of_a_stream_never_passes(tmp_path: Path, litellm_url: str) -> None:
    # the gateway sends 200, a few chunks, then {"error": ...} and no [DONE]
    refund = {**REFUND, "expect": [{"contains": "Refunds"}]}  # the partial text would match
    project = setup(tmp_path, litellm_url, "broken-stream", [refund], stream=True)
    ran = project.cli("run", "--out", "r", "-q")
    assert ran.code == 3, ran.err
    [result] = project.results("r")
    assert result["status"] == "error" and result["outcome"] == "http_error"
    assert "the stream reported an error after 2 event(s)" in result["error"]
    assert "upstream overloaded" in result["error"]


def test_a_wrong_key_and_an_unknown_model_are_errors_that_name_the_url(
    tmp_path: Path, litellm_url: str
) -> None:
    project = setup(tmp_path, litellm_url, "mock-answer", [REFUND], stream=False)
    wrong = "sk-wrong-key-7d2a"
    ran = project.cli("run", "--out", "r1", "-q", env={"LITELLM_KEY": wrong})
    assert ran.code == 3, ran.err
    [result] = project.results("r1")
    # LiteLLM without a database answers a key it cannot check with a 400 or 401
    assert result["outcome"] == "http_error" and result["attempts"] == 1  # not retried
    assert f"from {litellm_url}/v1/chat/completions" in result["error"]  # the port is shown
    assert wrong not in everything_written(project) + ran.out + ran.err
    project = setup(tmp_path / "m", litellm_url, "no-such-model", [REFUND], stream=False)
    ran = project.cli("run", "--out", "r2", "-q")
    assert ran.code == 3, ran.err
    [result] = project.results("r2")
    assert result["outcome"] == "http_error" and "HTTP 400" in result["error"]


def test_recording_a_baseline_asks_for_a_version_before_any_call(
    tmp_path: Path, litellm_url: str
) -> None:
    project = setup(tmp_path, litellm_url, "mock-answer", [REFUND], stream=False)
    ran = project.cli("run", "--out", "r", "--no-gate", "--record-baseline")
    assert ran.code == 2 and "--prompt-version V" in ran.err
    assert not (project.root / "r").exists()
    ran = project.cli(
        "run", "--out", "r", "--no-gate", "--record-baseline", "--prompt-version", "p1"
    )
    assert ran.code == 0, ran.err
    assert project.cli("run", "--out", "r2", "-q", "--prompt-version", "p1").code == 0
