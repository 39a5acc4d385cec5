"""Unit tests of the pure parts: score filters, time windows, input mapping, golden appends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from evalgate.errors import ConfigError, UsageError
from evalgate.integrations.langfuse import goldenfile, mapping
from evalgate.integrations.langfuse.filters import ScoreFilter, parse_since, parse_time


@pytest.mark.parametrize(
    ("text", "params", "yes", "no"),
    [
        ("user_feedback", {"name": "user_feedback"}, [0, True, "x"], []),
        ("fb<=0", {"name": "fb", "data_type": "NUMERIC", "value_max": 0.0}, [0, -1], [0.5, True]),
        ("fb < 0", {"name": "fb", "data_type": "NUMERIC", "value_max": 0.0}, [-0.1], [0]),
        ("fb>=4", {"name": "fb", "data_type": "NUMERIC", "value_min": 4.0}, [4, 5], [3]),
        ("ok==false", {"name": "ok", "data_type": "BOOLEAN", "value": "false"}, [False], [0, True]),
        ("q=bad|awful", {"name": "q", "data_type": "CATEGORICAL", "value": "bad,awful"},
         ["awful"], ["good", 1]),
        ("n==2", {"name": "n", "data_type": "NUMERIC", "value": "2"}, [2.0], [2.5]),
    ],
)  # fmt: skip
def test_score_filter(
    text: str, params: dict[str, object], yes: list[object], no: list[object]
) -> None:
    f = ScoreFilter.parse(text)
    assert f.api_params() == params
    assert all(f.matches(v) for v in yes)
    assert not any(f.matches(v) for v in no)


def test_score_filter_round_trips_to_text() -> None:
    assert str(ScoreFilter.parse("fb <= 0")) == "fb<=0"
    assert str(ScoreFilter.parse("q==a|b")) == "q==a|b"


def test_time_parsing() -> None:
    now = datetime(2026, 3, 8, tzinfo=UTC)
    assert parse_since("7d", now) == datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_since("90m", now).hour == 22
    assert parse_time("2026-03-01T10:00:00", "--from").tzinfo == UTC
    with pytest.raises(UsageError):
        parse_since("7y", now)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("just text", {"message": "just text"}),
        ({"message": "hi", "tenant": "a"}, {"message": "hi", "tenant": "a"}),
        ([{"role": "user", "content": [{"type": "text", "text": "part"}]}], {"message": "part"}),
        ({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "a"},
                       {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]},
         {"message": "c", "history": [{"role": "user", "content": "a"},
                                      {"role": "assistant", "content": "b"}]}),
        (None, {"message": ""}),
    ],
)  # fmt: skip
def test_default_input_mapping(raw: object, expected: dict[str, object]) -> None:
    assert mapping.map_input(raw, None) == expected


def test_input_mapping_expression() -> None:
    assert mapping.map_input({"q": {"text": "x"}}, "q.text") == {"message": "x"}
    assert mapping.map_input({"q": 1}, "{m: q}") == {"m": 1}
    with pytest.raises(ConfigError, match="not valid JMESPath"):
        mapping.map_input({}, "a[")


def test_decode_keeps_plain_text() -> None:
    assert mapping.decode('{"a": 1}') == {"a": 1}
    assert mapping.decode('"quoted"') == "quoted"
    assert mapping.decode("plain {text") == "plain {text"
    assert mapping.decode("[broken") == "[broken"


def test_suggest_merges_config_over_defaults() -> None:
    assert mapping.suggest("user_feedback", {}) == [{"refusal": False}]
    assert mapping.suggest("user_feedback", {"user_feedback": {"contains": "x"}}) == [
        {"contains": "x"}
    ]
    assert mapping.suggest("unknown", {}) == []
    assert mapping.suggest(None, {}) == []


def test_append_to_column_zero_list_and_to_file_without_cases(tmp_path: Path) -> None:
    p = tmp_path / "g.yaml"
    p.write_text("dataset: d\ncases:\n- id: a\n  input: {message: a}\n")
    goldenfile.append_cases(p, [{"id": "b", "input": {"message": "b"}}], ["note"], "d")
    assert [c["id"] for c in yaml.safe_load(p.read_text())["cases"]] == ["a", "b"]
    q = tmp_path / "h.yaml"
    q.write_text("dataset: d  # no cases yet")
    goldenfile.append_cases(q, [{"id": "c", "input": {}}], ["note"], "d")
    assert q.read_text().startswith("dataset: d  # no cases yet\ncases:\n")
    assert yaml.safe_load(q.read_text())["cases"][0]["id"] == "c"
