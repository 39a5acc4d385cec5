"""The installed command gates a loopback endpoint: the floor every attack test stands on."""

from __future__ import annotations

from tests.attack.conftest import Project
from tests.support.faultserver import FaultServer


def _golden(expected: str) -> dict[str, object]:
    return {
        "dataset": "smoke",
        "cases": [
            {"id": f"c{i}", "input": {"message": f"m{i}"}, "expect": [{"contains": expected}]}
            for i in range(3)
        ],
    }


def test_a_passing_endpoint_exits_0(project: Project, srv: FaultServer) -> None:
    project.write_config({"url": srv.url("/echo"), "body": {"message": "{{ input.message }}"}})
    project.write_golden("smoke.yaml", _golden("echo: m"))
    assert project.cli("validate").code == 0
    ran = project.cli("run", "--out", "r1", "-q")
    assert ran.code == 0, ran.err
    assert len(project.results("r1")) == 3


def test_a_failing_endpoint_without_baseline_exits_1(project: Project, srv: FaultServer) -> None:
    project.write_config({"url": srv.url("/echo"), "body": {"message": "{{ input.message }}"}})
    project.write_golden("smoke.yaml", _golden("refund window"))
    ran = project.cli("run", "--out", "r1", "-q")
    assert ran.code == 1, ran.err
    assert project.read_json("r1/summary.json")["verdict"]["status"] == "fail"


def test_an_error_names_the_turn_and_url_as_results_record_them(
    project: Project, srv: FaultServer
) -> None:
    base = srv.url("/")
    project.write_config({"url": base + "{{ input.path }}", "body": {"message": "hi"}})
    project.write_golden(
        "turns.yaml",
        {
            "dataset": "t",
            "cases": [
                {
                    "id": "two-turns",
                    "turns": [{"input": {"path": "echo"}}, {"input": {"path": "status?code=404"}}],
                    "expect": [{"contains": "echo"}],
                }
            ],
        },
    )
    ran = project.cli("run", "--out", "r", "-q", "--no-gate")
    assert ran.code == 3, ran.err
    [result] = project.results("r")
    assert len(result["turns"]) == 2 and result["turns"][1]["outcome"] == "http_error"
    assert result["error"].startswith(f"turns[1]: HTTP 404 Not Found from {base}status")
