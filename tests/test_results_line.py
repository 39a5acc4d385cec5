"""A result's line built directly is the JSON encoder's text of ``result.to_dict()``, byte for
byte, whatever the fields hold; a result the encoder refuses fails as it did."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from evalgate.model import Response, ToolCall
from evalgate.results import CaseResult, TurnRecord
from evalgate.results_line import ResultLines, encode_line
from evalgate.scorers.registry import ScoreRecord
from tests.test_results_writer import json_value, results, text

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class Level(enum.IntEnum):
    HIGH = 3


class Name(str):
    pass


class Ratio(float):
    pass


def _cyclic() -> list[Any]:
    loop: list[Any] = [1]
    loop.append(loop)
    return loop


# what a field may hold when a caller builds a result by hand: other types than its own,
# subclasses the encoder writes its own way, values it writes specially or refuses
odd = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        1,
        -(10**30),
        1.5,
        -0.0,
        float("nan"),
        float("inf"),
        -float("inf"),
        1e-300,
        "",
        'é\u2028\x00"\\',
        "\ud800",
        Level.HIGH,
        Name("named"),
        Ratio(0.25),
        (1, "a"),
        [],
        {},
        {1: "a", 2.5: None, False: [], None: 0},
        {"k": (1, 2)},
        b"bytes",
        object(),
    ]
) | st.builds(_cyclic)
anything = odd | json_value


def _plain(r: CaseResult) -> str | type[BaseException]:
    try:
        return encode_line(r.to_dict())
    except Exception as exc:
        return type(exc)


def _built(lines: ResultLines, r: CaseResult) -> str | type[BaseException]:
    try:
        return lines.line(r)
    except Exception as exc:
        return type(exc)


@st.composite
def odd_results(draw: st.DrawFn) -> CaseResult:
    """A result with any of its fields replaced by an odd value."""
    r = draw(results())
    fields: dict[str, Any] = {}
    # in a fixed order: a set of strings iterates in an order that changes with PYTHONHASHSEED
    for name in sorted(draw(st.sets(st.sampled_from(sorted(CaseResult.__dataclass_fields__))))):
        fields[name] = draw(anything)
    response = draw(
        st.builds(
            Response,
            output=anything,
            citations=st.tuples(anything) | st.just(()),
            retrieved=st.lists(text | odd, max_size=3).map(tuple),
            tool_calls=st.tuples(st.builds(ToolCall, text | odd, st.dictionaries(text, anything))),
            prompt_version=anything,
            input_tokens=anything,
            cost_usd=anything,
            latency_ms=anything,
            refused=anything,
            status_code=anything,
            extra=st.dictionaries(text, anything, max_size=2),
            missing=st.lists(text | odd, max_size=2).map(tuple),
        )
    )
    if draw(st.booleans()):
        fields["response"] = response
    if draw(st.booleans()):
        fields["turns"] = (TurnRecord(draw(anything), response, "success", 1.0, None),)
    if draw(st.booleans()):
        fields["scores"] = (
            ScoreRecord(draw(text | odd), draw(anything), draw(anything), draw(text | odd)),
        )
    d = {f: getattr(r, f) for f in CaseResult.__dataclass_fields__}
    d.update(fields)
    return CaseResult(**d)


@SETTINGS
@given(batch=st.lists(results(), min_size=1, max_size=5))
def test_a_line_is_the_encoders_text_of_the_result(batch: list[CaseResult]) -> None:
    lines = ResultLines()
    for r in batch:
        assert lines.line(r) == encode_line(r.to_dict())


@SETTINGS
@given(batch=st.lists(odd_results(), min_size=1, max_size=4))
@example([CaseResult("c", "d", 0, "passed", "success", True, 1.0, request=_cyclic())])
@example([CaseResult("c", "d", True, "passed", "success", 1, 1)])  # type: ignore[arg-type]
@example([CaseResult("c", "d", 0, "passed", "success", True, float("nan"), latency_ms=-0.0)])
def test_whatever_a_field_holds_the_line_is_the_encoders(batch: list[CaseResult]) -> None:
    lines = ResultLines()
    for r in batch:
        assert _built(lines, r) == _plain(r)


def _fields(s: ScoreRecord) -> dict[str, Any]:
    return {f: getattr(s, f) for f in ScoreRecord.__dataclass_fields__}


def test_records_shared_with_the_last_result_are_written_as_they_were() -> None:
    lines = ResultLines()
    passed = ScoreRecord("contains", 1.0, True, 'contains "x"')
    cited = ScoreRecord("citation", 1.0, True, "cited kb-a", weight=2.0)
    failing = ScoreRecord(**{**_fields(cited), "passed": False, "score": 0.0, "reason": "none"})

    def result(i: int, *scores: ScoreRecord) -> CaseResult:
        return CaseResult(f"c{i}", "d", 0, "passed", "success", True, 1.0, scores=scores)

    batch = [
        result(1, passed, cited),
        result(2, passed, cited),  # the very records again
        result(3, passed, ScoreRecord(**_fields(cited))),  # equal records, other objects
        result(4, passed),  # fewer
        result(5, passed, failing),  # others
        result(6),  # none
        result(7, passed, cited),
    ]
    for r in batch:
        assert lines.line(r) == encode_line(r.to_dict())
        assert json.loads(lines.line(r))["scores"] == [s.to_dict() for s in r.scores]


class Ms(float):
    def __repr__(self) -> str:
        return "Ms()"


@pytest.mark.parametrize(
    ("latency", "own"),
    [
        (12.25, 12.25),
        (70.60483199893497, 0 + 70.60483199893497),  # equal values, other objects
        (0.0, -0.0),
        (-0.0, 0.0),
        (1.0, 1),
        (1, 1.0),
        (float("nan"), float("nan")),
        (float("inf"), float("inf")),
        (Ratio(0.5), 0.5),
        (0.5, Ratio(0.5)),
        (Ms(0.5), 0.5),
        (0.5, Ms(0.5)),
        (0.1 + 0.2, 0.3),
    ],
)
def test_the_results_latency_and_the_answers_are_each_written_as_they_are(
    latency: Any, own: Any
) -> None:
    """The result's latency and its answer's, most often equal, are written as each is."""
    r = CaseResult(
        "c", "d", 0, "passed", "success", True, 1.0, latency_ms=latency,
        response=Response(output="x", latency_ms=own),
    )  # fmt: skip
    assert ResultLines().line(r) == encode_line(r.to_dict())
