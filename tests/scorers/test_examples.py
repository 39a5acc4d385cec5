"""The example custom scorers in scorers/ (and their copy shipped with the demo)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalgate.model import Case, Response, ScorerSpec, ToolCall
from evalgate.scorers.registry import Registry, apply_scorer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "scorers"
DEMO_COPY = ROOT / "evalgate" / "demo" / "scorers"


@pytest.fixture(scope="module")
def reg() -> Registry:
    r = Registry()
    assert r.load_dir(EXAMPLES) == []
    return r


def score(reg: Registry, name: str, params: object, response: Response) -> tuple[bool, str]:
    rec = apply_scorer(ScorerSpec(name, params), response, Case("c", "d"), reg)
    assert rec.error is None, rec.reason
    return rec.passed, rec.reason


@pytest.mark.parametrize("name", ["retrieval_titles.py", "grounding.py"])
def test_demo_copy_is_identical(name: str) -> None:
    assert (DEMO_COPY / name).read_bytes() == (EXAMPLES / name).read_bytes()


def test_examples_import_only_the_public_api() -> None:
    for path in EXAMPLES.glob("*.py"):
        imports = [
            ln for ln in path.read_text().splitlines() if "evalgate" in ln and "import" in ln
        ]
        assert imports == ["from evalgate import Score, scorer"], path


RETRIEVED = Response(
    output="See the Refund policy article: refunds within 30 days.",
    retrieved=("kb-refunds", "kb-billing"),
    extra={"titles": ["Refund policy", "Billing FAQ"], "top_score": 0.82},
)


def test_mentions_retrieved_title(reg: Registry) -> None:
    assert score(reg, "mentions_retrieved_title", True, RETRIEVED) == (
        True,
        "mentions 'Refund policy'",
    )
    ok, reason = score(reg, "mentions_retrieved_title", {"min": 2}, RETRIEVED)
    assert (
        not ok
        and reason
        == "expected 2 retrieved title(s) named; none of 'Refund policy', 'Billing FAQ' found"
    )
    ok, reason = score(reg, "mentions_retrieved_title", True, Response(output="x"))
    assert not ok and reason.startswith("no retrieved titles in the response; map extra")


@pytest.mark.parametrize(
    ("response", "passed", "reason"),
    [
        (RETRIEVED, True, "grounded in 2 document(s) (top score 0.82)"),
        (
            Response(output="The answer is 42."),
            False,
            "nothing was retrieved, yet the answer does not fall back",
        ),
        (
            Response(output="I couldn't find that in our help center; I can open a ticket."),
            True,
            'nothing was retrieved; fell back: "couldn\'t find"',
        ),
        (
            Response(output="Our plan costs $5.", retrieved=("kb-x",), extra={"top_score": 0.1}),
            False,
            "top score 0.10 < 0.3, yet the answer does not fall back",
        ),
        (
            Response(output="Done.", tool_calls=(ToolCall("create_ticket"),)),
            True,
            "nothing was retrieved; fell back by creating a ticket",
        ),
        (
            Response(output="Let me hand you to a human agent."),
            True,
            "nothing was retrieved; fell back: 'human agent'",
        ),
    ],
)
def test_grounded_or_fallback(reg: Registry, response: Response, passed: bool, reason: str) -> None:
    ok, why = score(reg, "grounded_or_fallback", True, response)
    assert ok is passed and why.startswith(reason), why


def test_grounded_or_fallback_min_score(reg: Registry) -> None:
    ok, why = score(reg, "grounded_or_fallback", {"min_score": 0.9}, RETRIEVED)
    assert not ok and why.startswith("top score 0.82 < 0.9")
