"""The GitLab CI template's scripts, run for real from an empty repository.

A small stand-in for the GitLab runner: each job is the template's ``.evalgate``
``before_script`` followed by its ``script``, run as one ``bash -eo pipefail`` script with the
variables GitLab sets, against a local GitLab API (tests/support/fakegitlab.py) and the demo
copilot as the middleware. After the job, the runner's part is played too: the files under
``artifacts: paths`` are zipped and kept as the job's artifact. Only ``pip install`` is
replaced (by a logging stand-in for the Python the job installs into); everything else is the
installed ``evalgate``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.attack.conftest import clean_env, evalgate_command
from tests.support.fakegitlab import API_TOKEN, JOB_TOKEN, FakeGitLab, fake_gitlab, zip_paths

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_PATH = "evalgate/templates/gitlab/evalgate.gitlab-ci.yml"
TEMPLATE = yaml.safe_load((ROOT / TEMPLATE_PATH).read_text(encoding="utf-8"))
MARKER = "<!-- evalgate-report -->"

FAKE_PYTHON = """#!{python}
import json, os, sys
args = sys.argv[1:]
if args[:3] == ["-m", "pip", "install"]:
    with open(os.environ["FAKE_PIP_LOG"], "a", encoding="utf-8") as f:
        f.write(json.dumps(args[3:]) + "\\n")
    sys.exit(0)
os.execv(sys.executable, [sys.executable, *args])
"""


class Reference(list[str]):
    """GitLab's ``!reference [job, key]``, resolved by :func:`resolve`."""


class CiLoader(yaml.SafeLoader):
    pass


CiLoader.add_constructor(
    "!reference", lambda loader, node: Reference(loader.construct_sequence(node))
)


def merged(user: dict[str, Any] | None = None) -> dict[str, Any]:
    """The template with a user's ``.gitlab-ci.yml`` on top: a job defined again gets its
    keys replaced, as GitLab merges a local job into an included one."""
    config = {k: dict(v) if isinstance(v, dict) else v for k, v in TEMPLATE.items()}
    for key, value in (user or {}).items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    return config


def resolve(value: Any, config: dict[str, Any]) -> Any:
    if isinstance(value, Reference):
        target: Any = config
        for part in value:
            target = target[part]
        return resolve(target, config)
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            item = resolve(item, config)
            out += item if isinstance(item, list) else [item]  # nested lists are flattened
        return out
    return value


def job(name: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """A job with what it ``extends`` merged in, as GitLab does for these keys."""
    config = config or merged()
    found = dict(config[name])
    base = found.pop("extends", None)
    full = {**config[base], **found} if base else found
    return {k: resolve(v, config) for k, v in full.items()}


def job_script(name: str, config: dict[str, Any] | None = None) -> str:
    j = job(name, config)
    return "\n".join([*j.get("before_script", []), *j["script"]])


def run_job(
    name: str, repo: Path, env: dict[str, str], config: dict[str, Any] | None = None
) -> subprocess.CompletedProcess[str]:
    """GitLab runs the before_script and script of a job in one bash with errexit and
    pipefail. The job's own process group is ended afterwards, as the runner ends the job's
    container: with whatever the job started in the background."""
    proc = subprocess.Popen(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", job_script(name, config)],
        cwd=repo,
        env={**env, "CI_PROJECT_DIR": str(repo), "CI_JOB_NAME": name},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=90)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Copilot:
    """``evalgate demo serve`` as the middleware under test, one prompt version at a time."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def serve(self, version: str) -> None:
        self.stop()
        args = ["demo", "serve", "--port", str(self.port), "--prompt-version", version]
        self.proc = subprocess.Popen(
            [*evalgate_command(), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail("the demo copilot did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture()
def copilot() -> Iterator[Copilot]:
    c = Copilot()
    yield c
    c.stop()


@pytest.fixture()
def gl() -> Iterator[FakeGitLab]:
    with fake_gitlab() as server:
        yield server


@pytest.fixture()
def fake_python(tmp_path: Path) -> dict[str, str]:
    py = tmp_path / "fakepy"
    py.write_text(FAKE_PYTHON.format(python=sys.executable))
    py.chmod(0o755)
    return {"EVALGATE_PYTHON": str(py), "FAKE_PIP_LOG": str(tmp_path / "pip.jsonl")}


def pip_calls(fake: dict[str, str]) -> list[list[str]]:
    log = Path(fake["FAKE_PIP_LOG"])
    return [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []


def new_repository(tmp_path: Path) -> Path:
    if not shutil.which("git") or not shutil.which("bash"):
        pytest.skip("needs git and bash")
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True, timeout=30)
    made = subprocess.run([*evalgate_command(), "init", "--ci", "gitlab", "."], cwd=repo,
                          env=clean_env(), capture_output=True, text=True, timeout=60)  # fmt: skip
    assert made.returncode == 0, made.stderr
    return repo


def test_a_regressed_merge_request_is_blocked_with_a_note_from_an_empty_repository(
    tmp_path: Path, gl: FakeGitLab, copilot: Copilot, fake_python: dict[str, str]
) -> None:
    repo = new_repository(tmp_path)
    ci = yaml.safe_load((repo / ".gitlab-ci.yml").read_text())
    (include,) = ci["include"]
    # the include names this very template, at a tag of the repository evalgate comes from
    assert include["remote"].endswith("/" + TEMPLATE_PATH)
    assert ci["variables"]["EVALGATE_INSTALL"].startswith("git+https://")
    env = clean_env({
        **gl.env(), **fake_python, **ci["variables"],
        "EVALGATE_INSTALL": str(ROOT),  # a CI/CD variable naming a checkout of evalgate
        "CI_DEFAULT_BRANCH": "main", "CI_JOB_TOKEN": JOB_TOKEN,
        "COPILOT_URL": f"http://127.0.0.1:{copilot.port}",
    })  # fmt: skip
    assert job("evalgate-baseline")["rules"][0]["if"].endswith(
        '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE != "merge_request_event"'
    )
    assert job("evalgate-gate")["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]

    # 1. a push to main: the baseline is recorded and kept as the job's artifact
    copilot.serve("v1")
    main = {**env, "CI_COMMIT_BRANCH": "main", "CI_PIPELINE_SOURCE": "push"}
    done = run_job("evalgate-baseline", repo, main)
    assert done.returncode == 0, done.stdout + done.stderr
    assert pip_calls(fake_python) == [["--disable-pip-version-check", "--quiet", str(ROOT)]]
    kept = job("evalgate-baseline")["artifacts"]
    assert (repo / kept["reports"]["junit"]).is_file()
    assert (repo / kept["reports"]["metrics"]).read_text().endswith("# EOF\n")
    gl.add_job("evalgate-baseline", "main", zip_paths(repo, kept["paths"]))
    shutil.rmtree(repo / ".evalgate")  # the next job starts from a fresh checkout

    # 2. a merge request whose middleware regressed: blocked, with a note
    copilot.serve("v2")
    mr = {**env, "CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "1",
          "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_COMMIT_SHA": "c" * 40,
          "EVALGATE_GITLAB_TOKEN": API_TOKEN}  # fmt: skip
    gated = run_job("evalgate-gate", repo, mr)
    log = gated.stdout + gated.stderr
    assert gated.returncode == 1, log
    assert "baseline from the artifact of job" in log and "the gate failed" in log
    (note,) = gl.notes[1]
    assert note["body"].startswith(MARKER) and "FAILED" in note["body"]
    assert f"/-/blob/{'c' * 40}/goldens/example.yaml#L" in note["body"]
    reports = job("evalgate-gate")["artifacts"]
    assert job("evalgate-gate")["artifacts"]["when"] == "always"
    issues = json.loads((repo / reports["reports"]["codequality"]).read_text())
    assert issues and {i["location"]["path"] for i in issues} == {"goldens/example.yaml"}
    assert "evalgate_gate_passed 0" in (repo / reports["reports"]["metrics"]).read_text()
    assert "<testsuite" in (repo / reports["reports"]["junit"]).read_text()
    assert (repo / reports["paths"][0] / "summary.json").is_file()
    assert API_TOKEN not in log and JOB_TOKEN not in log

    # 3. another push to the merge request: the same note is updated, not a second one
    # (on a runner that keeps untracked files, the last run folder is still there)
    again = run_job("evalgate-gate", repo, {**mr, "CI_COMMIT_SHA": "d" * 40})
    assert again.returncode == 1
    (note,) = gl.notes[1]
    assert f"/-/blob/{'d' * 40}/" in note["body"]


@pytest.mark.parametrize(
    ("install", "extras", "expected"),
    [
        ("git+https://github.com/OWNER/REPO@v0.1.0", "", None),  # the placeholder
        ("", "", None),
        ("evalgate", "", None),
        ("evalgate==0.1.0", "", None),
        ("evalgate-ci", "", None),
        ("git+https://example.com/acme/evalgate@v0.1.0", "",
         "evalgate-middleware @ git+https://example.com/acme/evalgate@v0.1.0"),
        ("git+https://example.com/acme/evalgate@v0.1.0", "otel$(touch pwned)", None),
        ("git+https://example.com/acme/evalgate@v0.1.0", "langfuse, otel",
         "evalgate-middleware[langfuse,otel] @ git+https://example.com/acme/evalgate@v0.1.0"),
        ("evalgate-middleware @ git+https://example.com/a/b@v1", "",
         "evalgate-middleware @ git+https://example.com/a/b@v1"),
        ("./vendor/evalgate", "otel", "./vendor/evalgate[otel]"),
    ],
)  # fmt: skip
def test_the_install_step_installs_only_this_project(
    tmp_path: Path, fake_python: dict[str, str], install: str, extras: str, expected: str | None
) -> None:
    env = clean_env({**fake_python, "EVALGATE_INSTALL": install, "EVALGATE_EXTRAS": extras,
                     "CI_PROJECT_DIR": str(tmp_path)})  # fmt: skip
    script = "\n".join(job("evalgate-gate")["before_script"])
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    if expected is None:
        assert proc.returncode == 2 and pip_calls(fake_python) == [], proc.stderr
        assert "EVALGATE_" in proc.stderr
        assert not (tmp_path / "pwned").exists()
    else:
        assert proc.returncode == 0, proc.stderr
        assert pip_calls(fake_python) == [["--disable-pip-version-check", "--quiet", expected]]


def test_the_init_file_pins_the_include_and_the_install_to_one_tag() -> None:
    text = (ROOT / "evalgate/templates/init/gitlab-ci.yml").read_text()
    ci = yaml.safe_load(text)
    remote = ci["include"][0]["remote"]
    assert remote.startswith("https://raw.githubusercontent.com/OWNER/REPO/v")
    tag = remote.split("/")[5]
    assert ci["variables"]["EVALGATE_INSTALL"] == f"git+https://github.com/OWNER/REPO@{tag}"
    assert os.path.isfile(ROOT / remote.split(f"/{tag}/", 1)[1])


def walkthrough_file(port: int) -> dict[str, Any]:
    """The .gitlab-ci.yml of docs/ci.md's walkthrough, with the copilot on ``port``."""
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    (block,) = [b for b in blocks if ".demo-copilot" in b]
    doc = yaml.load(block.replace("8787", str(port)), Loader=CiLoader)
    assert isinstance(doc, dict)
    return doc


def test_the_walkthrough_blocks_a_regressed_merge_request(
    tmp_path: Path, gl: FakeGitLab, fake_python: dict[str, str]
) -> None:
    repo = new_repository(tmp_path)
    user = walkthrough_file(free_port())
    assert user["include"] == yaml.safe_load((repo / ".gitlab-ci.yml").read_text())["include"]
    config = merged(user)
    venv_bin = str(Path(sys.executable).parent)  # the image's python3, with evalgate installed
    env = clean_env({
        **gl.env(), **fake_python, **user["variables"],
        "EVALGATE_INSTALL": str(ROOT), "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}",
        "CI_DEFAULT_BRANCH": "main", "CI_JOB_TOKEN": JOB_TOKEN,
        "EVALGATE_GITLAB_TOKEN": API_TOKEN,
    })  # fmt: skip
    main = {**env, "CI_COMMIT_BRANCH": "main", "CI_PIPELINE_SOURCE": "push"}
    done = run_job("evalgate-baseline", repo, main, config)
    assert done.returncode == 0, done.stdout + done.stderr
    kept = job("evalgate-baseline", config)["artifacts"]["paths"]
    gl.add_job("evalgate-baseline", "main", zip_paths(repo, kept))
    shutil.rmtree(repo / ".evalgate")

    assert user["variables"]["DEMO_VERSION"] == "v1"  # the branch sets it to v2
    mr = {**env, "DEMO_VERSION": "v2", "CI_PIPELINE_SOURCE": "merge_request_event",
          "CI_MERGE_REQUEST_IID": "9", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}  # fmt: skip
    gated = run_job("evalgate-gate", repo, mr, config)
    assert gated.returncode == 1, gated.stdout + gated.stderr
    (note,) = gl.notes[9]
    assert note["body"].startswith(MARKER) and "FAILED" in note["body"]
