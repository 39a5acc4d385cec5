"""Inputs that once crashed evalgate (exit 4 or a traceback), kept as plain regression tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalgate.cli.main import main
from tests.reliability.conftest import FaultProject, unique


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
