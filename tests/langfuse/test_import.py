"""`evalgate import langfuse` through the real SDK against the local server."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
import yaml

from evalgate.cli.main import main
from tests.langfuse_server import LangfuseServer
from tests.langfuse_server.seed import LONG_CHUNK, T1, T2, T3, T4, T5

OUT = "goldens/imported.yaml"


def run_import(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    rc = main(["import", "langfuse", "--out", OUT, *args])
    return rc, capsys.readouterr().err


def cases(root: Path, path: str = OUT) -> list[dict[str, Any]]:
    p = root / path
    return yaml.safe_load(p.read_text(encoding="utf-8"))["cases"] if p.exists() else []


def traces(root: Path) -> list[str]:
    return [c["source"]["langfuse_trace_id"] for c in cases(root)]


def test_score_range_selects_flagged_traces_as_pending_redacted_cases(
    lf_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, err = run_import(capsys, "--score", "user_feedback<=0")
    assert rc == 0, err
    got = {c["source"]["langfuse_trace_id"]: c for c in cases(lf_env)}
    assert set(got) == {T1, T5}  # T3 has feedback 1.0
    c = got[T1]
    assert c["id"] == f"lf-{T1[:12]}"
    assert c["review"] == "pending"
    assert c["source"]["score"] == {"name": "user_feedback", "value": 0.0}
    assert c["expect"] == [{"refusal": False}]
    assert "jane.doe@example.com" not in c["input"]["message"]
    assert c["input"]["message"].endswith("why was I charged twice?")
    assert c["input"]["history"] == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! How can I help?"},
    ]
    obs = c["metadata"]["observed"]
    assert obs["output"] == "You were charged twice because of a retry."
    assert [d["id"] for d in obs["retrieved"]] == ["kb-billing", "kb-refunds"]
    assert len(obs["retrieved"][0]["text"]) < len(LONG_CHUNK)
    assert [t["name"] for t in obs["tool_calls"]] == ["search_kb", "create_ticket"]
    assert obs["tool_calls"][1]["arguments"] == {"priority": "high"}
    assert "2 imported" in err and "redactions: email 1" in err.lower()
    assert yaml.safe_load((lf_env / OUT).read_text())["dataset"] == "imported"


def test_bare_score_name_matches_any_value_and_observation_scores(
    lf_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, err = run_import(capsys, "--score", "wrong_citation", "--dataset", "prod-failures")
    assert rc == 0, err
    [c] = cases(lf_env)
    assert c["source"]["langfuse_trace_id"] == T2
    assert c["expect"] == [{"citation": {"required": True, "must_be_retrieved": True}}]
    assert c["metadata"]["observed"]["citations"] == ["kb-returns"]
    assert c["metadata"]["observed"]["retrieved"] == [{"id": "kb-refunds"}]
    assert yaml.safe_load((lf_env / OUT).read_text())["dataset"] == "prod-failures"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--score", "quality==bad"], [T4]),
        (["--score", "quality==good"], []),
        (["--score", "quality==bad", "--name", "copilot"], []),
        (["--score", "user_feedback<0"], [T5]),
        (["--score", "user_feedback>0.5"], [T3]),
        (["--score", "wrong_citation==false"], []),
        (["--score", "user_feedback<=0", "--user", "user-4"], [T5]),
        (["--score", "user_feedback<=0", "--score", "quality"], [T1, T5, T4]),
        (["--tag", "billing"], [T1, T3]),
        (["--tag", "billing", "--tag", "support"], [T1]),
        (["--tag", "billing", "--environment", "staging"], [T3]),
        (["--name", "summarizer"], [T4]),
        (["--user", "user-2"], [T2]),
        (["--session", "sess-9"], [T2]),
        (["--since", "1d"], [T4, T1]),
        (["--since", "30m"], [T4]),
    ],
)
def test_filters(
    lf_env: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: list[str]
) -> None:
    rc, err = run_import(capsys, *args)
    assert rc == 0, err
    assert traces(lf_env) == expected


def test_from_to_window_and_limit(lf_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import datetime, timedelta

    now = datetime.now(UTC)
    start, end = (now - timedelta(days=5)).isoformat(), (now - timedelta(days=1)).isoformat()
    rc, err = run_import(capsys, "--from", start, "--to", end)
    assert rc == 0, err
    assert traces(lf_env) == [T2]  # T5 has T2's input: skipped as a duplicate
    assert "1 skipped as already imported" in err
    (lf_env / OUT).unlink()
    rc, _ = run_import(capsys, "--score", "user_feedback", "--limit", "1")
    assert rc == 0 and len(traces(lf_env)) == 1


def test_reimport_is_idempotent(lf_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(capsys, "--score", "user_feedback<=0")[0] == 0
    before = (lf_env / OUT).read_text()
    rc, err = run_import(capsys, "--score", "user_feedback<=0")
    assert rc == 0
    assert (lf_env / OUT).read_text() == before
    assert "0 imported" in err and "2 skipped as already imported" in err


def test_same_input_in_another_golden_is_a_duplicate(
    lf_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (lf_env / "goldens" / "hand.yaml").write_text(
        "dataset: hand\ncases:\n  - id: refund\n"
        "    input: {message: 'How long is the refund window?'}\n    expect: [refusal: false]\n"
    )
    rc, err = run_import(capsys, "--score", "user_feedback<=0")
    assert rc == 0
    assert traces(lf_env) == [T1]  # T5 asks what hand.yaml already asks
    assert "1 skipped" in err


def test_append_keeps_existing_text_and_comments(
    lf_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = (
        "# Production failures, reviewed weekly.\n"
        "dataset: prod  # keep this name\n"
        "cases:\n"
        "- id: kept\n"
        "  input: {message: 'keep me'}   # flow style, quoted\n"
        "  expect: [refusal: false]\n"
        "# trailing note\n"
    )
    (lf_env / OUT).write_text(original)
    rc, err = run_import(capsys, "--score", "wrong_citation")
    assert rc == 0, err
    text = (lf_env / OUT).read_text()
    assert text.startswith(original)
    assert [c["id"] for c in cases(lf_env)] == ["kept", f"lf-{T2[:12]}"]


def test_append_to_empty_flow_list(lf_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (lf_env / OUT).write_text("# new set\ndataset: x\ncases: []  # nothing yet\n")
    assert run_import(capsys, "--score", "wrong_citation")[0] == 0
    text = (lf_env / OUT).read_text()
    assert text.startswith("# new set\ndataset: x\ncases:  # nothing yet\n")
    assert traces(lf_env) == [T2]


def test_refuses_to_append_when_cases_is_not_last(
    lf_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = "cases:\n  - id: a\n    input: {message: a}\n    expect: []\ndataset: x\n"
    (lf_env / OUT).write_text(original)
    rc, err = run_import(capsys, "--score", "wrong_citation")
    assert rc == 2
    assert f"{OUT}:1:1: cannot append imported cases: 'cases:' must be the last" in err
    assert (lf_env / OUT).read_text() == original


def test_api_key_in_input_is_redacted(lf_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, err = run_import(capsys, "--environment", "staging")
    assert rc == 0, err
    [c] = cases(lf_env)
    assert c["source"]["langfuse_trace_id"] == T3
    assert "ABCDEF1234567890" not in (lf_env / OUT).read_text()
    assert c["input"]["message"].startswith("Reset my password, my key is ")


def test_input_mapping_and_suggestions_from_config(
    lf_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (lf_env / "evalgate.yaml").write_text(
        "target: {url: http://127.0.0.1:1/x}\n"
        "langfuse:\n"
        "  input_mapping: \"{message: messages[-1].content, tenant: 'acme'}\"\n"
        "  suggest: {user_feedback: [{contains: 'retry'}, {max_latency_ms: 2000}]}\n"
    )
    rc, err = run_import(capsys, "--score", "user_feedback<=0", "--tag", "billing")
    assert rc == 0, err
    [c] = cases(lf_env)
    assert set(c["input"]) == {"message", "tenant"} and c["input"]["tenant"] == "acme"
    assert c["input"]["message"].startswith("I'm ") and "@" not in c["input"]["message"]
    assert "EMAIL" in c["input"]["message"].upper()
    assert c["expect"] == [{"contains": "retry"}, {"max_latency_ms": 2000}]


def test_no_score_filter_without_roots_imports_nothing(
    lf_server: LangfuseServer, lf_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, err = run_import(capsys, "--name", "no-such-trace")
    assert rc == 0
    assert not (lf_env / OUT).exists()
    assert "0 trace(s) found" in err
