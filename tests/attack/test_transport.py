"""The installed CLI over each ``target.transport``: a mixed run of faults ends the same way.

One project, eight cases: healthy ones, and one each that is reset, cut short, answers too
much, redirects, answers 503, answers a non-JSON body and answers an SSE error event (chosen per
case by the fault server's ``X-Fault`` header). Both transports must give the same exit code,
the same outcome, attempts and error for every case, and the same verdict.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.attack.conftest import Project
from tests.support.faultserver import FaultServer

FAULTS = {
    "c1": "reset",
    "c2": "truncated",
    "c3": "huge",
    "c4": "redirect",
    "c5": "status",
    "c6": "notjson",
}


def _setup(project: Project, srv: FaultServer, transport: str) -> None:
    project.write_config(
        {
            "url": srv.url("/ok"),
            "transport": transport,
            "body": {"message": "{{ input.message }}"},
            "headers": {"X-Fault": "{{ case.metadata.fault | default(null) }}"},
            "max_response_bytes": 4096,
            "retries": 1,
        },
        gate={"max_error_rate": 1.0},
    )
    cases = [
        {
            "id": f"c{i}",
            "input": {"message": f"m{i}"},
            "metadata": {"fault": FAULTS[f"c{i}"]} if f"c{i}" in FAULTS else {},
            "expect": [{"contains": "echo"}],
        }
        for i in range(8)
    ]
    project.write_golden("g.yaml", {"dataset": "d", "cases": cases})


def _run(project: Project, srv: FaultServer, transport: str) -> tuple[int, dict[str, Any]]:
    _setup(project, srv, transport)
    out = f"r-{transport}"
    ran = project.cli("run", "--no-gate", "--out", out, "--json", timeout=60)
    port = str(srv.url("/")).split(":")[2].split("/")[0]
    seen = {
        r["case_id"]: (
            r["status"],
            r.get("outcome"),
            r.get("attempts"),
            (r.get("error") or "").replace(port, "PORT"),
        )
        for r in project.results(out)
    }
    return ran.code, seen


def test_a_run_of_faults_reads_the_same_through_either_transport(
    project: Project, srv: FaultServer
) -> None:
    code_a, aio = _run(project, srv, "aiohttp")
    code_h, hx = _run(project, srv, "httpx")
    assert code_a == code_h == 0, (code_a, code_h)
    assert aio == hx
    assert sorted(aio) == [f"c{i}" for i in range(8)]  # every case has its result
    assert aio["c0"][0] == aio["c7"][0] == "passed"
    assert {aio[c][1] for c in FAULTS} == {"connection_error", "invalid_response", "http_error"}
    assert all(aio[c][0] == "error" for c in FAULTS)


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_an_unknown_transport_is_a_config_error(project: Project, transport: str) -> None:
    project.write_config({"url": "http://127.0.0.1:9/x", "transport": f"{transport}2"})
    project.write_golden("g.yaml", {"dataset": "d", "cases": [{"id": "a", "input": {}}]})
    ran = project.cli("validate")
    assert ran.code == 2
    said = ran.out + ran.err  # validate lists the problems on stdout
    assert "evalgate.yaml:" in said and "must be one of: aiohttp, httpx" in said
