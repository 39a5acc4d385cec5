"""Each result line is the JSON of the result, with every secret masked string by string, and
the result kept for the run is what the line says: encoded once, never parsed back."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalgate import masking
from evalgate.model import Response, ToolCall
from evalgate.results import CaseResult, TurnRecord
from evalgate.results_compact import CompactResults, _Shared
from evalgate.results_writer import ResultsWriter
from evalgate.scorers.registry import ScoreRecord

SECRET = "tok-9f8e7d6c5b"


@pytest.fixture(autouse=True)
def _clean_secrets() -> Iterator[None]:
    masking.clear()
    yield
    masking.clear()


def reference_line(r: CaseResult) -> str:
    """How a line was written before: the whole result masked string by string, then dumped."""
    d = r.to_dict()
    if masking.known():
        d = masking.scrub_obj(d)
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def write_all(tmp: Path, results: list[CaseResult]) -> tuple[list[str], list[CaseResult]]:
    kept: list[CaseResult] = []
    with ResultsWriter(tmp, kept.append) as w:
        for r in results:
            w.write(r)
    # split on newlines only: a line may hold U+2028 (which splitlines() splits on)
    lines = (tmp / "results.jsonl").read_text(encoding="utf-8").split("\n")[:-1]
    return lines, kept


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(
    [SECRET, f"Bearer {SECRET}", f"x{SECRET}y", "8080", "a\u2028b", 'q"uo\\te', "é€😀"]
)
number = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**20), 10**20)
json_value = st.recursive(
    st.none() | st.booleans() | number | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def results(draw: st.DrawFn) -> CaseResult:
    response = draw(
        st.none()
        | st.builds(
            Response,
            output=st.none() | text,
            citations=st.tuples(text),
            tool_calls=st.tuples(st.builds(ToolCall, text, st.dictionaries(text, json_value))),
            model=st.none() | text,
            latency_ms=st.floats(0, 1e6),
            extra=st.dictionaries(text, json_value, max_size=2),
            missing=st.tuples(text),
        )
    )
    scores = draw(
        st.lists(
            st.builds(
                ScoreRecord,
                text,
                st.floats(0, 1),
                st.booleans(),
                text,
                st.floats(0, 5),
                st.none() | text,
                st.none() | st.integers(0, 3),
                st.booleans(),
                st.none() | st.dictionaries(text, json_value, max_size=2),
            ),
            max_size=3,
        )
    )
    turns = draw(st.lists(st.builds(TurnRecord, json_value, st.just(response)), max_size=2))
    return CaseResult(
        case_id=draw(text.filter(bool)),
        dataset=draw(text),
        repeat=draw(st.integers(0, 5)),
        status=draw(st.sampled_from(["passed", "failed", "error", "skipped"])),
        outcome="success",
        passed=draw(st.booleans()),
        score=draw(st.none() | st.floats(0, 1)),
        scores=tuple(scores),
        latency_ms=draw(st.floats(0, 1e6)),
        request=draw(json_value),
        response=response,
        turns=tuple(turns),
        error=draw(st.none() | text),
        tags=tuple(draw(st.lists(text, max_size=2))),
        file=draw(text),
        line=draw(st.integers(0, 10**6)),
        threshold=draw(st.none() | st.floats(0, 1)),
        weight=draw(st.floats(0, 10)),
        confirmation=draw(st.booleans()),
    )


def _same(a: Any, b: Any) -> bool:
    """Equal, NaN included (a NaN read back from a line is another float object)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.parametrize("with_secret", [False, True])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(results(), min_size=1, max_size=4))
def test_each_line_and_kept_result_are_what_they_were(
    tmp_path_factory: pytest.TempPathFactory, with_secret: bool, batch: list[CaseResult]
) -> None:
    masking.clear()
    if with_secret:
        masking.register_named({SECRET: "API_TOKEN", "8080": "PORT"})
    lines, kept = write_all(tmp_path_factory.mktemp("w"), batch)
    assert lines == [reference_line(r) for r in batch]
    for line, r, k in zip(lines, batch, kept, strict=True):
        if line != json.dumps(r.to_dict(), ensure_ascii=False, separators=(",", ":")):
            # the result as masked on disk (before: parsed back from the line)
            assert _same(k.to_dict(), CaseResult.from_dict(json.loads(line)).to_dict())
        else:
            assert k is r  # nothing masked: the very result, not a copy
        assert not with_secret or SECRET not in line


def test_a_secret_form_inside_a_number_leaves_the_line_alone(tmp_path: Path) -> None:
    # a port read from ${PORT} is registered as a secret; its digits show up in numbers too
    masking.register_named({"8080": "PORT"})
    r = CaseResult(
        case_id="c1",
        dataset="d",
        repeat=0,
        status="passed",
        outcome="success",
        passed=True,
        score=1.0,
        latency_ms=38.08080123,
        request={"url": "http://h:8080/v1", "n": 18080},
    )
    lines, kept = write_all(tmp_path, [r])
    d = json.loads(lines[0])  # still one valid line
    assert d["latency_ms"] == 38.08080123 and d["request"]["n"] == 18080
    assert d["request"]["url"] == "http://h:${PORT}/v1"
    assert kept[0].request == {"url": "http://h:${PORT}/v1", "n": 18080}
    r2 = replace(r, request={"n": 18080})
    lines, kept = write_all(tmp_path / "b", [r2])
    assert lines == [reference_line(r2)] and kept[0] is r2


def reference_compact(shared: _Shared, r: CaseResult) -> CaseResult:
    """What the compact results kept before (built with dataclasses.replace)."""
    return replace(
        r,
        request=None,
        response=shared.response(r.response),
        turns=tuple(
            TurnRecord(None, shared.response(t.response), t.outcome, t.latency_ms, t.error)
            for t in r.turns
        ),
    )


@settings(max_examples=80, deadline=None)
@given(r=results())
def test_compact_results_keep_every_field_but_requests_and_answers(r: CaseResult) -> None:
    shared = _Shared()
    kept = CompactResults()
    kept.add(r)
    (got,) = kept.results()
    assert _same(got.to_dict(), reference_compact(shared, r).to_dict())
    assert got.request is None and all(t.request is None for t in got.turns)
    if got.response is not None:
        assert got.response.output is None and got.response.tool_calls == ()


def test_compact_results_share_equal_values() -> None:
    rec = ScoreRecord("contains", 1.0, True, 'contains "30 days"')
    judged = ScoreRecord("judge", 1.0, True, "ok", judge={"votes": [1, 1]})
    base = CaseResult(
        case_id="a",
        dataset="d",
        repeat=0,
        status="passed",
        outcome="success",
        passed=True,
        score=1.0,
        scores=(rec, judged),
        response=Response(output="x", model="m"),
        tags=("t",),
        file="f.yaml",
    )
    kept = CompactResults()
    for i in range(3):
        kept.add(
            replace(
                base,
                case_id=f"c{i}",
                dataset="".join(["d"]),
                scores=(replace(rec), replace(judged, judge={"votes": [1, 1]})),
                response=Response(output=f"x{i}", model="m"),
                tags=tuple(["t"]),
                file="".join(["f.yaml"]),
            )
        )
    a, b, c = kept.results()
    for x in (b, c):
        assert x.scores[0] is a.scores[0] and x.scores[1] is a.scores[1]
        assert x.response is a.response and x.tags is a.tags
        assert x.dataset is a.dataset and x.file is a.file
