"""The verdict says where its baseline came from, how old it is, and keeps answers to show."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from evalgate.config.model import Config, GateConfig, TargetConfig
from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.gate.baseline_store import BaselineStore
from evalgate.gate.provenance import baseline_source, describe, with_baseline_context
from evalgate.gate.verdict import (
    BASELINE_LINEAGE,
    BASELINE_STALE,
    FAIL,
    CaseDelta,
    Reason,
    Verdict,
)

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def cfg(root: Path, max_age: float = 14.0) -> Config:
    gate = GateConfig(baseline_max_age_days=max_age)
    return Config(TargetConfig(url="http://127.0.0.1:9/x"), gate=gate, root=root)


def base(recorded_at: str = "2026-02-27T00:00:00Z", sha: str | None = "abc") -> Baseline:
    case = BaselineCase("h", 1.0, 1.0, 1, 1, answer="Refunds take 5 days.")
    other = BaselineCase("h2", 1.0, 1.0, 1, 1, answer="Hello!")
    return Baseline("v1", recorded_at, {"a": case, "b": other}, git_sha=sha)


def test_a_committed_file_with_its_commit_and_age(tmp_path: Path) -> None:
    BaselineStore(tmp_path / ".evalgate/baselines").save(base())
    src = baseline_source(cfg(tmp_path), base(), now=NOW)
    assert src["kind"] == "file"  # not a git repository: not known to be committed
    assert src["path"] == ".evalgate/baselines/v1.json"
    assert (src["commit"], src["age_days"], src["stale"]) == ("abc", 2.0, False)
    assert describe(src) == "file .evalgate/baselines/v1.json, commit abc, recorded 2 days ago"


def test_an_old_baseline_is_stale_and_says_what_to_do(tmp_path: Path) -> None:
    old = base(recorded_at="2026-01-01T00:00:00Z")
    src = baseline_source(cfg(tmp_path, max_age=14), old, now=NOW)
    assert src["stale"] is True and src["age_days"] == 59.0
    verdict = with_baseline_context(cfg(tmp_path), Verdict(FAIL), old)
    (note,) = [r for r in verdict.reasons if r.kind == BASELINE_STALE]
    assert not note.blocking and verdict.status == FAIL
    assert "gate.baseline_max_age_days (14)" in note.message and "--record-baseline" in note.message


def test_a_pulled_artifact_is_named(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path / ".evalgate/baselines")
    store.save(base())
    art = {
        "source": "github-artifact",
        "artifact": "evalgate-baselines",
        "run_id": 77,
        "branch": "main",
        "commit": "f00d",
        "created_at": "2026-02-27T00:00:00Z",
        "run_url": "https://github.com/o/r/actions/runs/77",
    }
    (tmp_path / ".evalgate/baseline-source.json").write_text(json.dumps(art))
    src = baseline_source(cfg(tmp_path), base(sha=None), now=NOW)
    assert (src["kind"], src["artifact_run"], src["commit"]) == ("artifact", 77, "f00d")
    assert describe(src).startswith("CI artifact 'evalgate-baselines' of run 77 on main")


def _git(root: Path, *args: str) -> str:
    who = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t"}
    env = {**os.environ, **who, "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    done = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_committed_baseline_and_another_lineage(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q", "-b", "main")
    BaselineStore(tmp_path / ".evalgate/baselines").save(base())
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "base")
    root_sha = _git(tmp_path, "rev-parse", "HEAD")
    _git(tmp_path, "checkout", "-qb", "other")
    _git(tmp_path, "commit", "-q", "--allow-empty", "-m", "other")
    other_sha = _git(tmp_path, "rev-parse", "HEAD")
    _git(tmp_path, "checkout", "-q", "main")
    _git(tmp_path, "commit", "-q", "--allow-empty", "-m", "main moves")

    ours = baseline_source(cfg(tmp_path), base(sha=root_sha), now=NOW)
    assert (ours["kind"], ours["lineage"]) == ("committed file", "ancestor")
    theirs = base(sha=other_sha)
    verdict = with_baseline_context(cfg(tmp_path), Verdict(FAIL), theirs)
    assert verdict.baseline_source["lineage"] == "diverged"
    (note,) = [r for r in verdict.reasons if r.kind == BASELINE_LINEAGE]
    assert other_sha[:12] in note.message and not note.blocking
    unknown = baseline_source(cfg(tmp_path), base(sha="0" * 40), now=NOW)
    assert unknown["lineage"] is None


@pytest.mark.parametrize(
    ("delta", "named", "kept"),
    [(-0.5, False, True), (0.0, True, True), (0.0, False, False)],
)
def test_base_answers_travel_with_the_cases_reports_show(
    tmp_path: Path, delta: float, named: bool, kept: bool
) -> None:
    d = CaseDelta("a", "shared", 1.0, 1.0 + delta, 1.0, 1.0)
    reasons = (Reason("broken", "x", ("a",)),) if named else ()
    verdict = Verdict(FAIL, reasons=reasons, deltas=(d, CaseDelta("b", "shared", 1, 1, 1, 1)))
    out = with_baseline_context(cfg(tmp_path), verdict, base())
    by_id = {x.case_id: x for x in out.deltas}
    assert (by_id["a"].base_answer == "Refunds take 5 days.") is kept
    assert by_id["b"].base_answer is None  # passing and unchanged: nothing to show
    again = Verdict.from_dict(json.loads(json.dumps(out.to_dict())))
    assert again.deltas == out.deltas and again.baseline_source == out.baseline_source


def test_no_baseline_no_source(tmp_path: Path) -> None:
    v = Verdict(FAIL)
    assert with_baseline_context(cfg(tmp_path), v, None) is v
    assert dataclasses.asdict(v)["baseline_source"] == {}
