"""The installed CLI's target calls straight to aiohttp: the same results as through httpx.

With a constant URL and headers, calls over ``transport: aiohttp`` skip httpx's request and
response objects (target/direct.py). A run of healthy and failing cases must write the same
results as the same run over ``transport: httpx``, and a URL with credentials (which makes
httpx add a basic ``Authorization`` header) must work, without the password in any message.
"""

from __future__ import annotations

from typing import Any

from tests.attack.conftest import Project
from tests.support.faultserver import FaultServer


def _results(
    project: Project, srv: FaultServer, url: str, transport: str, out: str
) -> tuple[int, Any]:
    project.write_config(
        {
            "url": url,
            "transport": transport,
            "body": {"message": "{{ input.message }}"},
            "response": {
                "output": "output",
                "model": "model",
                "input_tokens": "usage.input_tokens",
            },
            "retries": 1,
        },
        gate={"max_error_rate": 1.0},
    )
    cases = [
        {"id": f"c{i}", "input": {"message": f"m{i}"}, "expect": [{"contains": "echo"}]}
        for i in range(4)
    ]
    project.write_golden("g.yaml", {"dataset": "d", "cases": cases})
    ran = project.cli("run", "--no-gate", "--out", out, timeout=60)
    port = str(srv.url("/")).split(":")[2].split("/")[0]
    seen = [
        (
            r["case_id"],
            r["status"],
            r.get("outcome"),
            r.get("attempts"),
            (r.get("error") or "").replace(port, "PORT"),
            r.get("request"),
            {k: v for k, v in (r.get("response") or {}).items() if k != "latency_ms"},
        )
        for r in project.results(out)
    ]
    return ran.code, sorted(seen)


def test_a_constant_target_reads_the_same_through_either_transport(
    project: Project, srv: FaultServer
) -> None:
    for n, path in enumerate(("/ok", "/status?code=404", "/notjson")):
        url = srv.url(path)
        code_a, aio = _results(project, srv, url, "aiohttp", f"a{n}")
        code_h, hx = _results(project, srv, url, "httpx", f"h{n}")
        assert (code_a, aio) == (code_h, hx), path
        assert len(aio) == 4 and code_a == 0


def test_credentials_in_the_url_are_sent_and_never_shown(
    project: Project, srv: FaultServer
) -> None:
    port = str(srv.url("/")).split(":")[2].split("/")[0]
    ok = f"http://user:s3cr3t-pw@127.0.0.1:{port}/ok"
    code, seen = _results(project, srv, ok, "aiohttp", "ok")
    assert code == 0, seen
    assert seen[0][1] == "passed"
    assert srv.last_headers.get("Authorization") == "Basic dXNlcjpzM2NyM3QtcHc="
    missing = f"http://user:s3cr3t-pw@127.0.0.1:{port}/status?code=404"
    code, seen = _results(project, srv, missing, "aiohttp", "missing")
    assert seen[0][2] == "http_error"
    assert "from http://127.0.0.1:PORT/status" in seen[0][4]
    runs = "".join(p.read_text("utf-8") for p in project.root.rglob("*") if p.is_file())
    assert "s3cr3t" not in runs.replace(ok, "").replace(missing, "")
    assert "dXNlcjpzM2NyM3QtcHc" not in runs  # the server echoed the Authorization header
