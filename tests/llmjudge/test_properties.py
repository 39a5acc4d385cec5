"""Property: grading with the judge never raises, whatever the response looks like."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from evalgate.llmjudge import JUDGE_SCORERS
from evalgate.model import Case, Response, ScorerSpec
from tests.llmjudge.test_grader import _judge
from tests.scorers.test_properties import responses

PARAMS: dict[str, list[Any]] = {
    "rubric": ["mention '30 days'", {"criteria": "c", "pass_when": "p", "votes": 3}],
    "grounded": [True, {"passages": "other"}],
    "similar": ["a reference", {"reference": "r", "threshold": 0.2}],
}


def test_every_judge_scorer_is_covered() -> None:
    assert set(PARAMS) == JUDGE_SCORERS


@pytest.mark.parametrize("name", sorted(PARAMS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(response=responses)
def test_judge_grading_never_raises(name: str, response: Response) -> None:
    async def go() -> list[Any]:
        j = _judge(None)
        try:
            return [
                await j.grade(ScorerSpec(name, p), response, Case("c", "d", {"m": "q"}))
                for p in PARAMS[name]
            ]
        finally:
            await j.client.aclose()

    for rec in asyncio.run(go()):
        assert 0.0 <= rec.score <= 1.0
        assert isinstance(rec.reason, str) and rec.reason
        if rec.error is not None:  # only a missing passages mapping may stop grounded
            assert name == "grounded" and "passages" in rec.error
