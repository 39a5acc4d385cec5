"""What a verdict says about its baseline: where it came from, how old it is, and its answers.

A reviewer who sees "regressed" needs to know against what: the committed baseline file or a
CI artifact (``evalgate baseline pull --github-artifact`` writes ``baseline-source.json`` next
to the baseline folder), the commit it was recorded at, and its age. A baseline older than
``gate.baseline_max_age_days``, or recorded at a commit outside this commit's history, gets a
note (never a blocking reason: the verdict is the statistics' to decide). The baseline answers
of the cases reports show side by side travel in the verdict's deltas, so a stored run
(``evalgate report``) shows them without the baseline file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evalgate.config.model import Config
from evalgate.gate.baseline import Baseline
from evalgate.gate.deltas import CaseDeltas
from evalgate.gate.verdict import BASELINE_LINEAGE, BASELINE_STALE, CaseDelta, Reason, Verdict

SOURCE_FILE = "baseline-source.json"  # written by 'evalgate baseline pull'
MAX_BASE_ANSWERS = 200  # baseline answers kept in one verdict (summary.json stays small)
_EPS = 1e-9
_RERECORD = "re-record it on the main branch ('evalgate run --record-baseline')"


def _git(root: Path, *args: str) -> int | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.returncode


def _parse_time(stamp: str) -> dt.datetime | None:
    try:
        t = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _artifact(path: Path, baseline_file: Path) -> dict[str, Any] | None:
    """The pulled artifact the baseline file came from, if it did (not written after it)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if baseline_file.stat().st_mtime > path.stat().st_mtime + 60:
            return None  # recorded here after the pull: the artifact no longer describes it
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("source") == "github-artifact" else None


def _lineage(root: Path, commit: str | None) -> str | None:
    """``ancestor`` (in this commit's history), ``diverged``, or None when git cannot tell."""
    if not commit:
        return None
    code = _git(root, "merge-base", "--is-ancestor", commit, "HEAD")
    if code == 0:
        return "ancestor"
    if code != 1:
        return None  # not a repository, unknown commit (a shallow clone): unknown
    back = _git(root, "merge-base", "--is-ancestor", "HEAD", commit)
    return "descendant" if back == 0 else ("diverged" if back == 1 else None)


def baseline_source(
    cfg: Config, baseline: Baseline, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Where ``baseline`` came from, its commit and age (see the module docstring)."""
    from evalgate.gate.apply import store_for

    root = cfg.resolve(".")
    store = store_for(cfg)
    src: dict[str, Any] = {"kind": "run", "commit": baseline.git_sha}
    if not baseline.prompt_version.startswith("run "):  # 'compare' against a stored run
        path = store.path_for(baseline.prompt_version)
        art = _artifact(store.dir.parent / SOURCE_FILE, path)
        try:
            shown = str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            shown = str(path)
        src["path"] = shown
        if art is not None:
            src |= {
                "kind": "artifact",
                "artifact": art.get("artifact"),
                "artifact_run": art.get("run_id"),
                "run_url": art.get("run_url"),
                "branch": art.get("branch"),
            }
            src["commit"] = baseline.git_sha or art.get("commit")
        else:
            tracked = _git(root, "ls-files", "--error-unmatch", "--", str(path)) == 0
            src["kind"] = "committed file" if tracked else "file"
    made = _parse_time(baseline.recorded_at)
    src["recorded_at"] = baseline.recorded_at
    if made is not None:
        age = ((now or dt.datetime.now(dt.UTC)) - made).total_seconds() / 86400.0
        src["age_days"] = round(max(age, 0.0), 1)
        src["max_age_days"] = cfg.gate.baseline_max_age_days
        src["stale"] = age > cfg.gate.baseline_max_age_days
    src["lineage"] = _lineage(root, src.get("commit"))
    return src


def describe(src: Mapping[str, Any]) -> str:
    """One line: 'committed file .evalgate/baselines/v1.json, commit abc123, 3.0 days old'."""
    kind = str(src.get("kind") or "baseline")
    if kind == "artifact":
        what = f"CI artifact '{src.get('artifact')}'"
        if src.get("artifact_run"):
            what += f" of run {src['artifact_run']}"
        if src.get("branch"):
            what += f" on {src['branch']}"
    elif kind == "run":
        what = "a stored run"
    else:
        what = f"{kind} {src.get('path') or ''}".strip()
    bits = [what]
    if src.get("commit"):
        bits.append(f"commit {str(src['commit'])[:12]}")
    age = src.get("age_days")
    if isinstance(age, (int, float)):
        bits.append("recorded less than a day ago" if age < 1 else f"recorded {age:g} days ago")
    return ", ".join(bits)


def source_notes(src: Mapping[str, Any]) -> list[Reason]:
    """Notes (never blocking) for a stale baseline or one from another lineage."""
    out: list[Reason] = []
    if src.get("stale"):
        out.append(
            Reason(
                BASELINE_STALE,
                f"the baseline is stale: recorded {src.get('age_days')} days ago, more than"
                f" gate.baseline_max_age_days ({src.get('max_age_days'):g}); it may no longer"
                f" describe the endpoint: {_RERECORD}",
                blocking=False,
            )
        )
    if src.get("lineage") == "diverged":
        out.append(
            Reason(
                BASELINE_LINEAGE,
                f"the baseline was recorded at commit {str(src.get('commit'))[:12]}, which is not"
                " in this commit's history (another branch, or the base branch moved on): update"
                f" this branch from its base, or {_RERECORD}",
                blocking=False,
            )
        )
    return out


def _shown(verdict: Verdict) -> list[CaseDelta]:
    """Deltas whose case a report shows side by side: named by a reason, dropped, or failing
    (named and largest drops first), at most :data:`MAX_BASE_ANSWERS`."""
    named = {c for r in verdict.reasons for c in r.cases}
    picked = [
        d
        for d in verdict.deltas
        if d.status in ("shared", "changed")
        and (
            d.case_id in named
            or (d.delta is not None and d.delta < -_EPS)
            or (d.pass_rate is not None and d.pass_rate < 1.0)
        )
    ]
    picked.sort(key=lambda d: (d.case_id not in named, d.delta or 0.0, d.case_id))
    return picked[:MAX_BASE_ANSWERS]


def with_baseline_context(cfg: Config, verdict: Verdict, baseline: Baseline | None) -> Verdict:
    """``verdict`` with its baseline's source, notes, and the answers reports show."""
    if baseline is None:
        return verdict
    src = baseline_source(cfg, baseline)
    answers = {
        d.case_id: baseline.cases[d.case_id].answer
        for d in _shown(verdict)
        if d.case_id in baseline.cases
    }
    kept = {cid: a for cid, a in answers.items() if a}
    deltas: Sequence[CaseDelta]
    if isinstance(verdict.deltas, CaseDeltas):  # the columns stay columns
        deltas = verdict.deltas.with_answers(kept)
    else:
        deltas = tuple(
            dataclasses.replace(d, base_answer=kept[d.case_id]) if d.case_id in kept else d
            for d in verdict.deltas
        )
    return dataclasses.replace(
        verdict,
        baseline_source=src,
        deltas=deltas,
        reasons=(*verdict.reasons, *source_notes(src)),
    )


__all__ = ["baseline_source", "describe", "source_notes", "with_baseline_context"]
