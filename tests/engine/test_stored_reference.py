"""``compare``'s reference is the base run as a baseline named for the run: the same one a
summary of the run gave, without summarising the run (which aggregated its cases twice)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

import evalgate
import evalgate.gate.baseline as baseline_mod
import evalgate.summary as summary_mod
from evalgate.engine.stored import load_reference, load_run, reference_of
from evalgate.gate.baseline import baseline_from_run
from evalgate.gate.casetable import CaseTable
from evalgate.summary import build_run_summary
from tests.engine.helpers import write_project


def test_the_reference_is_what_the_runs_summary_gave(tmp_path: Path) -> None:
    cfg = write_project(tmp_path)
    evalgate.run(cfg, out=tmp_path / "r", gate=False)
    run = load_run(tmp_path / "r")
    summarised = baseline_from_run(
        [r for r in run.results if not r.confirmation],
        build_run_summary(run.results, run.meta, None),
        prompt_version=f"run {run.run_id}",
        answers_from=evalgate.results.iter_results(run.run_dir),
    )
    got = reference_of(run)
    assert got.cases  # a run with scored cases
    # its cases as columns (gate/casetable.py), without the latency, token and cost figures
    # only a canary or a cost budget reads
    assert isinstance(got.cases, CaseTable)
    assert any(c.latency_p95_ms is not None for c in summarised.cases.values())
    plain = {
        cid: dataclasses.replace(c, latency_p95_ms=None, mean_tokens=None, mean_cost_usd=None)
        for cid, c in summarised.cases.items()
    }
    assert dataclasses.replace(got, recorded_at="") == dataclasses.replace(
        summarised, recorded_at="", cases=plain
    )
    assert got.git_sha == summarised.git_sha and got.config_hash == summarised.config_hash


def test_the_reference_aggregates_its_cases_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = write_project(tmp_path)
    evalgate.run(cfg, out=tmp_path / "r", gate=False)
    calls = 0

    def counted(agg: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            return agg(*args, **kwargs)

        return wrapper

    made: list[str] = []

    def case_stats(cid: str, *args: Any) -> Any:
        made.append(cid)
        return real(cid, *args)

    real = baseline_mod._case_stats
    monkeypatch.setattr(baseline_mod, "_case_stats", case_stats)
    monkeypatch.setattr(summary_mod, "aggregate", counted(summary_mod.aggregate))
    got = load_reference(tmp_path / "r")
    assert calls == 0  # before: also by the summary built only for the run's metadata
    # each case's figures made once, as its baseline case is
    assert got.cases and sorted(made) == sorted(set(made)) == sorted(got.cases)
