"""Drift re-checks: keyed by who answered, so a stable judge is asked nothing and a new model
behind the same name is really asked."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from evalgate.demo import judge as demo_judge
from evalgate.llmjudge import drift
from evalgate.llmjudge.cache import JudgeCache
from evalgate.llmjudge.client import Endpoint, JudgeClient
from evalgate.llmjudge.grader import Judge

CRIT = "The answer must mention '30 days'"


class Server:
    """The demo judge, with what it reports as its model and fingerprint, and a flip switch."""

    def __init__(self) -> None:
        self.served: dict[str, Any] = {"model": "demo-judge", "system_fingerprint": "fp1"}
        self.flip = False
        self.calls = 0

    def handle(self, req: httpx.Request) -> httpx.Response:
        self.calls += 1
        out = demo_judge.chat(json.loads(req.content))
        out.pop("system_fingerprint", None)
        out.update({k: v for k, v in self.served.items() if v is not None})
        if self.served["model"] is None:
            out.pop("model")
        if self.flip:
            v = json.loads(out["choices"][0]["message"]["content"])
            v["passed"] = not v["passed"]
            out["choices"][0]["message"]["content"] = json.dumps(v)
        return httpx.Response(200, json=out)


def _judge(tmp: Path, server: Server) -> Judge:
    ep = Endpoint("http://judge.test/v1", "demo-judge", None, retries=0)
    return Judge(JudgeClient(ep, httpx.MockTransport(server.handle)), JudgeCache(tmp))


def _items() -> list[dict[str, Any]]:
    answers = ["You have 30 days.", "Two weeks.", "Within 30 days.", "No refunds.", "30 days"]
    return [
        {
            "scorer": "rubric",
            "params": CRIT,
            "input": {},
            "output": a,
            "line": i + 1,
            "judge": "30 days" in a,
        }
        for i, a in enumerate(answers)
    ]


def _recheck(tmp: Path, server: Server, served: Any) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        j = _judge(tmp, server)
        try:
            return await drift.recheck(j, _items(), served)
        finally:
            await j.client.aclose()

    return asyncio.run(go())


def test_a_stable_judge_is_asked_nothing_and_a_new_one_is_really_asked(tmp_path: Path) -> None:
    server = Server()
    j = _judge(tmp_path, server)
    for it in _items():  # as 'evalgate judge calibrate' files them
        drift.remember(j, it, bool(it["judge"]), ("demo-judge", "fp1"))
    same = _recheck(tmp_path, server, ("demo-judge", "fp1"))
    assert (same["calls"], same["cached"], same["changed"]) == (0, 5, 0) and server.calls == 0
    # nobody said who answers this run (every verdict came from the cache): one probe call
    probe = _recheck(tmp_path, server, None)
    assert probe["calls"] == 1 and probe["cached"] == 4 and probe["served"] == ["demo-judge", "fp1"]
    # a new model behind the same name: another fingerprint, other verdicts
    server.served["system_fingerprint"], server.flip = "fp2", True
    moved = _recheck(tmp_path, server, ("demo-judge", "fp2"))
    assert moved["calls"] == 5 and moved["changed"] == 5
    assert moved["changed_label_lines"] == [1, 2, 3, 4, 5]


def test_a_server_that_says_nothing_of_itself_is_asked_every_time(tmp_path: Path) -> None:
    server = Server()
    server.served = {"model": None, "system_fingerprint": None}
    first = _recheck(tmp_path, server, None)
    again = _recheck(tmp_path, server, (None, None))
    assert first["calls"] == 5 and again["calls"] == 5 and again["changed"] == 0


def test_the_sample_is_the_same_labels_every_run() -> None:
    items = _items()
    assert drift.sample(items, 3) == drift.sample(list(reversed(items)), 3)
    assert len(drift.sample(items, 3)) == 3 and drift.sample(items, 0) == []
    assert len(drift.sample(items + items, 9)) == len(items)  # a label given twice: once


def _project(tmp: Path, flips: int) -> tuple[Any, list[Any]]:
    """A config whose calibration (20 labels of one criterion) lets CRIT block, and the labels
    with ``flips`` of the sampled ones recorded with the other verdict than the judge gives."""
    from evalgate.config.model import Config, JudgeConfig, TargetConfig
    from evalgate.llmjudge import calibration
    from evalgate.model import Case, ScorerSpec

    items = [
        {"scorer": "rubric", "params": CRIT, "input": {}, "line": i + 1,
         "output": f"You have 30 days ({i})." if i % 2 else f"Two weeks ({i}).",
         "human": bool(i % 2), "judge": bool(i % 2)}
        for i in range(20)
    ]  # fmt: skip
    for it in drift.sample(items, 5)[:flips]:
        it["judge"] = not it["judge"]
    pairs = [(bool(i["judge"]), bool(i["human"])) for i in items]
    cal = {
        "format": calibration.FORMAT,
        "judge": calibration.identity("http://judge.test/v1", "demo-judge"),
        "served": [["demo-judge", "fp1"]],
        **calibration.agreement(pairs),
        "criteria": {calibration.criterion_of("rubric", CRIT): calibration.agreement(pairs)},
        "items": items,
    }
    (tmp / "cal.json").write_text(json.dumps(cal), "utf-8")
    cfg = Config(
        target=TargetConfig(url="http://x"),
        judge=JudgeConfig(
            base_url="http://judge.test/v1",
            model="demo-judge",
            calibration="cal.json",
            cache_dir="cache",
            min_agreement=0.0,
            retries=0,
        ),
        root=tmp,
    )
    return cfg, [Case("c", "d", expect=(ScorerSpec("rubric", CRIT),))]


@pytest.mark.parametrize(("flips", "drifted"), [(0, False), (1, False), (2, True)])
def test_more_changed_verdicts_than_the_tolerance_make_the_run_inconclusive(
    tmp_path: Path, flips: int, drifted: bool
) -> None:
    cfg, cases = _project(tmp_path, flips)
    server = Server()
    why = drift.check(cfg, cases, tmp_path, transport=httpx.MockTransport(server.handle))
    assert (why is not None) == drifted, why
    if why:
        assert f"the LLM judge drifted: {flips} of 5 calibration labels" in why


def test_a_drift_check_that_cannot_reach_the_judge_is_inconclusive(tmp_path: Path) -> None:
    cfg, cases = _project(tmp_path, 0)

    def down(req: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    why = drift.check(cfg, cases, tmp_path, transport=httpx.MockTransport(down))
    assert why is not None and "drift check could not re-grade" in why
