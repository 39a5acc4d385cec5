"""Grading with the judge: grounded, similar, votes, outages, load-time checks."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from evalgate.config.model import Config, JudgeConfig, TargetConfig
from evalgate.demo import judge as demo_judge
from evalgate.llmjudge.cache import JudgeCache
from evalgate.llmjudge.checks import judge_problems
from evalgate.llmjudge.client import Endpoint, JudgeClient
from evalgate.llmjudge.grader import DOWN_AFTER, Judge
from evalgate.llmjudge.phase import scored_outcome
from evalgate.model import Case, Response, ScorerSpec
from evalgate.scoring import combine, score_case

PASSAGES = ["Customers can request a refund within 30 days of purchase on any plan."]


def _judge(tmp: Path | None, handler: Any = None, calls: list[str] | None = None) -> Judge:
    def demo(req: httpx.Request) -> httpx.Response:
        if calls is not None:
            calls.append(req.url.path)
        body = json.loads(req.content)
        out = demo_judge.chat(body) if "chat" in req.url.path else demo_judge.embeddings(body)
        return httpx.Response(200, json=out)

    ep = Endpoint("http://judge.test/v1", "demo-judge", None, retries=0)
    client = JudgeClient(ep, httpx.MockTransport(handler or demo))
    return Judge(client, JudgeCache(tmp), blocking=True)


def _grade(j: Judge, spec: ScorerSpec, output: str) -> Any:
    async def go() -> Any:
        try:
            resp = Response(output=output, extra={"passages": PASSAGES})
            return await j.grade(spec, resp, Case("c", "d", {"message": "refund?"}))
        finally:
            await j.client.aclose()

    return asyncio.run(go())


def test_grounded_names_the_unsupported_claim() -> None:
    claim = "You can request a refund within 30 days of purchase."
    ok = _grade(_judge(None), ScorerSpec("grounded", True), claim)
    assert ok.passed and ok.error is None
    made_up = claim + " Refunds are paid in bitcoin instantly."
    bad = _grade(_judge(None), ScorerSpec("grounded", True), made_up)
    assert not bad.passed and "bitcoin" in bad.reason


def test_similar_uses_embeddings_and_the_cache(tmp_path: Path) -> None:
    calls: list[str] = []
    spec = ScorerSpec("similar", {"reference": "refund within 30 days", "threshold": 0.5})
    first = _grade(_judge(tmp_path, calls=calls), spec, "a refund within 30 days")
    assert first.passed and calls == ["/v1/embeddings"]
    again = _grade(_judge(tmp_path, calls=calls), spec, "a refund within 30 days")
    assert again.score == first.score and len(calls) == 1 and again.judge["cached"] == 1
    far = _grade(_judge(tmp_path), spec, "our office opens at nine")
    assert not far.passed and "< threshold 0.5" in far.reason


def test_a_judge_that_never_answers_is_not_asked_for_every_case() -> None:
    calls: list[int] = []

    def refuse(req: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ConnectError("refused")

    j = _judge(None, handler=refuse)

    async def go() -> list[Any]:
        try:
            return [
                await j.grade(ScorerSpec("rubric", "x"), Response(output="a"), Case("c", "d"))
                for _ in range(DOWN_AFTER + 4)
            ]
        finally:
            await j.client.aclose()

    records = asyncio.run(go())
    assert all(r.error is not None for r in records)
    assert len(calls) == DOWN_AFTER
    assert "looks down" in records[-1].error


def test_judge_errors_are_judge_error_and_scorer_bugs_are_not() -> None:
    case = Case("c", "d", expect=(ScorerSpec("rubric", "mention 'x'"),))
    cs = score_case(case, [Response(output="a")])  # no judge in this process
    assert cs.error is not None and "LLM judge" in cs.error
    assert scored_outcome(cs) == "success"  # not configured: a usage problem, not an outage
    j = _judge(None, handler=lambda req: httpx.Response(500))
    rec = _grade(j, ScorerSpec("rubric", "x"), "a")
    assert scored_outcome(combine([rec])) == "judge_error"


def test_load_time_checks_point_at_the_golden_line() -> None:
    spec = ScorerSpec("grounded", True, "g.yaml", 7, 9)
    case = Case("c", "d", expect=(spec,))
    no_model = Config(target=TargetConfig(url="http://x"))
    (p,) = judge_problems(no_model, [case])
    assert (p.file, p.line) == ("g.yaml", 7) and "judge.model" in p.message
    unmapped = Config(target=TargetConfig(url="http://x"), judge=JudgeConfig(model="m"))
    (p,) = judge_problems(unmapped, [case])
    assert "target.response.extra.passages" in p.message
