"""Scoring and result lines through the installed command: what an answer holds is scored (never
a scorer error of ours), cases sharing expect lists are each judged on their own answer, and
every line of results.jsonl is the JSON encoder's text of the result it holds."""

from __future__ import annotations

import json

from tests.attack.conftest import Project
from tests.support.faultserver import FaultServer

ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def test_an_answer_citing_superscript_numbers_is_scored_not_a_scorer_error(
    project: Project, srv: FaultServer
) -> None:
    # int() cannot read "²": the citation scorer raised on such answers (exit 2)
    project.write_config({"url": srv.url("/echo"), "response": {"output": "output"}})
    project.write_golden(
        "g.yaml",
        {
            "dataset": "d",
            "cases": [
                {
                    "id": "a",
                    "input": {"message": "see 【²】 [kb-a]"},
                    "expect": [{"citation": True}],
                },
                {"id": "b", "input": {"message": "note[^³]"}, "expect": [{"citation": False}]},
                {
                    "id": "c",
                    "input": {"message": "【¹†source】 [kb-a]"},
                    "expect": [{"citation": {"in_text": True, "any_of": ["kb-a"]}}],
                },
            ],
        },
    )
    run = project.cli("run", "--out", "runs/x")
    assert run.code == 0, run.out + run.err
    statuses = {r["case_id"]: r["status"] for r in project.results("runs/x")}
    assert statuses == {"a": "passed", "b": "passed", "c": "passed"}


def test_cases_sharing_expect_lists_are_each_judged_on_their_own_answer(
    project: Project, srv: FaultServer
) -> None:
    project.write_config({"url": srv.url("/echo"), "response": {"output": "output"}})
    shared = [{"contains": "30 days"}, {"not_contains": "sorry"}, {"regex": r"#\d+"}]
    cases = [
        {"id": f"c{i}", "input": {"message": msg}, "expect": shared}
        for i, msg in enumerate(["30 days #1", "31 days #2", "30 days, sorry #3", "30 days #x"])
    ]
    cases.append({"id": "own", "input": {"message": "30 days"}, "expect": [{"equals": "x"}]})
    project.write_golden("g.yaml", {"dataset": "d", "cases": cases})
    run = project.cli("run", "--out", "runs/x")
    assert run.code == 1, run.out + run.err  # failed cases, no baseline: the gate fails
    lines = (project.root / "runs/x/results.jsonl").read_text("utf-8").split("\n")[:-1]
    results = {r["case_id"]: r for r in map(json.loads, lines)}
    assert {k: r["status"] for k, r in results.items()} == {
        "c0": "passed",
        "c1": "failed",
        "c2": "failed",
        "c3": "failed",
        "own": "failed",
    }
    assert results["c1"]["scores"][0]["reason"].startswith('expected the answer to contain "30')
    assert results["c2"]["scores"][1]["reason"].startswith('expected no "sorry"')
    assert [(s["scorer"], s["passed"], s["reason"]) for s in results["c0"]["scores"]] == [
        ("contains", True, 'contains "30 days"'),
        ("not_contains", True, 'does not contain "sorry"'),
        ("regex", True, '/#\\d+/ matched "echo: 30 days #1"'),
    ]
    # each line is what the encoder writes for the result it holds
    for line in lines:
        assert ENCODE(json.loads(line)) == line
