"""Built-ins prepared once per expect item, and cases scored by their expect list's plan,
give what the plain scorers (tests/scorers/plain_scorers.py) and apply_scorer gave.

A prepared check is used for many responses in turn (a run's cases share their expect
lists), so each property applies one check to several responses, in order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from evalgate.model import Case, Response, Score, ScorerSpec, ToolCall
from evalgate.scorers.registry import Registry, ScoreRecord, apply_scorer, preparer
from evalgate.scoring import PLANS_KEPT, CaseScore, combine, plan_of, score_case
from tests.scorers import plain_scorers as plain
from tests.scorers.test_fast_paths import called, marked, tool_params
from tests.scorers.test_properties import odd, responses, tool_calls
from tests.support.oracle import oracle

FAST = oracle(50)
REG = Registry()
CASE = Case(id="c", dataset="d")

PLAIN: dict[str, Callable[[Response, Any, Case], Score]] = {
    "contains": plain.plain_contains,
    "icontains": plain.plain_icontains,
    "not_contains": plain.plain_not_contains,
    "regex": plain.plain_regex,
    "not_regex": plain.plain_not_regex,
    "equals": plain.plain_equals,
    "citation": plain.plain_citation,
    "tool_call": plain.plain_tool_call,
}

words = st.sampled_from(["30 days", "DAYS", "ß", "SS", "", "a", " a  b ", "x\ny", "[kb-a]"])
texts = st.lists(words | st.text(max_size=6), max_size=5).map(" ".join)
text_params: dict[str, st.SearchStrategy[Any]] = {
    "contains": words | st.lists(words, max_size=3) | odd,
    "icontains": words | st.lists(words, max_size=3) | odd,
    "not_contains": words | st.lists(words, max_size=3) | odd,
    "regex": st.sampled_from([r"\d+", "(", "a|", "^$", {"pattern": "A", "flags": "i"}, {}]) | odd,
    "not_regex": st.sampled_from([r"\d+", "[", "days", {"pattern": "x", "flags": "ms"}]) | odd,
    "equals": words
    | st.fixed_dictionaries(
        {"value": words},
        optional={"normalize_whitespace": st.booleans(), "ignore_case": st.booleans()},
    )
    | odd,
}
citation_params = st.sampled_from(
    [True, False, None, {}, {"pattern": "("}]
) | st.fixed_dictionaries(
    {},
    optional={
        "required": st.booleans(),
        "any_of": st.lists(st.sampled_from(["kb-a", "kb-b", "1"]), min_size=1, max_size=2),
        "all_of": st.lists(st.sampled_from(["kb-a", "kb-z"]), min_size=1, max_size=2),
        "none_of": st.lists(st.sampled_from(["kb-q", "x"]), min_size=1, max_size=2),
        "min": st.integers(0, 3) | st.just(True),
        "must_be_retrieved": st.booleans(),
        "in_text": st.booleans(),
        "pattern": st.sampled_from([r"<(\w+)>", r"\[(\w+)\]", "kb-[a-z]"]),
    },
)
# numbers int() reads and digits it does not (superscripts)
numbered = st.lists(
    st.sampled_from(["[", "]", "^", "【", "】", "†", "1", "²", "٣", "kb-a", " ", "[^²]", "【³】"]),
    max_size=12,
).map("".join)
cited_responses = st.builds(
    Response,
    output=marked | numbered | st.none(),
    citations=st.lists(st.sampled_from(["kb-a", "kb-b", "kb-q"]), max_size=3).map(tuple),
    retrieved=st.lists(st.sampled_from(["kb-a", "kb-b", "kb-z"]), max_size=3).map(tuple),
)
tool_responses = st.builds(
    Response, output=st.just("x"), tool_calls=st.lists(called | tool_calls, max_size=4).map(tuple)
)


def _same(got: Score, want: Score) -> bool:
    nan = math.isnan(got.value) and math.isnan(want.value)
    return (nan or got.value == want.value) and (got.passed, got.reason) == (
        want.passed,
        want.reason,
    )


def _check_in_turn(name: str, params: Any, rs: list[Response]) -> None:
    d = REG.get(name)
    assert d is not None
    prepare = preparer(d)
    assert prepare is not None, f"{name} is prepared once per expect item"
    check = prepare(params)  # one check for every response, as a run uses it
    for r in rs:
        want = PLAIN[name](r, params, CASE)
        assert _same(check(r, CASE), want)
        assert _same(d.fn(r, params, CASE), want)  # the scorer function itself
        assert check(r, CASE) == want or math.isnan(want.value)  # again: what it keeps


@pytest.mark.parametrize("name", sorted(text_params))
@FAST
@given(data=st.data())
def test_a_prepared_text_scorer_scores_as_the_plain_one(name: str, data: st.DataObject) -> None:
    params = data.draw(text_params[name])
    rs = data.draw(
        st.lists(st.builds(Response, output=texts | st.none() | odd) | responses, max_size=4)
    )
    _check_in_turn(name, params, rs)


@FAST
@given(params=citation_params, rs=st.lists(cited_responses | responses, min_size=1, max_size=4))
@example({"required": True, "any_of": ["kb-a"]}, [Response("a [kb-a]"), Response("[kb-b] a")])
@example({"min": True}, [Response("[kb-a]"), Response("none")])
@example({"required": True}, [Response("[kb-a]"), Response("[kb-a] [kb-b]"), Response("[kb-a]")])
def test_a_prepared_citation_scores_as_the_plain_one(params: Any, rs: list[Response]) -> None:
    _check_in_turn("citation", params, rs)


@FAST
@given(params=tool_params | odd, rs=st.lists(tool_responses | responses, min_size=1, max_size=4))
@example("t", [Response(tool_calls=(ToolCall("a"), ToolCall("t", {"q": 1})))])
def test_a_prepared_tool_call_scores_as_the_plain_one(params: Any, rs: list[Response]) -> None:
    _check_in_turn("tool_call", params, rs)


def test_every_text_citation_and_tool_scorer_is_prepared() -> None:
    for name in PLAIN:
        d = REG.get(name)
        assert d is not None and preparer(d) is not None, name


def _plain_case_score(case: Case, response: Response, registry: Registry) -> CaseScore:
    """What scoring a single-turn case gave: each scorer applied through the registry."""
    return combine([apply_scorer(s, response, case, registry) for s in case.expect], case.threshold)


def _same_case(a: CaseScore, b: CaseScore) -> bool:
    nan = math.isnan(a.score) and math.isnan(b.score)
    return (nan or a.score == b.score) and (a.passed, a.records, a.error) == (
        b.passed,
        b.records,
        b.error,
    )


specs = st.lists(
    st.sampled_from(
        [
            ScorerSpec("contains", "30 days"),
            ScorerSpec("contains", ["days", "3"], weight=0.5),
            ScorerSpec("icontains", ["DAYS", "x"], weight=2.0),
            ScorerSpec("not_contains", "sk-"),
            ScorerSpec("regex", r"\d+ days"),
            ScorerSpec("equals", "30 days"),
            ScorerSpec("citation", {"required": True, "any_of": ["kb-a"]}, weight=0.0),
            ScorerSpec("citation", True, weight=-1.0),
            ScorerSpec("tool_call", "t"),
            ScorerSpec("max_latency_ms", 100),
            ScorerSpec("refusal", False),
            ScorerSpec("no_such", 1),
        ]
    ),
    max_size=4,
).map(tuple)
answers = st.builds(
    Response,
    output=st.sampled_from(["30 days [kb-a]", "30 days", "no", "", "[1] 30 DAYS"]) | st.none(),
    citations=st.lists(st.sampled_from(["kb-a", "kb-b"]), max_size=2).map(tuple),
    retrieved=st.lists(st.sampled_from(["kb-a", "kb-b"]), max_size=2).map(tuple),
    tool_calls=st.lists(called, max_size=2).map(tuple),
    latency_ms=st.sampled_from([0.0, 50.0, 500.0]),
)


@FAST
@given(
    expect=specs,
    rs=st.lists(answers | responses, min_size=1, max_size=5),
    thresholds=st.lists(st.none() | st.floats(0, 1), min_size=5, max_size=5),
)
def test_cases_sharing_an_expect_list_score_as_each_scorer_applied_alone(
    expect: tuple[ScorerSpec, ...], rs: list[Response], thresholds: list[float | None]
) -> None:
    reg = Registry()
    for i, (r, threshold) in enumerate(zip(rs, thresholds, strict=False)):
        # the cases share the list itself, as the golden loader's cases share theirs
        case = Case(id=f"c{i}", dataset="d", expect=expect, threshold=threshold, line=i)
        assert _same_case(score_case(case, [r], reg), _plain_case_score(case, r, Registry()))
    assert len(reg.plans) == 1


def test_a_passing_record_that_says_the_same_is_shared() -> None:
    reg = Registry()
    expect = (ScorerSpec("contains", "30 days"), ScorerSpec("citation", True))
    one, two = (
        score_case(Case(id=i, dataset="d", expect=expect), [Response(f"30 days [kb-a] {i}")], reg)
        for i in ("a", "b")
    )
    assert one.records == two.records
    assert all(a is b for a, b in zip(one.records, two.records, strict=True))
    other = score_case(Case(id="c", dataset="d", expect=expect), [Response("30 days [kb-b]")], reg)
    assert other.records[1].reason == "cited kb-b"  # a different reason: its own record


def test_a_plan_is_made_again_once_a_scorer_is_added(tmp_path: Path) -> None:
    reg = Registry()
    case = Case(id="a", dataset="d", expect=(ScorerSpec("mine", None),))
    assert score_case(case, [Response("x")], reg).error == "mine: unknown scorer"
    (tmp_path / "mine.py").write_text(
        "from evalgate import scorer\n\n@scorer('mine')\ndef mine(r, p, c):\n    return True\n"
    )
    assert reg.load_dir(tmp_path) == []
    got = score_case(case, [Response("x")], reg)
    assert (got.error, got.passed) == (None, True)


def test_params_a_built_in_cannot_prepare_are_applied_to_each_response(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reg = Registry()
    d = reg.get("contains")
    assert d is not None

    def broken(params: Any) -> Any:
        raise ValueError("bad params")

    from evalgate.scorers import registry as registry_mod

    monkeypatch.setitem(registry_mod._PREPARED, d.fn, broken)
    case = Case(id="a", dataset="d", expect=(ScorerSpec("contains", "x"),))
    for answer in ("x", "y"):  # the scorer itself, through apply_scorer, for each response
        got = score_case(case, [Response(answer)], reg)
        assert _same_case(got, _plain_case_score(case, Response(answer), reg))
        assert got.passed is (answer == "x")


def test_a_check_that_raises_gives_the_error_record_apply_scorer_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reg = Registry()
    d = reg.get("contains")
    assert d is not None

    def prepare(params: Any) -> Any:
        def check(response: Response, case: Case) -> Score:
            raise KeyError("boom")

        return check

    from evalgate.scorers import registry as registry_mod

    monkeypatch.setitem(registry_mod._PREPARED, d.fn, prepare)
    case = Case(id="a", dataset="d", expect=(ScorerSpec("contains", "x", weight=2.0),))
    got = score_case(case, [Response("x")], reg).records[0]
    assert (got.score, got.passed, got.weight) == (0.0, False, 2.0)
    assert got.error == got.reason and "raised KeyError: 'boom'" in got.reason


def test_plans_kept_are_bounded_and_a_dropped_plan_is_made_again() -> None:
    reg = Registry()
    cases = [
        Case(id=f"c{i}", dataset="d", expect=(ScorerSpec("contains", f"w{i}"),))
        for i in range(PLANS_KEPT + 10)
    ]
    for c in cases:
        assert score_case(c, [Response("w1 w2")], reg).passed is (c.id in ("c1", "c2"))
    assert len(reg.plans) <= PLANS_KEPT
    assert plan_of(cases[0], reg).held is cases[0].expect


def test_a_record_is_kept_whole_for_the_results() -> None:
    reg = Registry()
    case = Case(id="a", dataset="d", expect=(ScorerSpec("contains", "x", weight=3.0),))
    rec = score_case(case, [Response("x")], reg).records[0]
    assert rec == ScoreRecord("contains", 1.0, True, 'contains "x"', 3.0)
