"""In-process targets: a Python function answers like an endpoint, and is judged like one."""

from __future__ import annotations

from pathlib import Path

import pytest

import evalgate
from evalgate.errors import ConfigError, ExitCode
from tests.engine.helpers import write_project


@pytest.mark.parametrize("function", ["app:answer", "app:answer_async"])
def test_sync_and_async_functions_answer_every_case(tmp_path: Path, function: str) -> None:
    cfg = write_project(tmp_path, function)
    result = evalgate.run(cfg, out=tmp_path / "run", gate=False)
    assert result.exit_code == ExitCode.OK
    assert {r.case_id: (r.status, r.outcome) for r in result.results} == {
        "refund": ("passed", "success"),
        "greeting": ("passed", "success"),
    }
    # the response mapping applied: the prompt version came from the document
    assert result.summary["prompt_version"] == "v1"
    assert result.summary["target"]["url"] == f"python:{function}"


def test_the_function_gets_the_rendered_request_body(tmp_path: Path) -> None:
    import sys

    cfg = write_project(tmp_path)
    evalgate.run(cfg, out=tmp_path / "run", gate=False, cases=["refund"])
    assert sys.modules["app"].CALLS[-1] == {"message": "How do refunds work?"}


def test_a_function_that_raises_is_an_endpoint_error_not_a_crash(tmp_path: Path) -> None:
    goldens = "dataset: app\ncases:\n  - id: b\n    input: {message: boom}\n"
    goldens += "    expect: [{contains: x}]\n"
    cfg = write_project(tmp_path / "p", goldens=goldens)
    result = evalgate.run(cfg, out=tmp_path / "run", gate=False)
    (r,) = result.results
    assert (r.status, r.outcome) == ("error", "http_error")
    assert "RuntimeError: the app broke" in (r.error or "")
    assert result.exit_code == ExitCode.INCONCLUSIVE  # every call failed: nothing to judge


def test_a_slow_function_is_a_timeout(tmp_path: Path) -> None:
    cfg = write_project(tmp_path, "app:slow")
    result = evalgate.run(cfg, out=tmp_path / "run", gate=False, cases=["greeting"])
    assert [r.outcome for r in result.results] == ["timeout"]


@pytest.mark.parametrize(
    ("function", "message"),
    [
        ("app:nothing", "has no 'nothing'"),
        ("missing_module_xyz:f", "cannot import 'missing_module_xyz'"),
    ],
)
def test_a_wrong_function_name_is_a_config_error(
    tmp_path: Path, function: str, message: str
) -> None:
    cfg = write_project(tmp_path, function)
    with pytest.raises(ConfigError, match=message) as err:
        evalgate.run(cfg, out=tmp_path / "run")
    assert err.value.exit_code == ExitCode.USAGE


def test_url_and_python_together_are_refused(tmp_path: Path) -> None:
    cfg = write_project(tmp_path)
    cfg.write_text(cfg.read_text().replace("target:\n", "target:\n  url: http://x/\n"))
    with pytest.raises(ConfigError):
        evalgate.load_project(cfg)
