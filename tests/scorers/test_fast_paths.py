"""The scoring hot paths give what the plain versions they replace gave, for any input.

Each ``_plain_*`` function below is the straightforward version the fast one replaced, kept
here as the reference: every reason, score and pass/fail must stay identical.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from evalgate.model import Case, Response, Score, ScorerSpec, ToolCall
from evalgate.scorers import citation as citation_mod
from evalgate.scorers import tools as tools_mod
from evalgate.scorers._match import match, render
from evalgate.scorers._util import one_line
from evalgate.scorers.outcome import InvalidScore, coerce_score
from evalgate.scorers.registry import Registry, ScoreRecord, apply_scorer
from evalgate.scoring import CaseScore, combine, score_case, scoring_plan
from tests.scorers.test_properties import responses, tool_calls
from tests.support.oracle import oracle

_WS = re.compile(r"\s+")
FAST = oracle(120)


def _plain_one_line(text: str) -> str:
    return _WS.sub(" ", text).strip()


spaced = st.text(
    st.sampled_from([" ", "a", "é", "\t", "\n", "\x1c", "\x85", "\xa0", "\u2028", "\u3000"]),
    max_size=12,
) | st.text(max_size=12)


@FAST
@given(text=spaced)
@example("a  b")
@example(" a")
@example("a ")
@example("a\u3000b")
def test_one_line_is_the_whitespace_collapse(text: str) -> None:
    assert one_line(text) == _plain_one_line(text)


def test_one_line_returns_a_one_line_text_itself() -> None:
    name = "".join(["search", "_kb and more"])
    assert one_line(name) is name


@FAST
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
        max_leaves=6,
    ),
    width=st.integers(2, 60),
)
def test_render_is_what_json_dumps_gave(value: Any, width: int) -> None:
    s = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    assert render(value, width) == (s if len(s) <= width else s[: width - 1] + "…")


def _plain_combine(records: Sequence[ScoreRecord], threshold: float | None = None) -> CaseScore:
    errors = [
        r.error if r.error.startswith("scorer '") else f"{r.scorer}: {r.error}"
        for r in records
        if r.error is not None
    ]
    scored = [r for r in records if not r.advisory]
    total_weight = sum(max(r.weight, 0.0) for r in scored)
    if not scored:
        score = 1.0
    elif total_weight > 0:
        score = sum(r.score * max(r.weight, 0.0) for r in scored) / total_weight
    else:
        score = sum(r.score for r in scored) / len(scored)
    passed = all(r.passed for r in scored) and not errors
    if threshold is not None and score < threshold:
        passed = False
    return CaseScore(score, passed, tuple(records), error="; ".join(errors) or None)


records = st.builds(
    ScoreRecord,
    scorer=st.sampled_from(["contains", "citation", "judge"]),
    score=st.floats(0, 1) | st.sampled_from([0.0, 0.5, 1.0, 1 / 3]),
    passed=st.booleans(),
    reason=st.text(max_size=5),
    weight=st.floats(-2, 5) | st.sampled_from([0.0, -0.0, 1.0, float("nan"), 1e-300]),
    error=st.none() | st.sampled_from(["boom", "scorer 'x' raised ValueError"]),
    turn=st.none() | st.integers(0, 2),
    advisory=st.booleans(),
)


def _same_score(a: CaseScore, b: CaseScore) -> bool:
    nan = math.isnan(a.score) and math.isnan(b.score)
    return (nan or a.score == b.score) and (a.passed, a.records, a.error) == (
        b.passed,
        b.records,
        b.error,
    )


@FAST
@given(rs=st.lists(records, max_size=6), threshold=st.none() | st.floats(0, 1))
def test_combine_is_the_plain_weighted_mean(rs: list[ScoreRecord], threshold: float | None) -> None:
    got, want = combine(rs, threshold), _plain_combine(rs, threshold)
    assert _same_score(got, want)
    assert type(got.passed) is bool


def _plain_coerce(value: Score, name: str) -> Score:
    passed, reason = value.passed, value.reason
    if not isinstance(passed, bool):
        raise InvalidScore("passed")
    if not isinstance(reason, str):
        raise InvalidScore("reason")
    v = float(value.value)
    if not math.isfinite(v) or not 0.0 <= v <= 1.0:
        raise InvalidScore("range")
    return Score(v, passed, str(reason))


@FAST
@given(
    value=st.floats(allow_nan=True) | st.integers(-2, 2) | st.sampled_from([True, 0.5]),
    passed=st.booleans() | st.sampled_from([1, "no", None]),
    reason=st.text(max_size=5) | st.sampled_from([None, 3]),
)
def test_a_score_is_taken_as_it_was_checked_before(value: Any, passed: Any, reason: Any) -> None:
    s = Score(value, passed, reason)
    try:
        want: Score | str = _plain_coerce(s, "x")
    except InvalidScore:
        want = "invalid"
    try:
        got: Score | str = coerce_score(s, "x")
    except InvalidScore:
        got = "invalid"
    assert got == want
    if isinstance(got, Score):
        assert (type(got.value), type(got.passed), type(got.reason)) == (float, bool, str)


def _plain_text_markers(text: str, pattern: str | None = None) -> list[str]:
    if pattern is not None:
        return citation_mod.text_markers(text, pattern)
    body = citation_mod._FOOTNOTE_DEF.sub("", text)
    found: list[tuple[int, str]] = []
    for rx in citation_mod._MARKERS:
        for m in rx.finditer(body):
            found.extend((m.start(), t) for t in citation_mod._SPLIT.split(m.group(1).strip()) if t)
    tokens = [t for _, t in sorted(found, key=lambda x: x[0])]
    return [t for t in tokens if len(t) > 1 or t.isdecimal()]


marked = st.lists(
    st.sampled_from(
        [
            *"[]^()【】†:,; \n12",
            *("kb-a", "source", "doc", "x", "[^1]", "[^1]: kb-z\n"),
            *("(source: kb-q)", "【3†s】", "[kb-b, 2]", "(Sources: 1; kb-b)"),
        ]
    ),
    max_size=25,
).map("".join)


@FAST
@given(text=marked | st.text(max_size=40))
def test_citation_markers_are_found_as_by_every_scan(text: str) -> None:
    assert citation_mod.text_markers(text) == _plain_text_markers(text)


def _plain_tool_call(response: Response, params: Any, case: Case) -> Score:
    """The tool_call scorer as it was (names always built, every hit collected)."""
    one_line_, _name_checks = tools_mod.one_line, tools_mod._name_checks
    describe, _is_subsequence, _seq = tools_mod.describe, tools_mod._is_subsequence, tools_mod._seq
    p: Mapping[str, Any] = {"name": params} if isinstance(params, str) else params
    if not isinstance(p, Mapping):
        return Score.fail(f"tool_call params must be a tool name or a mapping, got {render(p)}")
    calls = tuple(c for c in response.tool_calls if isinstance(c, ToolCall))
    names = [one_line_(str(c.name)) for c in calls]
    checks: list[tuple[bool, str]] = []
    name = p.get("name")
    if isinstance(name, str):
        checks.extend(_name_checks(name, p, calls))
    order = p.get("order")
    if isinstance(order, list) and order:
        ok = _is_subsequence([str(o) for o in order], names)
        checks.append((ok, f"expected calls in order {' → '.join(map(str, order))}; {_seq(names)}"))
    sequence = p.get("sequence")
    if isinstance(sequence, list):
        ok = names == [str(s) for s in sequence]
        want = " → ".join(map(str, sequence)) or "no calls"
        checks.append((ok, f"expected exactly {want}; {_seq(names)}"))
    if not checks and p.get("called") is False:
        checks.append((not names, f"expected no tool calls; {_seq(names)}"))
    if not checks:
        return Score.fail("tool_call needs a name, order or sequence")
    failed = [why for ok, why in checks if not ok]
    value = (len(checks) - len(failed)) / len(checks)
    if failed:
        return Score(value, False, "; ".join(w for w in failed if w))
    if isinstance(name, str) and p.get("called", True) is False:
        return Score.ok(f"{name} was not called")
    if isinstance(name, str):
        raw = p.get("arguments")
        expected = raw if isinstance(raw, Mapping) else {}
        strict = bool(p.get("strict", False))
        hits = [
            c for c in calls if c.name == name and match(expected, arguments_of(c), strict) is None
        ]
        return Score.ok(f"called {describe(hits[0])}" if hits else f"called {name}")
    return Score.ok(_seq(names))


arguments_of = tools_mod.arguments_of
names_ = st.sampled_from(["t", "a", "search_kb", "x\ny", "  t "])
tool_params = st.sampled_from(["t", "search_kb"]) | st.fixed_dictionaries(
    {},
    optional={
        "name": names_,
        "called": st.booleans(),
        "arguments": st.sampled_from([{}, {"q": "/a/i"}, {"n": 1}, {"q": {"x": [1]}}]),
        "strict": st.booleans(),
        "permission": st.sampled_from(["allowed", "denied"]),
        "times": st.integers(0, 2),
        "order": st.lists(names_, max_size=3),
        "sequence": st.lists(names_, max_size=3),
    },
)
called = st.builds(
    ToolCall,
    name=names_,
    arguments=st.sampled_from([{}, {"q": "Abc"}, {"n": "1"}, {"q": {"x": [1, 2]}}, {"n": 2}]),
    permission=st.none() | st.sampled_from(["allowed", "denied"]),
)
CASE = Case(id="c", dataset="d")


@FAST
@given(
    calls=st.lists(called | tool_calls, max_size=4),
    params=tool_params,
)
def test_tool_call_scores_as_it_did(calls: list[ToolCall], params: Any) -> None:
    response = Response(output="x", tool_calls=tuple(calls))
    assert tools_mod.tool_call(response, params, CASE) == _plain_tool_call(response, params, CASE)


citation_params = st.sampled_from([True, False]) | st.fixed_dictionaries(
    {},
    optional={
        "required": st.booleans(),
        "any_of": st.lists(st.sampled_from(["kb-a", "kb-b", "1"]), min_size=1, max_size=2),
        "all_of": st.lists(st.sampled_from(["kb-a", "kb-z"]), min_size=1, max_size=2),
        "none_of": st.lists(st.sampled_from(["kb-q", "x"]), min_size=1, max_size=2),
        "min": st.integers(0, 3),
        "must_be_retrieved": st.booleans(),
        "in_text": st.booleans(),
    },
)


@FAST
@given(
    text=marked,
    cited=st.lists(st.sampled_from(["kb-a", "kb-b", "kb-q"]), max_size=3),
    retrieved=st.lists(st.sampled_from(["kb-a", "kb-b", "kb-z"]), max_size=3),
    params=citation_params,
)
def test_citation_scores_as_by_every_scan(
    text: str, cited: list[str], retrieved: list[str], params: Any
) -> None:
    response = Response(output=text, citations=tuple(cited), retrieved=tuple(retrieved))
    got = citation_mod.citation(response, params, CASE)
    plain = citation_mod.text_markers
    try:
        citation_mod.text_markers = _plain_text_markers  # type: ignore[assignment]
        want = citation_mod.citation(
            response, dict(params) if isinstance(params, dict) else params, CASE
        )
    finally:
        citation_mod.text_markers = plain  # type: ignore[assignment]
    assert got == want


REG = Registry()
specs = st.lists(
    st.sampled_from(
        [
            ScorerSpec("contains", "30 days"),
            ScorerSpec("icontains", ["DAYS", "x"], weight=2.0),
            ScorerSpec("citation", {"required": True, "any_of": ["kb-a"]}, weight=0.0),
            ScorerSpec("tool_call", "t"),
            ScorerSpec("no_such", 1),
        ]
    ),
    max_size=4,
).map(tuple)


@FAST
@given(expect=specs, response=responses, threshold=st.none() | st.floats(0, 1))
def test_a_single_turn_case_is_scored_as_its_plan_says(
    expect: tuple[ScorerSpec, ...], response: Response, threshold: float | None
) -> None:
    case = Case(id="c", dataset="d", expect=expect, threshold=threshold)
    plan, missing = scoring_plan(case, [response])
    want = _plain_combine([apply_scorer(s, r, case, REG, turn=t) for s, r, t in plan], threshold)
    assert missing is None
    assert _same_score(score_case(case, [response], REG), want)
