"""The composite action's scripts, run for real: its bash steps under bash with a stand-in for
``python -m evalgate``, its commit step against local git repositories, and its PR-comment
script under Node with a recording stand-in for the GitHub API.

A small step runner resolves the only expression forms the action may use in ``env:``
(``inputs.X`` and ``steps.S.outputs.O``); anything else fails the test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
DEFAULTS = {k: str(v.get("default", "")) for k, v in ACTION["inputs"].items()}
EXPR = re.compile(
    r"^\$\{\{\s*(?:inputs\.([\w-]+)|steps\.([\w-]+)\.outputs\.([\w-]+)|github\.(action_path))\s*\}\}$"
)
MARKER = "<!-- evalgate-report -->"

FAKE_PYTHON = """#!{python}
import json, os, sys
args = sys.argv[1:]
if args[:2] != ["-m", "evalgate"]:
    os.execv(sys.executable, [sys.executable, *args])
cmd = args[2:]
with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as f:
    f.write(json.dumps(cmd) + "\\n")
if cmd[0] == "run":
    out = cmd[cmd.index("--out") + 1]
    os.makedirs(out, exist_ok=True)
    if os.environ.get("FAKE_SUMMARY"):
        with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
            f.write(os.environ["FAKE_SUMMARY"])
    if os.environ.get("FAKE_MARKDOWN"):
        with open(os.path.join(out, "report.md"), "w", encoding="utf-8") as f:
            f.write(os.environ["FAKE_MARKDOWN"])
    sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
if cmd[0] == "baseline":
    sys.exit(int(os.environ.get("FAKE_PULL_EXIT", "0")))
if cmd[0] == "report":
    with open(cmd[cmd.index("--markdown") + 1], "w", encoding="utf-8") as f:
        f.write("<!-- evalgate-report -->\\nwritten by evalgate report\\n")
"""


def step(key: str) -> dict[str, Any]:
    (found,) = [s for s in ACTION["runs"]["steps"] if key in (s.get("id"), s.get("name"))]
    return found


def resolve(value: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    m = EXPR.match(value)
    assert m, f"unexpected expression form in the action: {value!r}"
    if m.group(1):
        return inputs[m.group(1)]
    if m.group(4):
        return outputs.get("github", {}).get(m.group(4), "")
    return outputs.get(m.group(2), {}).get(m.group(3), "")


def run_step(
    key: str,
    tmp: Path,
    *,
    inputs: dict[str, str] | None = None,
    outputs: dict[str, dict[str, str]] | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    s = step(key)
    merged = {**DEFAULTS, **(inputs or {})}
    out_file = tmp / f"github-output-{os.getpid()}-{key}"
    out_file.write_text("")
    full_env = {**os.environ, **(env or {}), "GITHUB_OUTPUT": str(out_file)}
    for name, value in (s.get("env") or {}).items():
        full_env[name] = resolve(str(value), merged, outputs or {})
    # GitHub runs `shell: bash` as `bash --noprofile --norc -eo pipefail {0}`.
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s["run"]],
        cwd=cwd or tmp,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = out_file.read_text().splitlines()
    assert all("=" in line for line in lines), lines
    return proc, dict(line.split("=", 1) for line in lines)


@pytest.fixture
def fake(tmp_path: Path) -> dict[str, str]:
    py = tmp_path / "fakepy"
    py.write_text(FAKE_PYTHON.format(python=sys.executable))
    py.chmod(0o755)
    return {"PY": str(py), "FAKE_LOG": str(tmp_path / "calls.jsonl")}


def calls(fake: dict[str, str]) -> list[list[str]]:
    log = Path(fake["FAKE_LOG"])
    return [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []


def run_evalgate(tmp: Path, fake: dict[str, str], inputs: dict[str, str], **env: str) -> Any:
    outputs = {"install": {"python": fake["PY"]}}
    return run_step("run", tmp, inputs=inputs, outputs=outputs, env={**fake, **env})


def summary(**fields: Any) -> str:
    return json.dumps({"format_version": 1, **fields})


def test_args_are_split_like_a_shell_but_never_expanded(
    tmp_path: Path, fake: dict[str, str]
) -> None:
    args = """--tag critical --case "two words" '$(touch pwned)' $HOME"""
    proc, out = run_evalgate(
        tmp_path,
        fake,
        {"args": args},
        FAKE_EXIT="1",
        FAKE_SUMMARY=summary(verdict={"status": "fail"}, prompt_version="v2"),
        FAKE_MARKDOWN=MARKER + "\nFAILED\n",
    )
    assert proc.returncode == 0, proc.stderr  # the code is carried to the last step
    run_dir = tmp_path / ".evalgate" / "runs" / "ci"
    assert calls(fake) == [
        [
            *("run", "--config", "evalgate.yaml", "--out", str(run_dir)),
            *("--tag", "critical", "--case", "two words", "$(touch pwned)", "$HOME"),
        ]
    ]
    assert not (tmp_path / "pwned").exists()
    assert out == {
        "run-dir": str(run_dir),
        "exit-code": "1",
        "verdict": "fail",
        "report": str(run_dir / "report.md"),
        "prompt-version": "v2",
    }


def test_record_baseline_runs_without_the_gate(tmp_path: Path, fake: dict[str, str]) -> None:
    out_dir = tmp_path / "elsewhere"
    _, out = run_evalgate(
        tmp_path,
        fake,
        {"record-baseline": "true", "out": str(out_dir), "config": "ci/evalgate.yaml"},
        FAKE_SUMMARY=summary(verdict=None, prompt_version="v3"),
    )
    assert calls(fake)[0] == [
        *("run", "--config", "ci/evalgate.yaml", "--out", str(out_dir)),
        *("--no-gate", "--record-baseline"),
    ]
    assert out["exit-code"] == "0" and out["verdict"] == "" and out["prompt-version"] == "v3"


def test_a_baseline_artifact_is_pulled_before_the_gate(
    tmp_path: Path, fake: dict[str, str]
) -> None:
    _, out = run_evalgate(tmp_path, fake, {"baseline-artifact": "evalgate-baseline"})
    assert calls(fake)[0] == [
        *("baseline", "pull", "--github-artifact", "evalgate-baseline"),
        *("--config", "evalgate.yaml"),
    ]
    assert calls(fake)[1][0] == "run" and out["exit-code"] == "0"


def test_a_failed_pull_stops_before_the_run(tmp_path: Path, fake: dict[str, str]) -> None:
    _, out = run_evalgate(
        tmp_path, fake, {"baseline-artifact": "evalgate-baseline"}, FAKE_PULL_EXIT="3"
    )
    assert [c[0] for c in calls(fake)] == ["baseline"] and out["exit-code"] == "3"


def test_recording_pulls_the_history_it_extends(tmp_path: Path, fake: dict[str, str]) -> None:
    # without the previous artifact, every recording on main would restart the baseline history
    inputs = {"baseline-artifact": "evalgate-baseline", "record-baseline": "true"}
    run_evalgate(tmp_path, fake, inputs)
    assert [c[0] for c in calls(fake)] == ["baseline", "run"]
    assert calls(fake)[1][-2:] == ["--no-gate", "--record-baseline"]


def test_recording_stops_when_the_history_cannot_be_pulled(
    tmp_path: Path, fake: dict[str, str]
) -> None:
    inputs = {"baseline-artifact": "evalgate-baseline", "record-baseline": "true"}
    _, out = run_evalgate(tmp_path, fake, inputs, FAKE_PULL_EXIT="3")
    assert [c[0] for c in calls(fake)] == ["baseline"] and out["exit-code"] == "3"


def test_unbalanced_quotes_are_a_usage_error(tmp_path: Path, fake: dict[str, str]) -> None:
    proc, out = run_evalgate(tmp_path, fake, {"args": '--case "oops'})
    assert out["exit-code"] == "2"
    assert calls(fake) == []
    assert "unbalanced quotes" in proc.stdout


def test_markdown_is_written_for_the_comment_when_config_has_none(
    tmp_path: Path, fake: dict[str, str]
) -> None:
    verdict = summary(verdict={"status": "pass"})
    _, out = run_evalgate(tmp_path, fake, {"comment": "true"}, FAKE_SUMMARY=verdict)
    assert [c[0] for c in calls(fake)] == ["run", "report"]
    assert Path(out["report"]).read_text().startswith(MARKER)

    other = tmp_path / "other"
    other.mkdir()
    os.remove(fake["FAKE_LOG"])
    _, out = run_evalgate(other, fake, {"comment": "false"}, FAKE_SUMMARY=verdict)
    assert [c[0] for c in calls(fake)] == ["run"]
    assert out["report"] == "" and out["verdict"] == "pass"


def test_values_from_the_endpoint_cannot_add_outputs(tmp_path: Path, fake: dict[str, str]) -> None:
    sneaky = summary(verdict={"status": "fail"}, prompt_version="v1\nverdict=pass\r\nexit-code=0")
    _, out = run_evalgate(tmp_path, fake, {}, FAKE_EXIT="1", FAKE_SUMMARY=sneaky)
    assert out["verdict"] == "fail" and out["exit-code"] == "1"
    assert out["prompt-version"] == "v1 verdict=pass exit-code=0"


def test_no_summary_means_no_verdict(tmp_path: Path, fake: dict[str, str]) -> None:
    _, out = run_evalgate(tmp_path, fake, {}, FAKE_EXIT="2")
    assert out["exit-code"] == "2" and out["verdict"] == "" and out["report"] == ""


@pytest.mark.parametrize("code", ["0", "1", "3", "130"])
def test_last_step_exits_with_evalgate_code(tmp_path: Path, code: str) -> None:
    proc, _ = run_step("Exit with evalgate's code", tmp_path, outputs={"run": {"exit-code": code}})
    assert proc.returncode == int(code)


def test_a_usable_python_on_path_is_used(tmp_path: Path) -> None:
    bindir = Path(sys.executable).parent
    if not (bindir / "python3").exists() or sys.prefix == sys.base_prefix:
        pytest.skip("needs the tests to run in a virtual environment with bin/python3")
    env = {"PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    _, out = run_step("python", tmp_path, env=env)
    assert out == {"found": str(bindir / "python3")}
    _, out = run_step("python", tmp_path, env=env, inputs={"python-version": "3.12"})
    assert out == {"found": ""}


# --- committing the baseline ---------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    ident = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    proc = subprocess.run(
        ["git", *ident, *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=30
    )
    return proc.stdout.strip()


@pytest.fixture
def repos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    monkeypatch.setenv("HOME", str(tmp_path))  # no global git config (identity, hooks)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    git(tmp_path, "clone", "--quiet", str(remote), str(work))
    git(work, "checkout", "--quiet", "-b", "main")
    (work / "README").write_text("x\n")
    git(work, "add", "README")
    git(work, "commit", "--quiet", "-m", "init")
    git(work, "push", "--quiet", "origin", "main")
    return remote, work


def commit_step(work: Path, version: str = "v2") -> subprocess.CompletedProcess[str]:
    proc, _ = run_step(
        "Commit the baseline",
        work.parent,
        outputs={"run": {"prompt-version": version}},
        env={"GITHUB_REF": "refs/heads/main"},
        cwd=work,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def test_baseline_is_committed_alone_with_a_bot_identity(repos: tuple[Path, Path]) -> None:
    remote, work = repos
    (work / ".evalgate" / "baselines").mkdir(parents=True)
    (work / ".evalgate" / "baselines" / "v2.json").write_text("{}\n")
    (work / "unrelated.txt").write_text("not part of the baseline\n")
    git(work, "add", "unrelated.txt")
    commit_step(work)
    head = git(remote, "log", "-1", "--format=%an <%ae>|%s", "main")
    assert head == (
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
        "|evalgate: record baseline for v2 [skip ci]"
    )
    assert git(remote, "show", "--name-only", "--format=", "main") == ".evalgate/baselines/v2.json"

    before = git(remote, "rev-parse", "main")
    assert "nothing to commit" in commit_step(work).stdout
    assert git(remote, "rev-parse", "main") == before


def test_baseline_commit_rebases_when_main_moved(repos: tuple[Path, Path], tmp_path: Path) -> None:
    remote, work = repos
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(remote), str(other))
    (other / "merged.txt").write_text("another merge\n")
    git(other, "add", "merged.txt")
    git(other, "commit", "--quiet", "-m", "another merge")
    git(other, "push", "--quiet", "origin", "main")

    (work / ".evalgate" / "baselines").mkdir(parents=True)
    (work / ".evalgate" / "baselines" / "v3.json").write_text("{}\n")
    commit_step(work, "v3")
    subjects = git(remote, "log", "--format=%s", "main").splitlines()
    assert subjects == ["evalgate: record baseline for v3 [skip ci]", "another merge", "init"]
