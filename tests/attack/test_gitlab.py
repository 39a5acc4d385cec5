"""GitLab CI through the CLI: the baseline artifact pull, the merge-request
note, and the Code Quality and metrics reports, against a local GitLab API
(tests/support/fakegitlab.py, shapes from the public GitLab REST API docs)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.attack.conftest import Project
from tests.attack.inprocess import in_process
from tests.support.fakegitlab import (
    API_TOKEN,
    BOT_ID,
    JOB_TOKEN,
    FakeGitLab,
    fake_gitlab,
    zip_of,
)
from tests.support.faultserver import FaultServer


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    """Commands run in-process (tests/attack/inprocess.py): the subject is not the process."""
    return in_process(tmp_path)


MARKER = "<!-- evalgate-report -->"
PULL = ("baseline", "pull", "--gitlab-artifact", "evalgate-baseline")


@pytest.fixture()
def gl() -> Iterator[FakeGitLab]:
    with fake_gitlab() as server:
        yield server


def setup_project(project: Project, srv: FaultServer, path: str = "/echo") -> None:
    project.write_config({"url": srv.url(path), "body": {"message": "{{ input.message }}"}})
    cases = [{"id": f"c{i}", "input": {"message": f"m{i}"}, "expect": [{"contains": "echo"}]}
             for i in range(4)]  # fmt: skip
    project.write_golden("g.yaml", {"dataset": "g", "cases": cases})


def recorded_baseline(project: Project, srv: FaultServer) -> bytes:
    setup_project(project, srv)
    ran = project.cli("run", "--out", "r0", "-q", "--no-gate", "--record-baseline",
                      "--prompt-version", "v1")  # fmt: skip
    assert ran.code == 0, ran.err
    path = project.root / ".evalgate" / "baselines" / "v1.json"
    data = path.read_bytes()
    path.unlink()
    return data


def no_token_left_the_api(gl: FakeGitLab) -> bool:
    return all(not tokens for _, path, tokens in gl.seen if path.startswith("/blob/"))


def test_the_newest_successful_job_on_the_branch_is_pulled_with_an_api_token(
    project: Project, srv: FaultServer, gl: FakeGitLab
) -> None:
    good = recorded_baseline(project, srv)
    gl.add_job("evalgate-baseline", "main", zip_of({"v1.json": b'{"old": true}'}))
    kept = gl.add_job("evalgate-baseline", "main", zip_of({".evalgate/baselines/v1.json": good}))
    gl.add_job("evalgate-baseline", "feature", zip_of({"v1.json": b"{}"}))  # another branch
    gl.add_job("evalgate-baseline", "main", zip_of({"v1.json": b"{}"}), status="failed")
    gl.add_job("evalgate-baseline", "main", zip_of({"v1.json": b"{}"}),
               expire_at="2020-01-01T00:00:00Z")  # fmt: skip
    gl.add_job("lint", "main", zip_of({"v1.json": b"{}"}))  # another job
    env = gl.env(EVALGATE_GITLAB_TOKEN=API_TOKEN, CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main")
    pulled = project.cli(*PULL, env=env)
    assert pulled.code == 0, pulled.err
    assert f"job {kept} (pipeline 501) 'evalgate-baseline' on main" in pulled.err
    assert (project.root / ".evalgate" / "baselines" / "v1.json").read_bytes() == good
    source = project.read_json(".evalgate/baseline-source.json")
    assert source["source"] == "gitlab-artifact" and source["artifact_id"] == kept
    assert source["branch"] == "main" and source["run_url"].endswith(f"/-/jobs/{kept}")
    assert no_token_left_the_api(gl)
    assert API_TOKEN not in pulled.out + pulled.err
    ran = project.cli("run", "--out", "r1", "-q", "--prompt-version", "v1")
    assert ran.code == 0, ran.err
    assert project.read_json("r1/summary.json")["verdict"]["baseline_version"] == "v1"


def test_the_job_token_downloads_by_ref_and_reads_provenance_from_the_baseline(
    project: Project, srv: FaultServer, gl: FakeGitLab
) -> None:
    good = recorded_baseline(project, srv)
    gl.add_job("evalgate-baseline", "main", zip_of({"baselines/v1.json": good}))
    pulled = project.cli(*PULL, env=gl.env(CI_JOB_TOKEN=JOB_TOKEN, CI_DEFAULT_BRANCH="main"))
    assert pulled.code == 0, pulled.err
    assert (project.root / ".evalgate" / "baselines" / "v1.json").read_bytes() == good
    source = project.read_json(".evalgate/baseline-source.json")
    recorded = json.loads(good)
    assert source["source"] == "gitlab-artifact" and source["created_at"] == recorded["recorded_at"]
    assert ("GET", "/api/v4/projects/42/jobs/artifacts/main/download") in [
        (m, p) for m, p, _ in gl.seen
    ]
    assert no_token_left_the_api(gl)
    assert JOB_TOKEN not in pulled.out + pulled.err


def test_without_an_artifact_the_committed_baselines_stay_and_bad_input_is_refused(
    project: Project, srv: FaultServer, gl: FakeGitLab
) -> None:
    good = recorded_baseline(project, srv)
    env = gl.env(CI_JOB_TOKEN=JOB_TOKEN, CI_DEFAULT_BRANCH="main")
    first = project.cli(*PULL, env=env)
    assert first.code == 0 and "every case must pass" in first.err
    committed = project.root / ".evalgate" / "baselines" / "v1.json"
    committed.write_bytes(good)
    again = project.cli(*PULL, env=env)
    assert again.code == 0 and "the 1 baseline file(s) committed in" in again.err
    gl.add_job("evalgate-baseline", "main", zip_of({"v1.json": b'{"format_version": 1}'}))
    bad = project.cli(*PULL, env=env)
    assert bad.code == 2, bad.err
    assert committed.read_bytes() == good  # nothing replaced by an invalid file
    wrong = project.cli(*PULL, env=gl.env(CI_JOB_TOKEN="glcbt-wrong-token-000000"))
    assert wrong.code == 3 and "read_api" in wrong.err
    assert "glcbt-wrong-token-000000" not in wrong.err
    missing = project.cli(*PULL, env={"CI_JOB_TOKEN": ""})
    assert missing.code == 2 and "CI_API_V4_URL" in missing.err
    both = project.cli(*PULL, "--github-artifact", "x")
    assert both.code == 2 and "one of" in both.err


def regressed_run(project: Project, srv: FaultServer, env: dict[str, str]) -> None:
    setup_project(project, srv, "/regress?bad=m1")
    ran = project.cli("run", "--out", "r", "-q", env=env)
    assert ran.code == 1, ran.err


def test_the_note_is_created_once_then_updated_and_never_shows_the_token(
    project: Project, srv: FaultServer, gl: FakeGitLab
) -> None:
    env = gl.env(EVALGATE_GITLAB_TOKEN=API_TOKEN, CI_MERGE_REQUEST_IID="3", CI_COMMIT_SHA="f" * 40)
    regressed_run(project, srv, env)
    someone = gl.add_note(3, f"{MARKER}\nquoted by a person", author=99)
    gl.add_note(3, "merged 2 commits", author=BOT_ID, system=True)
    first = project.cli("gitlab", "note", "r", env=env)
    assert first.code == 0, first.err
    assert "created the merge-request note" in first.err
    mine = [n for n in gl.notes[3] if n["author"]["id"] == BOT_ID and not n["system"]]
    assert len(mine) == 1 and mine[0]["body"].startswith(MARKER)
    assert "FAILED" in mine[0]["body"] and f"/-/blob/{'f' * 40}/goldens/g.yaml#L" in mine[0]["body"]
    second = project.cli("gitlab", "note", "r", env=env)
    assert second.code == 0 and "updated the merge-request note" in second.err
    assert len(gl.notes[3]) == 3
    assert next(n for n in gl.notes[3] if n["id"] == someone)["body"].endswith("by a person")
    assert API_TOKEN not in first.err + second.err + first.out + second.out
    # a hidden token in the run's text is masked in the note as well
    assert all(API_TOKEN not in n["body"] for n in gl.notes[3])


def test_a_note_that_cannot_be_written_never_changes_the_result_unless_strict(
    project: Project, srv: FaultServer, gl: FakeGitLab
) -> None:
    env = gl.env(CI_MERGE_REQUEST_IID="4", CI_JOB_TOKEN=JOB_TOKEN)
    regressed_run(project, srv, env)
    no_token = project.cli("gitlab", "note", "r", env=env)
    assert no_token.code == 0 and "EVALGATE_GITLAB_TOKEN" in no_token.err
    assert project.cli("gitlab", "note", "r", "--strict", env=env).code == 2
    refused = {**env, "EVALGATE_GITLAB_TOKEN": "glpat-revoked-token-0000"}
    denied = project.cli("gitlab", "note", "r", env=refused)
    assert denied.code == 0 and "401" in denied.err and "glpat-revoked-token-0000" not in denied.err
    assert project.cli("gitlab", "note", "r", "--strict", env=refused).code == 3
    outside = project.cli("gitlab", "note", "r", env=gl.env(EVALGATE_GITLAB_TOKEN=API_TOKEN))
    assert outside.code == 0 and "not a merge request pipeline" in outside.err
    assert gl.notes.get(4, []) == []


def test_a_run_without_results_gets_a_note_with_its_exit_code(
    project: Project, gl: FakeGitLab
) -> None:
    env = gl.env(EVALGATE_GITLAB_TOKEN=API_TOKEN, CI_MERGE_REQUEST_IID="5",
                 CI_JOB_URL="http://gitlab.example/jobs/1")  # fmt: skip
    posted = project.cli("gitlab", "note", "missing-run", "--exit-code", "2", env=env)
    assert posted.code == 0, posted.err
    (note,) = gl.notes[5]
    assert note["body"].startswith(MARKER) and "exit code 2" in note["body"]


def test_code_quality_and_metrics_place_cases_from_the_repository_root(
    tmp_path: Path, srv: FaultServer
) -> None:
    root = tmp_path / "repo"
    project = in_process(root / "services" / "copilot")
    project.root.mkdir(parents=True)
    from tests.attack.conftest import clean_env

    project.env = clean_env({"CI_PROJECT_DIR": str(root)})
    regressed_run(project, srv, {})
    made = project.cli("report", "r", "--codequality", "cq.json", "--metrics", "metrics.txt", "-q")
    assert made.code == 0, made.err
    issues = project.read_json("cq.json")
    (issue,) = issues
    assert issue["location"]["path"] == "services/copilot/goldens/g.yaml"
    assert issue["location"]["lines"]["begin"] > 1
    assert issue["check_name"] == "evalgate/failed" and "case c1" in issue["description"]
    assert issue["severity"] in ("major", "critical") and len(issue["fingerprint"]) == 32
    metrics = (project.root / "metrics.txt").read_text().splitlines()
    assert "evalgate_pass_rate 0.75" in metrics and "evalgate_failed_cases 1" in metrics
    assert "evalgate_gate_passed 0" in metrics and metrics[-1] == "# EOF"
    assert not any(line.startswith("evalgate_cost_usd") for line in metrics)  # unknown: left out
