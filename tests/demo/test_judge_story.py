"""The demo's rubric: v1 meets it, v2 breaks it, and the demo judge says why."""

from __future__ import annotations

import json
import random
from typing import Any

from evalgate.cli.demo_story import rubric_failures
from evalgate.demo import copilot
from evalgate.demo import judge as demo_judge
from evalgate.llmjudge import prompts
from evalgate.results import CaseResult
from evalgate.scorers.registry import ScoreRecord
from tests.demo.test_goldens import CASES


def _rubric_cases() -> list[tuple[dict[str, Any], str]]:
    return [
        (c, e["rubric"])
        for c in CASES
        for e in c.get("expect", [])
        if isinstance(e, dict) and "rubric" in e
    ]


def _verdict(case: dict[str, Any], criterion: str, version: str) -> dict[str, Any]:
    reply = copilot.answer({**case["input"], "tenantId": "acme"}, version, random.Random(0))
    messages = prompts.rubric_messages(prompts.Rubric(criterion), case["input"], reply["answer"])
    body = {"model": "demo-judge", "messages": messages}
    out = demo_judge.chat(body)
    return dict(json.loads(out["choices"][0]["message"]["content"]))


def test_one_demo_case_has_a_rubric_that_v1_meets_and_v2_breaks() -> None:
    (case, criterion), *more = _rubric_cases()
    assert not more  # the story shows exactly one rubric failure
    assert _verdict(case, criterion, "v1")["passed"] is True
    v2 = _verdict(case, criterion, "v2")
    assert v2["passed"] is False and "According to" in v2["critique"]


def test_the_story_shows_each_failed_rubric_once_and_skips_judge_errors() -> None:
    bad = ScoreRecord("rubric", 0.0, False, "no greeting [advisory: not calibrated]", advisory=True)
    broken = ScoreRecord("rubric", 0.0, False, "judge: down", error="judge: down")
    ok = ScoreRecord("rubric", 1.0, True, "fine")

    def res(cid: str, repeat: int, *s: ScoreRecord) -> CaseResult:
        return CaseResult(cid, "d", repeat, "passed", "success", True, 1.0, scores=s)

    got = rubric_failures(
        [res("a", 0, bad), res("a", 1, bad), res("b", 0, broken), res("c", 0, ok)]
    )
    assert [(r.case_id, r.repeat) for r, _ in got] == [("a", 0)]
