"""``BaselineStore.save`` writes a case at a time: the file is byte for byte what writing the
whole document (``Baseline.to_dict``, masked, ``json.dump`` indented with sorted keys) wrote."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalgate import masking
from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.gate.baseline_store import BaselineStore

SECRET = "sk-live-SECRETVALUE123"


@pytest.fixture(autouse=True)
def _clean_masking() -> Iterator[None]:
    masking.clear()
    yield
    masking.clear()


def _whole(baseline: Baseline) -> str:
    doc = masking.scrub_obj(baseline.to_dict())
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _awkward() -> Baseline:
    cases = {
        "b": BaselineCase(
            "h1",
            0.5,
            0.5,
            2,
            1,
            tags=("x", "é"),
            scorer_pass={"z": (1, 2), "a": (0, 2)},
            latency_p95_ms=12.25,
            mean_tokens=3.0,
            mean_cost_usd=1e-7,
            history=((1, 1, 1.0), (0, 1, 0.0)),
            answer='multi\nline "quoted" \\ ünïcode ☃ \t' + SECRET,
        ),
        "a": BaselineCase("h2", 1.0, 1.0, 1, 1, answer=""),
        f"id-{SECRET}": BaselineCase("h3", 0.0, 0.0, 1, 0),  # a key that is masked
        "{nested}\n": BaselineCase("h4", 1e-300, 1.0, 3, 3, dataset="d/s"),
    }
    return Baseline(
        prompt_version="v1",
        recorded_at="2026-01-01T00:00:00Z",
        cases=cases,
        run_id="r",
        git_sha=None,
        answers_dropped=("a",),
    )


@pytest.mark.parametrize("masked", [False, True])
def test_saved_bytes_are_the_whole_documents(tmp_path: Path, masked: bool) -> None:
    if masked:
        masking.register([SECRET])
    baseline = _awkward()
    path = BaselineStore(tmp_path).save(baseline)
    text = path.read_text(encoding="utf-8")
    assert text == _whole(baseline)
    assert (SECRET in text) is not masked


def test_masked_case_ids_that_meet_keep_the_last(tmp_path: Path) -> None:
    masking.register([SECRET])
    cases = {
        f"{SECRET}": BaselineCase("h1", 1.0, 1.0, 1, 1),
        f"{SECRET} ": BaselineCase("h2", 0.0, 0.0, 1, 0),
        "${" + "x": BaselineCase("h3", 0.5, 0.5, 2, 1),
    }
    baseline = Baseline(prompt_version="v", recorded_at="2026-01-01T00:00:00Z", cases=cases)
    path = BaselineStore(tmp_path).save(baseline)
    assert path.read_text(encoding="utf-8") == _whole(baseline)


def test_saved_baseline_loads_back(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    baseline = _awkward()
    store.save(baseline)
    loaded = store.load("v1")
    assert loaded is not None
    assert loaded.cases.keys() == baseline.cases.keys()
    assert loaded.cases["b"].answer == baseline.cases["b"].answer
