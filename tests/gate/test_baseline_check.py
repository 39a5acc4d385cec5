"""A baseline is checked before it is trusted: strict JSON, types, ranges, consistency."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalgate.errors import ConfigError
from evalgate.gate.baseline_check import (
    BaselineProblem,
    case_problem,
    check_document,
    parse_strict,
)
from evalgate.gate.baseline_store import BaselineStore
from tests.gate.helpers import baseline_of, run, stats


def good_case(**kw: Any) -> dict[str, Any]:
    return {
        "content_hash": "h",
        "score": 0.75,
        "pass_rate": 0.5,
        "n": 2,
        "passes": 1,
        "tags": ["a"],
        "dataset": "ds",
        "scorer_pass": {"contains": [1, 2]},
        "latency_p95_ms": 12.5,
        "mean_tokens": None,
        **kw,
    }


def doc(**cases: dict[str, Any]) -> dict[str, Any]:
    return {
        "format_version": 1,
        "prompt_version": "v1",
        "recorded_at": "2026-01-01T00:00:00Z",
        "run_id": "r",
        "git_sha": None,
        "cases": cases,
    }


def test_a_recorded_baseline_passes_every_check(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    store.save(baseline_of(run(stats("a", (True, False)), stats("b", (True,)))))
    data = parse_strict((tmp_path / "v1.json").read_text())
    check_document(data)
    assert case_problem(good_case()) is None
    assert store.load("v1") is not None


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"score": 0.0, "passes": 2, "pass_rate": 1.0}, "'score' is 0 although 2 of 2"),
        ({"score": 1.5}, "'score' must be a number from 0 to 1"),
        ({"score": -0.1}, "'score' must be a number from 0 to 1"),
        ({"score": "0.75"}, "'score' must be a number"),
        ({"score": True}, "'score' must be a number"),
        ({"pass_rate": 0.9}, "'pass_rate' 0.9 is not passes / n (1/2)"),
        ({"n": 0}, "'n' (scored repeats) must be an integer of at least 1"),
        ({"n": 2.0}, "'n' (scored repeats) must be an integer"),
        ({"passes": 3}, "'passes' must be an integer from 0 to n (2)"),
        ({"passes": -1}, "'passes' must be an integer from 0 to n"),
        ({"content_hash": ""}, "'content_hash' must be a non-empty string"),
        ({"latency_p95_ms": -1}, "'latency_p95_ms' must be a non-negative number"),
        ({"tags": "a"}, "'tags' must be a list of strings"),
        ({"dataset": 3}, "'dataset' must be a string"),
        ({"scorer_pass": {"contains": [3, 2]}}, "0 <= passes <= total"),
        ({"scorer_pass": {"contains": [1]}}, "[passes, total]"),
        (
            {"passes": 2, "pass_rate": 1.0, "scorer_pass": {"contains": [1, 2]}},
            "has failures (1/2) although every repeat passed",
        ),
    ],
)
def test_figures_no_run_could_produce_are_named(change: dict[str, Any], why: str) -> None:
    problem = case_problem(good_case(**change))
    assert problem is not None and why in problem
    with pytest.raises(BaselineProblem, match="case 'x'"):
        check_document(doc(x=good_case(**change)))


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"a": 1, "a": 2}', "key 'a' appears twice"),
        ('{"a": NaN}', "NaN is not a number"),
        ('{"a": -Infinity}', "-Infinity is not a number"),
        ('{"a": 1e999}', "1e999 is too large"),
    ],
)
def test_strict_json(text: str, why: str) -> None:
    with pytest.raises(BaselineProblem, match=why.replace("(", r"\(")):
        parse_strict(text)


@pytest.mark.parametrize(
    ("top", "why"),
    [
        ({"prompt_version": ""}, "'prompt_version' must be a non-empty string"),
        ({"run_id": 5}, "'run_id' must be a string"),
        ({"git_sha": 5}, "'git_sha' must be a string or null"),
        ({"cases": []}, "'cases' must be an object"),
        ({"cases": {}}, "records no case"),
        ({"cases": {"x": 1}}, "case 'x': must be an object"),
    ],
)
def test_document_level_problems(top: dict[str, Any], why: str) -> None:
    with pytest.raises(BaselineProblem, match=why):
        check_document({**doc(x=good_case()), **top})


def test_the_store_refuses_such_files_naming_file_and_case(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    store.save(baseline_of(run(stats("a"))))
    path = tmp_path / "v1.json"
    data = json.loads(path.read_text())
    data["cases"]["a"]["score"] = 0.0
    path.write_text(json.dumps(data))
    for call in (lambda: store.load("v1"), store.list, lambda: store.resolve("auto", None)):
        with pytest.raises(ConfigError) as exc:
            call()
        assert exc.value.exit_code == 2
        assert str(path) in str(exc.value) and "case 'a'" in str(exc.value)
    path.write_text(path.read_text().replace("0.0", "NaN"))
    with pytest.raises(ConfigError, match="NaN is not a number"):
        store.load("v1")


def test_the_store_does_not_write_what_it_would_refuse_to_read(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    with pytest.raises(ConfigError, match="records no case"):
        store.save(baseline_of(run()))
    assert not (tmp_path / "v1.json").exists()
