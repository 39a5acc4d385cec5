"""``evalgate baseline pull``: the default branch's baselines from its last run artifact, on
GitHub Actions (a workflow artifact) or GitLab CI (a job artifact)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from evalgate.textsafe import terminal_line


def pull_artifact(directory: Path, name: str, branch: str | None, max_age_days: float) -> int:
    from evalgate.integrations.github_artifacts import pull

    env = os.environ
    # a pull request compares with its base branch; a push (recording) extends its own branch's
    branch = branch or env.get("GITHUB_BASE_REF") or env.get("GITHUB_REF_NAME") or "main"
    source = pull(name=name, branch=branch, directory=directory, environ=env)
    if source is None:
        _say(
            f"no unexpired artifact '{name}' from a run on {branch} yet: this run has no"
            " baseline, so every case must pass; the next run on"
            f" {branch} that records one makes it available"
        )
        return 0
    age = source.age_days()
    commit = (source.commit or "?")[:12]
    when = f"{age:.1f} days old" if age is not None else f"made {source.created_at}"
    line = (
        f"baseline from artifact '{name}' of run {source.run_id} on {branch}"
        f" (commit {commit}, {when})" + (f": {source.url}" if source.url else "")
    )
    _say(line)
    _stale(age, max_age_days, branch)
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as f:
            f.write(f"\nevalgate: {terminal_line(line)}\n\n")
    return 0


def pull_gitlab_artifact(directory: Path, job: str, branch: str | None, max_age_days: float) -> int:
    """The newest successful ``job``'s artifact on the target branch; without one, the
    baselines already in ``directory`` (committed ones) stay what the gate compares with."""
    from evalgate.integrations.gitlab_artifacts import pull

    env = os.environ
    branch = (
        branch
        or env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
        or env.get("CI_DEFAULT_BRANCH")
        or "main"
    )
    source = pull(job=job, branch=branch, directory=directory, environ=env)
    if source is None:
        committed = sorted(directory.glob("*.json")) if directory.is_dir() else []
        fallback = (
            f"the gate uses the {len(committed)} baseline file(s) committed in {directory}"
            if committed
            else "this run has no baseline, so every case must pass"
        )
        from evalgate.integrations.gitlab_artifacts import TOKEN_VARS

        searched = (
            ""
            if any(env.get(v) for v in TOKEN_VARS)
            else " (with CI_JOB_TOKEN alone, only the latest successful pipeline on the branch"
            " is searched; EVALGATE_GITLAB_TOKEN with read_api finds older ones)"
        )
        _say(
            f"no artifact of a successful job '{job}' on {branch} yet{searched}: {fallback};"
            f" the next successful '{job}' job on {branch} makes one available"
        )
        return 0
    age = source.age_days()
    commit = (source.commit or "?")[:12]
    when = f"{age:.1f} days old" if age is not None else f"made {source.created_at or '?'}"
    of = f"job {source.artifact_id} (pipeline {source.run_id})" if source.artifact_id else "job"
    _say(
        f"baseline from the artifact of {of} '{job}' on {branch} (commit {commit}, {when})"
        + (f": {source.url}" if source.url else "")
    )
    _stale(age, max_age_days, branch)
    return 0


def _stale(age: float | None, max_age_days: float, branch: str) -> None:
    if age is None or age <= max_age_days:
        return
    stale = (
        f"the baseline is {age:.0f} days old (over {max_age_days:g}): no run on {branch}"
        " has recorded one since; it may no longer describe the endpoint"
    )
    _say(f"warning: {stale}")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        sys.stderr.write(f"::warning title=evalgate::{terminal_line(stale)}\n")


def _say(text: str) -> None:
    sys.stderr.write(terminal_line(text, 1000) + "\n")
