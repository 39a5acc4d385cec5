"""A baseline file read a case at a time loads, and is refused, as the file read whole."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evalgate.errors import ConfigError
from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.gate.baseline_check import check_document, parse_strict
from evalgate.gate.baseline_store import BaselineStore


def _doc() -> dict[str, Any]:
    cases = {
        f"c{i}": BaselineCase(
            f"h{i}",
            0.75 if i % 2 else 1.0,
            0.5 if i % 2 else 1.0,
            2,
            1 if i % 2 else 2,
            tags=("a",),
            dataset="d",
            scorer_pass={"contains": (1 if i % 2 else 2, 2)},
            latency_p95_ms=12.5,
            history=((0, 1, 0.5), (1 if i % 2 else 2, 1, 1.0)) if i % 2 else (),
            answer="an answer" if i % 3 else None,
        )
        for i in range(6)
    }
    b = Baseline(prompt_version="v", recorded_at="2026-01-01T00:00:00+00:00", cases=cases)
    return b.to_dict()


def _whole(path: Path) -> Baseline | str:
    """The file read whole, then checked and typed (the reader before)."""
    try:
        data = parse_strict(path.read_text(encoding="utf-8"))
        check_document(data)
        return Baseline.from_dict(data)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        return f"{type(exc).__name__}: {exc}"


def _loaded(path: Path) -> Baseline | str:
    try:
        return BaselineStore(path.parent).load("v") or "none"
    except ConfigError as exc:
        return str(exc)


def _set(keys: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(d: dict[str, Any]) -> None:
        at: Any = d
        for k in keys[:-1]:
            at = at[k]
        at[keys[-1]] = value

    return edit


CASE = _doc()["cases"]["c0"]
EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "as written": lambda d: None,
    "score out of range": _set(["cases", "c2", "score"], 1.5),
    "pass rate not passes / n": _set(["cases", "c3", "pass_rate"], 0.9),
    "history not adding up": _set(["cases", "c1", "history"], [[0, 1, 0.5]]),
    "scorer_pass holding a case": _set(["cases", "c1", "scorer_pass", "x"], dict(CASE)),
    "n a string": _set(["cases", "c4", "n"], "2"),
    "tags a case": _set(["cases", "c4", "tags"], [dict(CASE)]),
    "answer a case": _set(["cases", "c4", "answer"], dict(CASE)),
    "cases a case": _set(["cases"], dict(CASE)),
    "samples a case": _set(["samples"], dict(CASE)),
    "prompt version a case": _set(["prompt_version"], dict(CASE)),
    "dropped holding a case": _set(["answers_dropped"], {"cases": [dict(CASE)]}),
    "no cases": _set(["cases"], {}),
    "two bad cases": lambda d: (
        _set(["cases", "c5", "score"], -1)(d),
        _set(["cases", "c1", "passes"], 9)(d),
    ),
    "an unknown case key": _set(["cases", "c2", "extra"], 1),
    "a format 1 case": lambda d: [d["cases"]["c0"].pop(k) for k in ("history", "scorer_pass")],
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_a_baseline_read_a_case_at_a_time_is_the_one_read_whole(tmp_path: Path, name: str) -> None:
    doc = copy.deepcopy(_doc())
    EDITS[name](doc)
    path = tmp_path / "v.json"
    path.write_text(json.dumps(doc, indent=2, sort_keys=True), encoding="utf-8")
    whole, loaded = _whole(path), _loaded(path)
    if isinstance(whole, Baseline):
        assert loaded == whole
    else:
        assert isinstance(loaded, str) and whole.split(": ", 1)[1] in loaded


@pytest.mark.parametrize(
    "text",
    [
        '{"cases": {"c": {"n": 1, "n": 2}}}',  # a duplicated key, refused where it is met
        '{"prompt_version": "v", "x": NaN}',
        '{"prompt_version": "v", "x": 1e999}',
        "[1,",
    ],
)
def test_a_baseline_that_is_not_strict_json_is_refused_as_before(tmp_path: Path, text: str) -> None:
    path = tmp_path / "v.json"
    path.write_text(text, encoding="utf-8")
    whole, loaded = _whole(path), _loaded(path)
    assert isinstance(whole, str) and isinstance(loaded, str)
    assert whole.split(": ", 1)[1] in loaded
