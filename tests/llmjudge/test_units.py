"""The judge's strict verdict parsing, client shapes, cache and agreement figures."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from evalgate.llmjudge import calibration, prompts
from evalgate.llmjudge.cache import JudgeCache, cache_key
from evalgate.llmjudge.client import Endpoint, JudgeClient, JudgeError
from evalgate.scorers.registry import ScoreRecord
from evalgate.scoring import combine

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "openai"


@pytest.mark.parametrize(
    "content",
    [
        "looks fine to me",
        "[true]",
        '{"passed": "yes", "critique": "ok"}',
        '{"passed": true}',
        '{"passed": true, "critique": "ok", "score": 9}',
    ],
)
def test_a_malformed_rubric_verdict_is_refused(content: str) -> None:
    with pytest.raises(prompts.BadVerdict):
        prompts.parse_rubric(content)


def test_grounded_verdict_names_unsupported_claims_and_refuses_contradictions() -> None:
    v = prompts.parse_grounded('{"supported": false, "unsupported_claims": ["ships in 1 day"]}')
    assert not v.passed and "ships in 1 day" in v.reason
    with pytest.raises(prompts.BadVerdict):
        prompts.parse_grounded('{"supported": true, "unsupported_claims": ["x"]}')


def _client(handler: Any) -> JudgeClient:
    ep = Endpoint("http://judge.test/v1", "m", "sk-x", retries=1)
    return JudgeClient(ep, httpx.MockTransport(handler))


def test_client_sends_a_json_schema_request_and_reads_the_documented_reply() -> None:
    seen: list[dict[str, Any]] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(json.loads(req.content))
        assert req.url.path == "/v1/chat/completions"
        assert req.headers["authorization"] == "Bearer sk-x"
        return httpx.Response(200, content=(FIX / "chat_completion_response.json").read_bytes())

    async def go() -> tuple[str, Any]:
        c = _client(handler)
        try:
            return await c.chat_json([], prompts.RUBRIC_SCHEMA, "rubric", 7)
        finally:
            await c.aclose()

    content, usage = asyncio.run(go())
    assert prompts.parse_rubric(content).passed is False
    assert (usage.input_tokens, usage.output_tokens) == (120, 14)
    body = seen[0]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["seed"] == 7 and body["temperature"] == 0.0


def test_embeddings_are_ordered_by_index() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=(FIX / "embedding_response.json").read_bytes())

    async def go() -> Any:
        c = _client(handler)
        try:
            return await c.embed(["a", "b"])
        finally:
            await c.aclose()

    vecs, _ = asyncio.run(go())
    assert vecs == [[0.0, 0.6, 0.8], [0.0, 1.0, 0.0]]


def test_a_non_2xx_after_retries_is_a_judge_error_without_the_key() -> None:
    calls = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, text="overloaded sk-x")

    async def go() -> None:
        c = _client(handler)
        try:
            await c.chat_json([], {}, "rubric", None)
        finally:
            await c.aclose()

    with pytest.raises(JudgeError, match="HTTP 503"):
        asyncio.run(go())
    assert len(calls) == 2


def test_cache_ignores_corrupt_entries_and_keys_on_every_part(tmp_path: Path) -> None:
    cache = JudgeCache(tmp_path)
    key = cache_key({"model": "a", "answer": "x"})
    assert key != cache_key({"model": "b", "answer": "x"})
    cache.put(key, {"passed": True, "reason": "ok"})
    assert cache.get(key) == {"passed": True, "reason": "ok"}
    path = tmp_path / key[:2] / f"{key}.json"
    path.write_text("{torn", "utf-8")
    assert cache.get(key) is None
    path.write_text(json.dumps({"format": 1, "key": "other", "value": {}}), "utf-8")
    assert cache.get(key) is None
    assert JudgeCache(None).get(key) is None


def test_agreement_figures_match_hand_computed_values() -> None:
    # 10 labels: judge and human agree on 8; judge passes 5, human passes 5
    pairs = [(True, True)] * 4 + [(False, False)] * 4 + [(True, False), (False, True)]
    assert calibration.kappa(pairs) == pytest.approx(0.6)
    assert calibration.ac1(pairs) == pytest.approx(0.6)
    fig = calibration.agreement(pairs)
    assert fig["tpr"]["value"] == 0.8 and fig["tnr"]["value"] == 0.8
    lo, hi = fig["tpr"]["ci"]
    assert (lo, hi) == (pytest.approx(0.3755, abs=1e-3), pytest.approx(0.9638, abs=1e-3))  # Wilson
    assert calibration.kappa([(True, True)] * 3) is None  # one label only: undefined


def test_advisory_failures_neither_score_nor_fail_a_case() -> None:
    ok = ScoreRecord("contains", 1.0, True, "")
    adv = ScoreRecord("rubric", 0.0, False, "nope", advisory=True)
    cs = combine([ok, adv])
    assert cs.passed and cs.score == 1.0 and adv in cs.records
    assert not combine([ok, ScoreRecord("rubric", 0.0, False, "nope")]).passed
    assert ScoreRecord.from_dict(adv.to_dict()).advisory
