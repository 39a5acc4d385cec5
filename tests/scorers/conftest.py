from __future__ import annotations

from typing import Any

import pytest

from evalgate.model import Case, Response, Score, ScorerSpec
from evalgate.scorers.registry import Registry, apply_scorer


@pytest.fixture
def registry() -> Registry:
    """A fresh registry: built-ins only, no plugins leaking between tests."""
    return Registry()


def run(name: str, params: Any, response: Response, case: Case | None = None) -> Score:
    """Apply one built-in scorer through the registry, as the runner does."""
    rec = apply_scorer(ScorerSpec(name, params), response, case or Case("c", "d"), Registry())
    assert rec.error is None, rec.reason
    return Score(rec.score, rec.passed, rec.reason)
