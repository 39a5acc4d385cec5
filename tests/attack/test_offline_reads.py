"""Offline commands read what they need: ``compare`` gates two stored runs with the config
alone (the goldens may have moved on), and ``report`` rebuilds reports from compact results
plus the requests and answers it shows."""

from __future__ import annotations

from tests.attack.conftest import Project
from tests.support.faultserver import FaultServer


def _setup(project: Project, srv: FaultServer) -> None:
    project.write_config({"url": srv.url("/echo"), "body": {"message": "{{ input.message }}"}})
    cases = [
        {"id": f"c{i}", "input": {"message": f"m{i}"}, "expect": [{"contains": "echo"}]}
        for i in range(5)
    ]
    project.write_golden("cases.yaml", {"dataset": "d", "cases": cases})


def test_compare_needs_the_config_and_not_the_goldens(project: Project, srv: FaultServer) -> None:
    _setup(project, srv)
    for out in ("a", "b"):
        ran = project.cli("run", "--out", out, "-q", "--no-gate")
        assert ran.code == 0, ran.err
    project.write_golden("cases.yaml", "cases: [unclosed\n")  # the goldens are broken now
    assert project.cli("validate").code == 2
    compared = project.cli("compare", "a", "b", "-q")
    assert compared.code == 0, compared.err
    assert "PASSED" in compared.err
    # with --out, the judged copy holds every complete result, requests and answers included
    copied = project.cli("compare", "a", "b", "--out", "c", "-q")
    assert copied.code == 0, copied.err

    def key(r: dict[str, object]) -> str:
        return str(r["case_id"])

    assert project.results("c") == sorted(project.results("b"), key=key)  # in case order
    reported = project.cli("report", "c", "-q")
    assert reported.code == 0, reported.err
    assert "echo: m3" in (project.root / "c" / "report.html").read_text("utf-8")
