"""The judge session: options passed per run (no process-wide state), judge.json merged."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from evalgate.config.model import Config, JudgeConfig, Pricing, TargetConfig
from evalgate.demo import judge as demo_judge
from evalgate.llmjudge import session
from evalgate.model import Case, Response, ScorerSpec

RUBRIC = ScorerSpec("rubric", "The answer must mention '30 days'")


def _cfg(tmp: Path) -> Config:
    return Config(
        target=TargetConfig(url="http://x"),
        judge=JudgeConfig(
            base_url="http://judge.test/v1",
            model="demo-judge",
            cache_dir=str(tmp / "cache"),
            pricing=Pricing(1000.0, 2000.0),
        ),
        root=tmp,
    )


def _transport(calls: list[str]) -> httpx.MockTransport:
    def handle(req: httpx.Request) -> httpx.Response:
        calls.append(req.url.path)
        return httpx.Response(200, json=demo_judge.chat(json.loads(req.content)))

    return httpx.MockTransport(handle)


async def _grade_in(cfg: Config, run_dir: Path, cache: bool, calls: list[str], answer: str) -> None:
    case = Case("c", "d", {"message": "refund?"}, expect=(RUBRIC,))
    async with session.open_judge(
        cfg, [case], run_dir, cache=cache, transport=_transport(calls)
    ) as judge:
        assert judge is not None
        await judge.grade(RUBRIC, Response(output=answer), case)


def test_two_evals_in_one_process_keep_their_own_cache_option(tmp_path: Path) -> None:
    assert not hasattr(session, "OPTIONS")  # nothing process-wide to leak between runs
    cfg = _cfg(tmp_path)
    (tmp_path / "warm").mkdir()
    asyncio.run(_grade_in(cfg, tmp_path / "warm", True, [], "You have 30 days."))
    cached: list[str] = []
    fresh: list[str] = []
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()

    async def both() -> None:  # at the same time, in one event loop
        await asyncio.gather(
            _grade_in(cfg, tmp_path / "a", True, cached, "You have 30 days."),
            _grade_in(cfg, tmp_path / "b", False, fresh, "You have 30 days."),
        )

    asyncio.run(both())
    assert cached == [] and fresh == ["/v1/chat/completions"]


def test_judge_json_adds_up_the_parts_of_a_run(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    calls: list[str] = []
    asyncio.run(_grade_in(cfg, tmp_path, False, calls, "You have 30 days."))
    first = json.loads((tmp_path / session.USAGE_FILE).read_text())
    assert first["calls"] == 1 and first["parts"] == 1
    first_cost = first["cost_usd"]
    # a second part of the same run (a resume, confirmation runs): counters add up
    asyncio.run(_grade_in(cfg, tmp_path, False, calls, "Two weeks."))
    both: dict[str, Any] = json.loads((tmp_path / session.USAGE_FILE).read_text())
    assert both["calls"] == 2 and both["parts"] == 2
    assert both["input_tokens"] > first["input_tokens"] and both["cost_usd"] > first_cost
    expected = (both["input_tokens"] * 1000 + both["output_tokens"] * 2000) / 1e6
    assert abs(both["cost_usd"] - expected) < 1e-6
    assert both["advisory_failures"] == 1 and both["blocking"] is False
    assert both["served"] == [{"model": "demo-judge", "system_fingerprint": "fp_demo_rules_1"}]


def _key_for(tmp: Path, base_url: str | None, environ: dict[str, str]) -> str | None:
    cfg = Config(
        target=TargetConfig(url="http://x"),
        judge=JudgeConfig(base_url=base_url, model="m"),
        root=tmp,
    )
    return session.endpoint(cfg, environ).api_key


def test_openai_api_key_goes_only_to_the_server_it_belongs_to(tmp_path: Path) -> None:
    env = {"OPENAI_API_KEY": "sk-real"}
    # unset base_url: OpenAI itself, or OPENAI_BASE_URL's server, with the key that goes with it
    assert _key_for(tmp_path, None, env) == "sk-real"
    assert _key_for(tmp_path, "https://api.openai.com/v1/", env) == "sk-real"
    proxy = {**env, "OPENAI_BASE_URL": "http://gw.local/v1"}
    assert _key_for(tmp_path, None, proxy) == "sk-real"
    assert _key_for(tmp_path, "http://gw.local/v1", proxy) == "sk-real"
    # a judge.base_url pointing elsewhere (a local server, the demo's judge) never receives it
    assert _key_for(tmp_path, "http://127.0.0.1:8787/v1", env) is None
    assert _key_for(tmp_path, "http://127.0.0.1:8787/v1", proxy) is None
