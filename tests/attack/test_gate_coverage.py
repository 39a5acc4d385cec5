"""Cases the baseline cannot vouch for, through the CLI: never a false green.

Each test records a baseline against a good endpoint (the fault server's ``/echo`` answers
``echo: <message>``), then changes the goldens or the baseline the way a pull request can, and
points the target at a regressed endpoint (``/regress?bad=WORD``: a refusal for every message
containing WORD). The regressed run must exit 1, or 3 where the baseline cannot judge it; an
unchanged good run must still exit 0.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.attack.conftest import CliRun, Project
from tests.attack.inprocess import in_process
from tests.support.faultserver import FaultServer


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    """Commands run in-process (tests/attack/inprocess.py): the subject is not the process."""
    return in_process(tmp_path)


BODY = {"message": "{{ input.message }}"}
N = 8  # cases: c0 is critical, asked about "login"


def golden(
    *, defaults: dict[str, Any] | None = None, skip: tuple[str, ...] = (), **edits: Any
) -> dict[str, Any]:
    """N cases expecting the echo of their message; ``edits`` maps a case id to changed keys."""
    cases = []
    for i in range(N):
        cid = f"c{i}"
        if cid in skip:
            continue
        word = "login" if i == 0 else f"topic{i}"
        case: dict[str, Any] = {
            "id": cid,
            "input": {"message": f"{word} question {i}"},
            "expect": [{"contains": f"echo: {word}"}],
        }
        if i == 0:
            case["tags"] = ["critical"]
        case.update(edits.get(cid, {}))
        cases.append(case)
    return {"dataset": "cov", "defaults": defaults or {}, "cases": cases}


def setup(
    project: Project,
    srv: FaultServer,
    doc: dict[str, Any],
    gate: dict[str, Any] | None = None,
    **target: Any,
) -> CliRun:
    """Goldens ``doc`` against the good endpoint, recorded as baseline v1 (must exit 0)."""
    project.write_config({"url": srv.url("/echo"), "body": BODY, **target}, gate=gate or {})
    project.write_golden("cov.yaml", doc)
    rec = project.cli("run", "--record-baseline", "--prompt-version", "v1", "--out", "base", "-q")
    assert rec.code == 0, rec.err
    assert (project.root / ".evalgate/baselines/v1.json").exists()
    return rec


def regressed(project: Project, srv: FaultServer, bad: str = "login", **target: Any) -> CliRun:
    """Run against the endpoint that now refuses messages containing ``bad``."""
    project.write_config({"url": srv.url(f"/regress?bad={bad}"), "body": BODY, **target})
    return project.cli("run", "--baseline", "v1", "--out", "cand", "-q")


def verdict(project: Project, run_dir: str = "cand") -> dict[str, Any]:
    v: dict[str, Any] = project.read_json(f"{run_dir}/summary.json")["verdict"]
    return v


def blocking(v: dict[str, Any]) -> dict[str, list[str]]:
    return {r["kind"]: r["cases"] for r in v["reasons"] if r["blocking"]}


def test_an_unchanged_good_run_passes_and_the_regression_is_caught(
    project: Project, srv: FaultServer
) -> None:
    """The floor: no false block on an unchanged run; the plain regression exits 1."""
    setup(project, srv, golden())
    again = project.cli("run", "--baseline", "v1", "--out", "same", "-q")
    assert again.code == 0, again.err
    v = verdict(project, "same")
    assert v["stats"]["shared"] == N and v["stats"]["shared_share"] == 1.0
    bad = regressed(project, srv)
    assert bad.code == 1, bad.err
    assert blocking(verdict(project))["critical"] == ["c0"]


def test_an_unread_defaults_metadata_key_keeps_the_cases_comparable(
    project: Project, srv: FaultServer
) -> None:
    """Adding a label to defaults.metadata must not turn every case 'changed' (and exit 0)."""
    setup(project, srv, golden(defaults={"metadata": {"tenant": "acme"}}))
    project.write_golden("cov.yaml", golden(defaults={"metadata": {"tenant": "acme", "x": 1}}))
    good = project.cli("run", "--baseline", "v1", "--out", "same", "-q")
    assert good.code == 0, good.err
    assert verdict(project, "same")["stats"]["changed"] == 0
    bad = regressed(project, srv)
    assert bad.code == 1, bad.err
    assert verdict(project)["stats"]["changed"] == 0
    assert blocking(verdict(project))["critical"] == ["c0"]


def test_a_metadata_key_the_template_reads_makes_the_run_inconclusive(
    project: Project, srv: FaultServer
) -> None:
    """Every request changed: the baseline cannot judge it (exit 3), failures still listed."""
    headers = {"X-Tenant": "{{ case.metadata.tenant | default('none') }}"}
    setup(project, srv, golden(defaults={"metadata": {"tenant": "acme"}}), headers=headers)
    project.write_golden("cov.yaml", golden(defaults={"metadata": {"tenant": "globex"}}))
    bad = regressed(project, srv, headers=headers)
    assert bad.code == 3, bad.err
    v = verdict(project)
    assert v["status"] == "inconclusive" and v["stats"]["changed"] == N
    reasons = blocking(v)
    assert len(reasons["few_shared"]) == N and reasons["case_failed"] == ["c0"]
    few = next(r["message"] for r in v["reasons"] if r["kind"] == "few_shared")
    assert "record a new baseline for this promptVersion" in few


def test_a_reworded_critical_case_that_fails_blocks(project: Project, srv: FaultServer) -> None:
    setup(project, srv, golden())
    reworded = {"input": {"message": "login question, reworded"}}
    project.write_golden("cov.yaml", golden(c0=reworded))
    bad = regressed(project, srv)
    assert bad.code == 1, bad.err
    v = verdict(project)
    assert blocking(v) == {"case_failed": ["c0"]}
    assert "c0 (changed, now 0/1)" in v["reasons"][0]["message"]


def test_critical_cases_missing_from_the_baseline_must_pass(
    project: Project, srv: FaultServer
) -> None:
    setup(project, srv, golden(skip=("c0",)))  # the baseline never saw c0
    project.write_golden("cov.yaml", golden())
    bad = regressed(project, srv)
    assert bad.code == 1, bad.err
    assert blocking(verdict(project)) == {"case_failed": ["c0"]}


def test_an_empty_baseline_is_refused(project: Project, srv: FaultServer) -> None:
    # no run records a baseline without cases: the file is refused as damaged (exit 2)
    setup(project, srv, golden())
    path = project.root / ".evalgate/baselines/v1.json"
    data = json.loads(path.read_text("utf-8"))
    data["cases"] = {}
    path.write_text(json.dumps(data), "utf-8")
    bad = regressed(project, srv)
    assert bad.code == 2, bad.err
    assert "records no case" in bad.err


def test_a_foreign_baseline_is_inconclusive(project: Project, srv: FaultServer) -> None:
    other = golden()
    for c in other["cases"]:
        c["id"] = "other-" + c["id"]
    setup(project, srv, other)
    project.write_golden("cov.yaml", golden())
    bad = regressed(project, srv)
    assert bad.code == 3, bad.err
    v = verdict(project)
    assert v["stats"]["new"] == N and v["stats"]["removed"] == N
    assert blocking(v)["case_failed"] == ["c0"]


@pytest.mark.parametrize(
    "label",
    [{"tags": ["critical", "auth"]}, {"description": "asked by many users"}],
)
def test_labels_do_not_make_a_case_changed(
    project: Project, srv: FaultServer, label: dict[str, Any]
) -> None:
    setup(project, srv, golden())
    project.write_golden("cov.yaml", golden(c0=label))
    good = project.cli("run", "--baseline", "v1", "--out", "same", "-q")
    assert good.code == 0, good.err
    assert verdict(project, "same")["stats"]["changed"] == 0
    assert regressed(project, srv).code == 1


def test_a_case_without_expectations_is_flagged(project: Project, srv: FaultServer) -> None:
    doc = golden()
    del doc["cases"][3]["expect"]
    project.write_config({"url": srv.url("/echo"), "body": BODY})
    project.write_golden("cov.yaml", doc)
    checked = project.cli("validate")
    assert checked.code == 0
    assert "goldens/cov.yaml:" in checked.err and "warning: case 'c3' has no expectations" in (
        checked.err
    )
    assert project.cli("validate", "--strict").code == 2
    ran = project.cli("run", "--out", "r", "-q")
    assert ran.code == 0, ran.err
    notes = [r for r in verdict(project, "r")["reasons"] if r["cases"] == ["c3"]]
    assert notes and "no expectations" in notes[0]["message"] and not notes[0]["blocking"]


def test_gate_confirm_reruns_a_failing_new_case(project: Project, srv: FaultServer) -> None:
    """A new case that keeps failing is re-run and still blocks; the baseline cases pass."""
    setup(project, srv, golden(skip=("c0",)))
    project.write_golden("cov.yaml", golden())
    project.write_config({"url": srv.url("/regress?bad=login"), "body": BODY}, gate={"confirm": 2})
    bad = project.cli("run", "--baseline", "v1", "--out", "cand")
    assert bad.code == 1, bad.err
    assert "confirming 1 failing case(s) (2 more runs each)" in bad.err
    results = [r for r in project.results("cand") if r["case_id"] == "c0"]
    assert len(results) == 3 and sum(1 for r in results if r.get("confirmation")) == 2
    assert "c0 (new, now 0/3)" in verdict(project)["reasons"][0]["message"]


def test_a_critical_case_that_only_errors_is_not_a_pass(project: Project, srv: FaultServer) -> None:
    """An endpoint that crashes on the critical case: under max_error_rate, still exit 3."""
    setup(project, srv, golden(), gate={"max_error_rate": 0.5})
    project.write_config(
        {"url": srv.url("/regress?bad=login&code=500"), "body": BODY}, gate={"max_error_rate": 0.5}
    )
    bad = project.cli("run", "--baseline", "v1", "--out", "cand", "-q")
    assert bad.code == 3, bad.err
    assert blocking(verdict(project)) == {"critical_unscored": ["c0"]}


def test_a_skipped_critical_case_is_named(project: Project, srv: FaultServer) -> None:
    setup(project, srv, golden())
    project.write_golden("cov.yaml", golden(c0={"skip": "flaky upstream"}))
    ran = regressed(project, srv)
    assert ran.code == 0, ran.err  # skipping is explicit and reviewed: a note, not a block
    notes = [r for r in verdict(project)["reasons"] if r["cases"] == ["c0"]]
    assert notes and "skipped" in notes[0]["message"] and not notes[0]["blocking"]


def test_a_stale_baseline_says_how_to_replace_it(project: Project, srv: FaultServer) -> None:
    """Every case changed: a gated --record-baseline refuses, --no-gate records, then exit 0."""
    setup(project, srv, golden())
    project.write_golden("cov.yaml", golden(defaults={"threshold": 0.9}))  # every case changed
    refused = project.cli("run", "--record-baseline", "--prompt-version", "v1", "-q")
    assert refused.code == 3
    assert "record this run as the new reference with --no-gate --record-baseline" in refused.err
    rec = project.cli("run", "--no-gate", "--record-baseline", "--prompt-version", "v1", "-q")
    assert rec.code == 0, rec.err
    again = project.cli("run", "--baseline", "v1", "--out", "after", "-q")
    assert again.code == 0, again.err
    assert verdict(project, "after")["stats"]["shared"] == N
