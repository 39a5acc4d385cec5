"""A stream that fails half-way is an error outcome, never a scored (passing) answer."""

from __future__ import annotations

import pytest

from tests.attack.conftest import Project
from tests.support.faultserver import FaultServer


@pytest.mark.parametrize(
    ("kind", "fail"), [("openai", "error"), ("openai", "cut"), ("generic", "error")]
)
def test_a_failed_stream_never_passes(
    project: Project, srv: FaultServer, kind: str, fail: str
) -> None:
    target = {"url": srv.url(f"/sse?kind={kind}&fail={fail}"), "stream": "sse"}
    if kind == "openai":
        target |= {"preset": "openai-chat", "body": {"model": "m"}}
    else:
        target |= {"body": {"message": "{{ input.message }}"}}
    project.write_config(target)
    golden = {
        "dataset": "s",
        "cases": [{"id": "a", "input": {"message": "refunds?"}, "expect": [{"contains": "Re"}]}],
    }
    if kind == "generic":
        golden["cases"][0]["expect"] = [{"contains": "Hel"}]
    project.write_golden("s.yaml", golden)
    ran = project.cli("run", "--out", "r", "-q", "--no-gate")
    assert ran.code == 3, (ran.code, ran.err)
    [result] = project.results("r")
    assert result["outcome"] in {"http_error", "connection_error"}
    assert "stream" in result["error"]
    if fail == "error":
        assert "upstream model failed" in result["error"]
