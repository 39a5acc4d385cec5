"""Inputs that once crashed evalgate (exit 4 or a traceback), kept as plain regression tests."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path

import httpx
import pytest

from evalgate.cli.main import main
from evalgate.config.model import Pricing, ResponseMapping, TargetConfig
from evalgate.model import Case
from evalgate.target import CallResult, TargetClient, TemplateContext
from tests.reliability.conftest import FaultProject, unique

CASE = Case(id="c", dataset="d", input={"message": "hi"})


def test_out_folder_under_a_file_is_a_usage_error(fp: FaultProject) -> None:
    fp.write({"a": f"/ok?key={unique('a')}"})
    (fp.root / "afile").write_text("x")
    ran = fp.run("afile/sub")
    assert ran.code == 2 and "Traceback" not in ran.err
    assert "afile/sub: cannot create the run folder (Not a directory)" in ran.err


def _stored_run(fp: FaultProject) -> Path:
    fp.write({"a": f"/ok?key={unique('a')}", "b": f"/ok?key={unique('b')}"})
    assert fp.run("r").code == 0
    return fp.root / "r" / "results.jsonl"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("turns", [5], "turns[0] is not an object"),
        (
            "response",
            {"output": "x", "prompt_version": [None]},
            "response.prompt_version is not a string",
        ),
        (
            "response",
            {"output": "x", "input_tokens": "many"},
            "response.input_tokens is not an integer",
        ),
        ("scores", [1], "scores holds an entry without a scorer name"),
        ("score", 1e300, "score is not a number between 0 and 1"),
        ("status", "weird", "status is not one of"),
        ("tags", "abc", "tags is not a list of strings"),
    ],
)
def test_hand_edited_result_fields_are_reported_as_damage(
    fp: FaultProject, field: str, value: object, message: str
) -> None:
    path = _stored_run(fp)
    lines = path.read_text().splitlines()
    doc = json.loads(lines[0])
    doc[field] = value
    path.write_text("\n".join([json.dumps(doc), *lines[1:]]) + "\n")
    for args in (["report", "r", "-q"], ["compare", "r", "r", "-q"]):
        fp.capsys.readouterr()
        assert main(args) == 2
        err = fp.capsys.readouterr().err
        assert f"r/results.jsonl:1:1: damaged result line ({message}" in err, err


@pytest.mark.parametrize(
    "usage",
    [
        b'{"input_tokens": 1e999, "output_tokens": 2, "cost": Infinity}',
        b'{"input_tokens": NaN, "output_tokens": -Infinity, "cost": NaN}',
        b'{"input_tokens": 1' + b"0" * 400 + b', "output_tokens": 1}',
    ],
)
def test_infinite_or_huge_numbers_in_an_answer_are_dropped_not_fatal(usage: bytes) -> None:
    """Python's JSON reads Infinity/NaN/1e999; int(inf) used to raise out of the client."""
    body = b'{"answer": "x", "model": "m", "usage": ' + usage + b"}"
    mapping = ResponseMapping(
        output="answer",
        model="model",
        input_tokens="usage.input_tokens",
        output_tokens="usage.output_tokens",
        cost_usd="usage.cost",
    )
    cfg = TargetConfig(url="http://127.0.0.1:9/x", response=mapping, retries=0)
    transport = httpx.MockTransport(lambda req: httpx.Response(200, content=body))

    async def go() -> CallResult:
        async with TargetClient(cfg, pricing={"m": Pricing(1.0, 1.0)}, transport=transport) as c:
            return await c.call(TemplateContext(case=CASE, input=CASE.input))

    result = asyncio.run(go())
    assert result.outcome == "success" and result.response is not None
    r = result.response
    assert r.input_tokens is None  # not a believable count: left out, not fatal
    assert r.cost_usd is None or math.isfinite(r.cost_usd)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("totals", "passed"), [], "totals.passed is not a whole number"),
        (("verdict",), {"status": "fail", "reasons": [{"kind": 1}]}, "verdict.reasons holds"),
        (("latency_ms",), {"p95": "slow"}, "latency_ms is not an object of numbers"),
        (("prompt_versions",), {"v1": "many"}, "prompt_versions.v1 is not a whole number"),
    ],
)
def test_hand_edited_summary_fields_are_reported_as_damage(
    fp: FaultProject, path: tuple[str, ...], value: object, message: str
) -> None:
    _stored_run(fp)
    summary = fp.root / "r" / "summary.json"
    doc = json.loads(summary.read_text())
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    summary.write_text(json.dumps(doc))
    for args in (["report", "r", "-q"], ["compare", "r", "r", "-q"]):
        fp.capsys.readouterr()
        assert main(args) == 2
        err = fp.capsys.readouterr().err
        assert f"summary.json: damaged summary ({message}" in err, err
    summary.unlink()  # the way out the message names
    assert main(["report", "r", "-q"]) == 0
