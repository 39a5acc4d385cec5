from __future__ import annotations

from pathlib import Path

from evalgate.model import Case, Response, ScorerSpec, ToolCall, Turn
from evalgate.scorers.registry import Registry
from evalgate.scoring import CaseScore, score_case

ANSWER = Response(output="Refunds within 30 days [kb-refunds].", retrieved=("kb-refunds",))


def spec(name: str, params: object, weight: float = 1.0) -> ScorerSpec:
    return ScorerSpec(name, params, weight=weight)


def test_no_scorers_scores_one_and_passes() -> None:
    assert score_case(Case("c", "d"), [ANSWER]) == CaseScore(1.0, True, ())


def test_weighted_mean_and_all_must_pass() -> None:
    case = Case(
        "c",
        "d",
        expect=(spec("contains", "30 days", 3.0), spec("contains", "receipt", 1.0)),
    )
    cs = score_case(case, [ANSWER], Registry())
    assert cs.score == 0.75
    assert not cs.passed and cs.error is None
    assert [r.passed for r in cs.records] == [True, False]
    assert cs.records[1].weight == 1.0 and cs.records[0].turn is None


def test_threshold_fails_a_case_whose_scorers_pass_partially() -> None:
    expect = (spec("contains", ["30 days", "receipt"]),)  # 0.5, failing
    cs = score_case(Case("c", "d", expect=expect, threshold=0.4), [ANSWER])
    assert cs.score == 0.5 and not cs.passed
    passing = (spec("contains", "30 days"),)
    assert not score_case(Case("c", "d", expect=passing, threshold=1.5), [ANSWER]).passed
    assert score_case(Case("c", "d", expect=passing, threshold=1.0), [ANSWER]).passed


def test_multi_turn_applies_each_turns_expect_and_case_expect_to_last() -> None:
    case = Case(
        "c",
        "d",
        turns=(
            Turn({"message": "My invoice is wrong"}, (spec("refusal", False),)),
            Turn({"message": "Please escalate"}, (spec("tool_call", {"name": "create_ticket"}),)),
        ),
        expect=(spec("contains", "ticket"),),
    )
    first = Response(output="Sorry about that. Which invoice?")
    last = Response(output="I've opened a ticket.", tool_calls=(ToolCall("create_ticket"),))
    cs = score_case(case, [first, last], Registry())
    assert cs.passed, cs.records
    assert [(r.scorer, r.turn) for r in cs.records] == [
        ("refusal", 0),
        ("tool_call", 1),
        ("contains", None),
    ]
    swapped = score_case(case, [last, first], Registry())
    assert [r.passed for r in swapped.records] == [True, False, False]


def test_multi_turn_with_missing_response_is_an_error() -> None:
    case = Case("c", "d", turns=(Turn({}), Turn({})))
    cs = score_case(case, [ANSWER])
    assert not cs.passed and cs.error == "turn 1 has no response (1 for 2 turns)"


def test_raising_scorer_sets_error(tmp_path: Path) -> None:
    (tmp_path / "boom.py").write_text(
        "from evalgate import scorer\n\n"
        "@scorer('boom')\ndef boom(r, p, c):\n    raise ValueError('bad data')\n"
    )
    reg = Registry()
    assert reg.load_dir(tmp_path) == []
    case = Case("c", "d", expect=(spec("contains", "30"), spec("boom", True)))
    cs = score_case(case, [ANSWER], reg)
    assert not cs.passed
    where = f"{tmp_path / 'boom.py'}:5"
    assert cs.error == f"scorer 'boom' ({where}) raised ValueError: bad data"
    assert cs.records[1].reason == cs.error


def test_unknown_scorer_sets_error() -> None:
    cs = score_case(Case("c", "d", expect=(spec("citaton", True),)), [ANSWER], Registry())
    assert cs.error == "citaton: unknown scorer"


def test_no_responses_is_an_error() -> None:
    assert score_case(Case("c", "d"), []).error == "no response to score"
