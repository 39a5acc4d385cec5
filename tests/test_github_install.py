"""The action's install step: evalgate from the action's own checkout, never a bare index name."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.test_github_action import run_step

FAKE = """#!{python}
import json, os, sys
with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
if sys.argv[1:3] == ["-m", "evalgate"]:
    sys.exit(int(os.environ.get("FAKE_VERSION_EXIT", "0")))
"""


def install(tmp: Path, **inputs: str) -> tuple[int, list[list[str]], str]:
    py = tmp / "fakepy"
    py.write_text(FAKE.format(python=sys.executable))
    py.chmod(0o755)
    log = tmp / "calls.jsonl"
    proc, _ = run_step(
        "install",
        tmp,
        inputs=inputs,
        outputs={"python": {"found": str(py)}, "github": {"action_path": "/actions/evalgate"}},
        env={"FAKE_LOG": str(log)},
    )
    calls = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
    return proc.returncode, calls, proc.stdout + proc.stderr


def test_installs_the_actions_own_checkout_then_checks_it(tmp_path: Path) -> None:
    code, calls, _ = install(tmp_path)
    assert code == 0
    assert calls[0][-1] == "/actions/evalgate" and calls[0][:3] == ["-m", "pip", "install"]
    assert calls[1] == ["-m", "evalgate", "--version"]


def test_extras_are_installed_from_the_same_checkout(tmp_path: Path) -> None:
    code, calls, _ = install(tmp_path, extras="langfuse, otel")
    assert code == 0 and calls[0][-1] == "/actions/evalgate[langfuse,otel]"


@pytest.mark.parametrize("extras", ["otel]; rm -rf /", "a b$(x)", "x[y]"])
def test_odd_extras_are_refused(tmp_path: Path, extras: str) -> None:
    code, calls, out = install(tmp_path, extras=extras)
    assert code == 2 and calls == [] and "::error" in out


@pytest.mark.parametrize(
    "spec", ["evalgate", "evalgate==0.1.0", "evalgate[otel]", "evalgate-ci", "Evalgate_SDK", "x"]
)
def test_a_bare_index_name_is_refused(tmp_path: Path, spec: str) -> None:
    code, calls, out = install(tmp_path, version=spec)
    assert code == 2 and calls == []
    assert "other projects" in out


@pytest.mark.parametrize(
    "spec",
    [
        "evalgate-middleware @ git+https://github.com/OWNER/REPO@v0.1.0",
        "git+https://github.com/OWNER/REPO@v0.1.0",
        "./vendor/evalgate",
        "/opt/evalgate",
    ],
)
def test_our_distribution_a_path_or_a_url_is_installed(tmp_path: Path, spec: str) -> None:
    code, calls, _ = install(tmp_path, version=spec)
    assert code == 0 and calls[0][-1] == spec


def test_a_conflicting_install_fails_the_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_VERSION_EXIT", "2")
    code, _, _ = install(tmp_path)
    assert code == 2
