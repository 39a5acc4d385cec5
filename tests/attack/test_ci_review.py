"""What a reviewer sees in CI, through the CLI: the baseline keeps each case's
answer (redacted, masked), the PR comment leads with what to do and shows the baseline's answer
beside the regressed one, the verdict names its baseline and warns when it is stale, and JUnit
agrees with the verdict.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
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


SECRET = "tok-7f3a9c2e5d1b8a4f"
BODY = {"message": "{{ input.message }} (key ${REVIEW_TOKEN})"}
REPORTS = {"markdown": "report.md", "html": "report.html", "junit": "junit.xml"}


def golden() -> dict[str, Any]:
    cases: list[dict[str, Any]] = []
    for i in range(12):
        word = "zeta mail ana@example.org" if i == 7 else f"topic{i:02d}x"
        case: dict[str, Any] = {
            "id": f"c{i:02d}",
            "input": {"message": f"{word} question"},
            "expect": [{"contains": f"echo: {word.split()[0]}"}],
        }
        if i == 7:
            case["tags"] = ["critical"]
        cases.append(case)
    return {"dataset": "review", "cases": cases}


def setup(project: Project, srv: FaultServer, path: str, **gate: Any) -> None:
    project.env["REVIEW_TOKEN"] = SECRET
    project.write_golden("review.yaml", golden())
    project.write_config({"url": srv.url(path), "body": BODY}, gate=gate, reports=REPORTS)


def run(project: Project, out: str, *extra: str) -> CliRun:
    return project.cli("run", "--prompt-version", "v1", "--out", out, *extra)


def _age(project: Project, rel: str, hours: float) -> None:
    """Move a recorded baseline's stamp ``hours`` into the past."""
    doc = project.read_json(rel)
    made = dt.datetime.fromisoformat(doc["recorded_at"].replace("Z", "+00:00"))
    doc["recorded_at"] = (made - dt.timedelta(hours=hours)).isoformat().replace("+00:00", "Z")
    (project.root / rel).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def test_the_baseline_keeps_answers_and_the_comment_shows_them_side_by_side(
    project: Project, srv: FaultServer
) -> None:
    setup(project, srv, "/echo")
    rec = run(project, "runs/base", "--no-gate", "--record-baseline", "-q")
    assert rec.code == 0, rec.err
    doc = project.read_json(".evalgate/baselines/v1.json")
    assert doc["format_version"] == 2
    answers = {cid: c.get("answer") for cid, c in doc["cases"].items()}
    assert all(answers.values()), answers  # every case keeps its answer
    kept = answers["c07"]
    assert kept.startswith("echo: zeta mail <EMAIL_1> question")  # redacted
    assert "ana@example.org" not in json.dumps(doc) and SECRET not in json.dumps(doc)

    # the endpoint regresses on c07: the gate fails, and the comment says what to do
    setup(project, srv, "/regress?bad=zeta")
    cand = run(project, "runs/pr")
    assert cand.code == 1, cand.err
    comment = (project.root / "runs/pr/report.md").read_text("utf-8")
    body = comment.split("\n", 2)[2].lstrip()
    assert body.startswith("**1 case regressed:** `c07`. Fix it, or, if the new answers are")
    assert "evalgate baseline record RUN\\_FOLDER" not in body  # a code span, not escaped text
    table = comment.split("**`c07`**", 1)[1].split("</table>", 1)[0]
    assert table.index("<th>baseline</th>") < table.index("<th>this run (repeat 0)</th>")
    assert table.index("echo: zeta mail <EMAIL_1> question") < table.index(
        "Sorry, I cannot help with that."
    )
    assert "Baseline: file .evalgate/baselines/v1.json" in comment
    assert comment.index("#### What changed") < comment.index("<summary>Statistics</summary>")
    page = (project.root / "runs/pr/report.html").read_text("utf-8")
    assert "answer_diff" in page
    for text in (comment, page, cand.err, cand.out):
        assert SECRET not in text
    # the baseline side is what the baseline kept: redacted (this run's answers are shown as
    # they came, as in every report)
    assert "ana@example.org" not in comment

    # a report made later from the run folder shows the same comment
    again = project.cli("report", "runs/pr", "--markdown", "again.md", "--quiet")
    assert again.code == 0, again.err
    assert (project.root / "again.md").read_text("utf-8") == comment

    junit = ET.parse(project.root / "runs/pr/junit.xml").getroot()
    red = [c.get("name") for c in junit.iter("testcase") if c.find("failure") is not None]
    kinds = {f.get("type") for f in junit.iter("failure")}
    assert red == ["c07"] and kinds == {"regression"}


def test_a_stale_baseline_is_named_but_does_not_change_the_exit_code(
    project: Project, srv: FaultServer
) -> None:
    setup(project, srv, "/echo", baseline_max_age_days=0.000001)
    assert run(project, "runs/base", "--no-gate", "--record-baseline", "-q").code == 0
    # recorded an hour ago: the stamp has whole seconds, so a run in the same second as the
    # recording could find it younger than the 0.09 s limit
    _age(project, ".evalgate/baselines/v1.json", hours=1)
    ok = run(project, "runs/ok")
    assert ok.code == 0, ok.err  # a warning, never a verdict
    assert "baseline: file .evalgate/baselines/v1.json, recorded less than a day ago" in ok.err
    assert "baseline_stale: the baseline is stale" in ok.err
    comment = (project.root / "runs/ok/report.md").read_text("utf-8")
    assert "> **Warning:** the baseline is stale" in comment
    assert "**Nothing to do:** no case regressed against the baseline." in comment
    verdict = project.read_json("runs/ok/summary.json")["verdict"]
    assert verdict["baseline_source"]["stale"] is True
    assert verdict["baseline_source"]["kind"] == "file"

    setup(project, srv, "/regress?bad=zeta", baseline_max_age_days=0.000001)
    bad = run(project, "runs/bad")
    assert bad.code == 1, bad.err


def test_baseline_record_keeps_answers_redacted_with_the_projects_patterns(
    project: Project, srv: FaultServer
) -> None:
    project.env["REVIEW_TOKEN"] = SECRET
    project.write_golden(
        "t.yaml",
        {"dataset": "t", "cases": [{"id": "t1", "input": {"message": "about TCK-4411"},
                                    "expect": [{"contains": "echo"}]}]},
    )  # fmt: skip
    project.write_config(
        {"url": srv.url("/echo"), "body": BODY}, redact={"patterns": {"TICKET": r"TCK-\d+"}}
    )
    assert run(project, "runs/x", "--no-gate", "-q").code == 0
    rec = project.cli("baseline", "record", "runs/x", "--prompt-version", "v2")
    assert rec.code == 0, rec.err
    answer = project.read_json(".evalgate/baselines/v2.json")["cases"]["t1"]["answer"]
    assert answer.startswith("echo: about <TICKET_1> (key ")
    assert "TCK-4411" not in answer and SECRET not in answer
