"""The baseline store: files, names, resolution and damage."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

from evalgate.errors import ConfigError, InconclusiveError, UsageError
from evalgate.gate.baseline import (
    BASELINE_FORMAT_VERSION,
    baseline_from_run,
    version_file_stem,
)
from evalgate.gate.baseline_store import BaselineStore
from evalgate.results import CaseResult
from evalgate.run_summary import RunSummary
from evalgate.scorers.registry import ScoreRecord
from tests.gate.helpers import baseline_of, run, stats


def result(case_id: str, repeat: int, passed: bool | None, **kw: Any) -> CaseResult:
    """passed=None makes an errored result."""
    if passed is None:
        r = CaseResult(case_id, "ds", repeat, "error", "timeout", False, None)
    else:
        score = 1.0 if passed else 0.0
        rec = ScoreRecord(scorer="contains", score=score, passed=passed, reason="")
        status = "passed" if passed else "failed"
        r = CaseResult(case_id, "ds", repeat, status, "success", passed, score, (rec,))
    return dataclasses.replace(r, **kw)


SUMMARY_DOC = {
    "run_id": "r-42",
    "prompt_version": "v7",
    "prompt_versions": {"v7": 5},
    "git": {"sha": "deadbeef", "branch": "main"},
    "config_hash": "c0ffee",
    "evalgate_version": "0.1.0",
}
SUMMARY = RunSummary.from_dict(SUMMARY_DOC)


def test_baseline_from_run_summarises_cases() -> None:
    results = [
        result("a", 0, True, tags=("critical",), content_hash="ha"),
        result("a", 1, False, tags=("critical",), content_hash="ha"),
        result("b", 0, True, content_hash="hb"),
        result("c", 0, None),  # only errors: nothing to compare with later
    ]
    b = baseline_from_run(results, SUMMARY, recorded_at="2026-02-03T04:05:06Z")
    assert (b.prompt_version, b.run_id, b.git_sha, b.config_hash) == (
        "v7",
        "r-42",
        "deadbeef",
        "c0ffee",
    )
    assert sorted(b.cases) == ["a", "b"]
    a = b.cases["a"]
    assert (a.score, a.pass_rate, a.n, a.passes, a.tags) == (0.5, 0.5, 2, 1, ("critical",))
    assert a.content_hash == "ha" and a.scorer_pass == {"contains": (1, 2)}
    assert b.mean_score == 0.75


def test_baseline_from_run_needs_one_version() -> None:
    results = [result("a", 0, True)]
    with pytest.raises(ConfigError, match="pass --prompt-version V"):
        baseline_from_run(results, RunSummary(run_id="r", prompt_version=None))
    mixed = dataclasses.replace(SUMMARY, prompt_versions={"v7": 3, "v8": 2})
    with pytest.raises(ConfigError, match="several prompt versions"):
        baseline_from_run(results, mixed)
    assert baseline_from_run(results, mixed, prompt_version="v8").prompt_version == "v8"


def test_round_trip_sorted_and_versioned(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    cand = run(stats("z", [True, False, True], tags=["t"]), stats("a", scorer_pass={"s": (1, 1)}))
    b = baseline_of(cand, "v1")
    path = store.save(b)
    assert path == tmp_path / "v1.json"
    assert store.load("v1") == b
    text = path.read_text()
    doc = json.loads(text)
    assert doc["format_version"] == BASELINE_FORMAT_VERSION
    assert list(doc) == sorted(doc) and list(doc["cases"]) == ["a", "z"]
    assert store.load("v2") is None
    assert [x.prompt_version for x in store.list()] == ["v1"]


def test_atomic_write_keeps_the_old_file_when_writing_crashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = BaselineStore(tmp_path)
    old = baseline_of(run(stats("a")), "v1")
    store.save(old)
    before = (tmp_path / "v1.json").read_bytes()

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)  # dies after writing the temp file, before replace
    with pytest.raises(OSError, match="disk full"):
        store.save(baseline_of(run(stats("a", [False]), stats("b")), "v1"))
    assert (tmp_path / "v1.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1.json"]  # no temp file left
    assert store.load("v1") == old


def test_auto_resolution_order(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    assert store.resolve("auto", "v3") is None
    cand = run(stats("a"))
    store.save(baseline_of(cand, "v1", recorded_at="2026-01-01T00:00:00Z"))
    store.save(baseline_of(cand, "v2", recorded_at="2026-03-01T00:00:00Z"))
    store.save(baseline_of(cand, "old", recorded_at="2025-12-01T00:00:00+00:00"))
    resolved = store.resolve("auto", "v3")
    assert resolved is not None and resolved.prompt_version == "v2"  # latest recorded
    store.promote("v1")
    assert store.production() == "v1"
    assert store.resolve("auto", "v3").prompt_version == "v1"  # type: ignore[union-attr]
    assert store.resolve("auto", None).prompt_version == "v1"  # type: ignore[union-attr]
    assert store.resolve("auto", "old").prompt_version == "old"  # type: ignore[union-attr]
    assert store.resolve("v2", "old").prompt_version == "v2"  # type: ignore[union-attr]
    assert [b.prompt_version for b in store.list()] == ["old", "v1", "v2"]


def test_explicit_missing_version_is_inconclusive_and_says_how(tmp_path: Path) -> None:
    with pytest.raises(InconclusiveError) as exc:
        BaselineStore(tmp_path).resolve("v9", "v9")
    assert exc.value.exit_code == 3
    assert "no baseline for prompt version 'v9'" in str(exc.value)
    assert "evalgate run --record-baseline" in str(exc.value)
    assert "evalgate baseline record RUN" in str(exc.value)


def test_promote_needs_a_recorded_version(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no baseline for prompt version 'v1'"):
        BaselineStore(tmp_path).promote("v1")


@pytest.mark.parametrize(
    ("version", "stem"),
    [
        ("v1", "v1"),
        ("2026-01-05_rc.1", "2026-01-05_rc.1"),
        ("../../etc/passwd", "%2E.%2F..%2Fetc%2Fpasswd"),
        ("a/b", "a%2Fb"),
        ("a\\b", "a%5Cb"),
        (".hidden", "%2Ehidden"),
        ("..", "%2E."),
        ("production", "%70roduction"),
        ("prompt v2 (β)", "prompt%20v2%20%28%CE%B2%29"),
    ],
)
def test_version_names_become_safe_file_names(tmp_path: Path, version: str, stem: str) -> None:
    assert version_file_stem(version) == stem
    store = BaselineStore(tmp_path / "baselines")
    store.save(baseline_of(run(stats("a")), version))
    assert [p.name for p in (tmp_path / "baselines").iterdir()] == [f"{stem}.json"]
    assert store.load(version).prompt_version == version  # type: ignore[union-attr]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baselines"]


def test_empty_or_huge_version_names_are_rejected() -> None:
    with pytest.raises(UsageError):
        version_file_stem("  ")
    with pytest.raises(UsageError, match="too long"):
        version_file_stem("x" * 300)


def test_damaged_and_foreign_files_are_config_errors(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    (tmp_path / "v1.json").write_text("{not json")
    with pytest.raises(ConfigError, match=r"v1\.json: damaged baseline file") as exc:
        store.load("v1")
    assert exc.value.exit_code == 2 and "restore it from git" in str(exc.value)
    (tmp_path / "v1.json").write_text(json.dumps({"format_version": 99}))
    with pytest.raises(ConfigError, match="format_version 99 is not supported"):
        store.list()
    (tmp_path / "v1.json").write_text(json.dumps({"format_version": 1, "prompt_version": "v1"}))
    with pytest.raises(ConfigError, match="'recorded_at' must be a non-empty string"):
        store.load("v1")
    store.save(baseline_of(run(stats("a")), "v1"))
    (tmp_path / "production.json").write_text("[]")
    with pytest.raises(ConfigError, match="not a valid production marker"):
        store.production()
    (tmp_path / "production.json").write_text('{"format_version": 1, "prompt_version": "gone"}')
    with pytest.raises(ConfigError, match=r"promotes 'gone' but gone\.json is missing"):
        store.resolve("auto", None)


def test_a_file_renamed_to_another_version_is_caught(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    store.save(baseline_of(run(stats("a")), "v1"))
    (tmp_path / "v1.json").rename(tmp_path / "v2.json")
    with pytest.raises(ConfigError, match="holds prompt version 'v1', not 'v2'"):
        store.load("v2")
