"""The demo's custom scorers, and that a scorers_dir load registers them once."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalgate.demo.grounding import grounded_or_fallback, mentions_retrieved_title
from evalgate.model import Case, Response, Score
from evalgate.scorers.registry import REGISTRY

CASE = Case(id="c", dataset="d")
ROOT = Path(__file__).resolve().parents[2]


def _score(fn: object, response: Response, params: object = True) -> Score:
    assert callable(fn)
    s = fn(response, params, CASE)
    assert isinstance(s, Score)
    return s


def test_grounded_when_every_citation_was_retrieved() -> None:
    r = Response(output="x [kb-a]", citations=("kb-a",), retrieved=("kb-a", "kb-b"))
    assert _score(grounded_or_fallback, r).passed


def test_not_grounded_when_a_citation_was_not_retrieved() -> None:
    r = Response(output="x", citations=("kb-a", "kb-z"), retrieved=("kb-a",))
    s = _score(grounded_or_fallback, r)
    assert not s.passed and "kb-z" in s.reason


@pytest.mark.parametrize(
    ("output", "passed"),
    [
        ("I couldn't find anything about that in our help center.", True),
        ("Sorry, I don't know.", True),
        ("Banana bread needs three ripe bananas.", False),
        (None, False),
    ],
)
def test_uncited_answers_pass_only_as_an_honest_fallback(output: str | None, passed: bool) -> None:
    assert _score(grounded_or_fallback, Response(output=output)).passed is passed


def test_mentions_retrieved_title() -> None:
    titles = {"titles": ["Refund policy", "Payment methods"]}
    named = Response(output='According to "Refund Policy": ...', extra=titles)
    unnamed = Response(output="You have 30 days.", extra=titles)
    assert _score(mentions_retrieved_title, named).passed
    assert not _score(mentions_retrieved_title, unnamed).passed
    assert _score(mentions_retrieved_title, unnamed, False).passed
    assert not _score(mentions_retrieved_title, named, False).passed


def test_mentions_retrieved_title_explains_a_missing_mapping() -> None:
    s = _score(mentions_retrieved_title, Response(output="x"))
    assert not s.passed and "retrieval.titles" in s.reason


def test_both_scorer_folders_load_without_clashing() -> None:
    # The global registry, as a process that loads the repository's and the packaged config.
    problems = REGISTRY.load_dir(ROOT / "scorers")
    problems += REGISTRY.load_dir(ROOT / "evalgate" / "demo" / "scorers")
    assert problems == []
    for name in ("grounded_or_fallback", "mentions_retrieved_title"):
        d = REGISTRY.get(name)
        assert d is not None and d.params_schema is not None
