"""Baselines keep each case's answer: redacted, masked, cut, within a file budget."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalgate import masking
from evalgate.gate.answers import (
    MAX_ANSWER_CHARS,
    answer_text,
    redactor,
    within_budget,
)
from evalgate.gate.baseline import Baseline, baseline_from_run
from evalgate.gate.baseline_store import BaselineStore
from evalgate.model import Response, ToolCall
from evalgate.results import CaseResult
from evalgate.run_summary import RunSummary
from evalgate.scorers.registry import ScoreRecord

SUMMARY = RunSummary(run_id="r-1", prompt_version="v1", prompt_versions={"v1": 3})


@pytest.fixture(autouse=True)
def _no_secrets() -> Iterator[None]:
    masking.clear()
    yield
    masking.clear()


def res(cid: str, repeat: int, passed: bool, resp: Response | None, **kw: Any) -> CaseResult:
    rec = ScoreRecord(scorer="contains", score=1.0 if passed else 0.0, passed=passed, reason="")
    status = "passed" if passed else "failed"
    r = CaseResult(cid, "ds", repeat, status, "success", passed, rec.score, (rec,), response=resp)
    return dataclasses.replace(r, content_hash=f"h-{cid}", **kw)


def test_each_case_keeps_the_answer_of_a_passing_repeat() -> None:
    results = [
        res("a", 0, False, Response(output="wrong")),
        res("a", 1, True, Response(output="right")),
        res("b", 0, False, Response(output="only failing")),
    ]
    b = baseline_from_run(results, SUMMARY)
    assert b.cases["a"].answer == "right"
    assert b.cases["b"].answer == "only failing"


def test_a_tool_call_only_answer_keeps_its_calls_never_none() -> None:
    call = ToolCall("refund", {"order": "A-1", "amount": 12})
    b = baseline_from_run([res("t", 0, True, Response(output=None, tool_calls=(call,)))], SUMMARY)
    assert b.cases["t"].answer == '→ refund {"amount":12,"order":"A-1"}'
    both = answer_text(Response(output="Done.", tool_calls=(call,)))
    assert both == 'Done.\n→ refund {"amount":12,"order":"A-1"}'


def test_answers_are_redacted_masked_and_cut() -> None:
    masking.register(["sk-live-SECRETVALUE123"])
    text = "mail ana@example.org, key sk-live-SECRETVALUE123 " + "x" * 5000
    b = baseline_from_run(
        [res("a", 0, True, Response(output=text))], SUMMARY, redact=redactor({"T": r"TCK-\d+"})
    )
    kept = b.cases["a"].answer or ""
    assert "ana@example.org" not in kept and "<EMAIL_1>" in kept
    assert "SECRETVALUE123" not in kept
    assert len(kept) == MAX_ANSWER_CHARS and kept.endswith("…")


def test_the_budget_drops_the_largest_answers_first_and_says_so(tmp_path: Path) -> None:
    answers: dict[str, str | None] = {"small": "s" * 10, "big": "b" * 100, "mid": "m" * 50}
    kept, dropped = within_budget(answers, budget=70)
    assert dropped == ("big",) and kept["big"] is None and kept["mid"] == "m" * 50

    results = [res(c, 0, True, Response(output=a)) for c, a in answers.items() if a]
    base = baseline_from_run(results, SUMMARY).with_answers_capped(70)
    assert base.answers_dropped == ("big",)
    path = BaselineStore(tmp_path).save(base)
    doc = json.loads(path.read_text())
    assert doc["answers_dropped"]["cases"] == ["big"]
    assert "largest" in doc["answers_dropped"]["why"]
    assert "answer" not in doc["cases"]["big"] and doc["cases"]["mid"]["answer"] == "m" * 50
    again = BaselineStore(tmp_path).load("v1")
    assert again is not None and again.answers_dropped == ("big",)
    assert again.cases["small"].answer == "s" * 10


def test_recording_keeps_the_newest_answer_and_the_file_within_budget(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    first = baseline_from_run([res("a", 0, True, Response(output="old"))], SUMMARY)
    store.record(first, max_samples=5)
    second = baseline_from_run([res("a", 0, True, Response(output="new"))], SUMMARY)
    _, grown = store.record(second, max_samples=5)
    assert grown.cases["a"].answer == "new" and grown.cases["a"].n == 2


def test_baselines_without_answers_still_read(tmp_path: Path) -> None:
    doc = {
        "format_version": 2,
        "prompt_version": "v1",
        "recorded_at": "2026-01-01T00:00:00Z",
        "cases": {"a": {"content_hash": "h", "score": 1.0, "pass_rate": 1.0, "n": 1, "passes": 1}},
    }
    (tmp_path / "v1.json").write_text(json.dumps(doc))
    b = BaselineStore(tmp_path).load("v1")
    assert isinstance(b, Baseline) and b.cases["a"].answer is None and b.answers_dropped == ()


def test_an_answer_that_is_not_text_is_refused(tmp_path: Path) -> None:
    from evalgate.errors import ConfigError

    case = {"content_hash": "h", "score": 1.0, "pass_rate": 1.0, "n": 1, "passes": 1}
    doc = {
        "format_version": 2,
        "prompt_version": "v1",
        "recorded_at": "2026-01-01T00:00:00Z",
        "cases": {"a": case | {"answer": {"x": 1}}},
    }
    (tmp_path / "v1.json").write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match="'answer' must be a string"):
        BaselineStore(tmp_path).load("v1")


def test_a_dropped_answer_stays_listed_while_its_case_is_not_recorded_again(
    tmp_path: Path,
) -> None:
    store = BaselineStore(tmp_path)
    first = baseline_from_run(
        [res("big", 0, True, Response(output="b" * 100)), res("s", 0, True, Response(output="s"))],
        SUMMARY,
    ).with_answers_capped(50)
    assert first.answers_dropped == ("big",)
    store.save(first)
    # a --tag run records only "s": "big" keeps its figures, and its answer stays dropped
    _, grown = store.record(
        baseline_from_run([res("s", 0, True, Response(output="t"))], SUMMARY), max_samples=5
    )
    assert grown.answers_dropped == ("big",) and grown.cases["big"].answer is None
    # recorded again with an answer that fits: no longer listed
    _, again = store.record(
        baseline_from_run([res("big", 0, True, Response(output="fits"))], SUMMARY), max_samples=5
    )
    assert again.answers_dropped == () and again.cases["big"].answer == "fits"
