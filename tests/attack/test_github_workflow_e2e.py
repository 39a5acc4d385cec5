"""The workflow ``evalgate init`` generates, executed step by step on this machine.

An empty repository goes from its first push on main (the ``baseline`` job records v1 of the
demo middleware and uploads it as an artifact) to a pull request that points at v2 (the
``gate`` job pulls that artifact, blocks, and posts one PR comment with the baseline's and this
run's answers side by side), and a second push on main extends the baseline's history.

A small runner plays GitHub's part: it evaluates the jobs' and steps' ``if:`` and ``${{ }}``
expressions (any form it does not know fails the test), runs the composite action's bash steps
with bash as GitHub does, clones the repository for ``actions/checkout``, zips the uploaded
folder into a fake GitHub API on loopback for ``actions/upload-artifact``, and runs the
``actions/github-script`` comment under Node with a recording API stand-in. The evalgate the
steps run is the real one installed in this environment; only ``pip install`` is skipped (the
action's own checkout, this repository, is already installed).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from evalgate.demo.server import start_server
from tests.attack.conftest import evalgate_command
from tests.test_github_comment import HARNESS, MARKER

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
REPO = "acme/copilot"
TOKEN = "ghs_e2e-workflow-token-7"
SECRET = "sk-e2e-middleware-key-31"  # secrets.COPILOT_API_KEY; the demo servers require it
PR_NUMBER = 7  # the harness's pull request

# ---- a fake GitHub API: artifacts by name, as upload-artifact leaves them --------------------


class _API(BaseHTTPRequestHandler):
    artifacts: ClassVar[list[dict[str, Any]]] = []
    archives: ClassVar[dict[int, bytes]] = {}
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        _API.seen.append(url.path)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401, b'{"message": "Bad credentials"}')
        if url.path == f"/repos/{REPO}/actions/artifacts":
            name = parse_qs(url.query).get("name", [""])[0]
            items = [a for a in _API.artifacts if a["name"] == name]
            return self._send(200, json.dumps({"total_count": len(items), "artifacts": items}))
        if url.path.startswith(f"/repos/{REPO}/actions/artifacts/") and url.path.endswith("/zip"):
            aid = int(url.path.split("/")[-2])
            return self._send(200, _API.archives[aid], "application/zip")
        return self._send(404, b"{}")

    def _send(self, code: int, body: bytes | str, ctype: str = "application/json") -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class FakeGitHub:
    url: str

    def upload(self, name: str, branch: str, sha: str, folder: Path, hidden: bool) -> int:
        """What ``actions/upload-artifact@v4`` does: the folder's files, zipped, under ``name``.
        Without ``include-hidden-files``, its glob skips every item whose name starts with a dot,
        the folder itself included. Returns the number of files uploaded."""
        buf, count = io.BytesIO(), 0
        with zipfile.ZipFile(buf, "w") as z:
            for f in sorted(folder.rglob("*")) if folder.is_dir() else []:
                rel = f.relative_to(folder)
                dotted = any(p.startswith(".") for p in (folder.name, *rel.parts))
                if f.is_file() and (hidden or not dotted):
                    z.write(f, rel.as_posix())
                    count += 1
        if count == 0:
            return 0
        aid = len(_API.archives) + 1
        _API.archives[aid] = buf.getvalue()
        created = datetime.now(UTC) + timedelta(seconds=aid)  # newer uploads sort later
        _API.artifacts.append({
            "id": aid, "name": name, "expired": False,
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "archive_download_url": f"{self.url}/repos/{REPO}/actions/artifacts/{aid}/zip",
            "workflow_run": {"id": 500 + aid, "head_branch": branch, "head_sha": sha},
        })  # fmt: skip
        return count

    def files(self, name: str) -> dict[str, bytes]:
        """The newest artifact called ``name``, unzipped."""
        (newest,) = [a for a in _API.artifacts if a["name"] == name][-1:]
        with zipfile.ZipFile(io.BytesIO(_API.archives[newest["id"]])) as z:
            return {n: z.read(n) for n in z.namelist()}

    def downloads(self) -> list[int]:
        return [int(p.split("/")[-2]) for p in _API.seen if p.endswith("/zip")]


@pytest.fixture()
def github() -> Iterator[FakeGitHub]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _API)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    _API.artifacts, _API.archives, _API.seen = [], {}, []
    yield FakeGitHub(f"http://127.0.0.1:{srv.server_address[1]}")
    srv.shutdown()
    srv.server_close()


# ---- GitHub's expressions, the few forms the workflow and the action use ------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'[^']*')|(?P<op>==|!=|&&|\|\||\(|\))|(?P<fn>always\(\)|success\(\))"
    r"|(?P<ref>[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+))"
)


def evaluate(expr: str, ctx: dict[str, Any]) -> Any:
    """A GitHub expression made of string literals, context references, ==, !=, &&, ||,
    parentheses, always() and success(); anything else fails the test."""
    code, pos, expr = [], 0, expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        assert m and m.end() > pos, f"unsupported expression: {expr!r} at {expr[pos:]!r}"
        pos = m.end()
        if m["str"] is not None:
            code.append(repr(m["str"][1:-1]))
        elif m["op"]:
            code.append({"&&": " and ", "||": " or "}.get(m["op"], f" {m['op']} "))
        elif m["fn"]:
            code.append("True" if m["fn"] == "always()" else repr(not ctx["failed"]))
        else:
            head, *rest = m["ref"].split(".")
            assert head in ctx, f"unknown context {head!r} in {expr!r}"
            value: Any = ctx[head]
            for part in rest:
                if head == "inputs":
                    assert part in value, f"the action has no input {part!r}"
                value = value.get(part, "") if isinstance(value, dict) else ""
            code.append(repr(value))
    return eval("".join(code), {"__builtins__": {}}, {})  # the tokens are checked above


def render(value: Any, ctx: dict[str, Any]) -> str:
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(evaluate(m[1], ctx)), str(value))


def condition(step: dict[str, Any], ctx: dict[str, Any]) -> bool:
    cond = str(step.get("if", "success()")).strip()
    cond = cond.removeprefix("${{").removesuffix("}}")
    if not re.search(r"always\(\)|success\(\)|failure\(\)|cancelled\(\)", cond):
        cond = f"success() && ({cond})"  # GitHub's implicit status check
    return bool(evaluate(cond, ctx))


# ---- the runner ------------------------------------------------------------------------------


@dataclass
class Event:
    name: str  # push or pull_request
    ref: str  # refs/heads/main, refs/pull/7/merge
    sha: str
    base_ref: str = ""


@dataclass
class JobRun:
    failed: bool = False
    outputs: dict[str, str] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)
    comment_calls: list[dict[str, Any]] = field(default_factory=list)
    pip: list[str] = field(default_factory=list)


@dataclass
class Runner:
    tmp: Path
    repo: Path
    api: FakeGitHub
    node: str
    vars: dict[str, str]

    def jobs_for(self, event: Event) -> list[str]:
        jobs = workflow(self.repo)["jobs"]
        ctx = self._ctx(event, {})
        return [name for name, job in jobs.items() if condition(job, ctx)]

    def _ctx(self, event: Event, inputs: dict[str, str]) -> dict[str, Any]:
        github = {
            "event_name": event.name, "ref": event.ref, "token": TOKEN,
            "action_path": str(ROOT), "repository": REPO,
            "event": {"pull_request": {"number": PR_NUMBER}},
        }  # fmt: skip
        secrets = {"COPILOT_API_KEY": SECRET}
        return {"github": github, "vars": self.vars, "secrets": secrets, "inputs": inputs,
                "steps": {}, "failed": False}  # fmt: skip

    def run_job(self, name: str, event: Event) -> JobRun:
        job = workflow(self.repo)["jobs"][name]
        workspace = self.tmp / f"ws-{name}-{event.sha[:8]}-{len(os.listdir(self.tmp))}"
        result = JobRun()
        for step in job["steps"]:
            uses = step.get("uses", "")
            if uses.startswith("actions/checkout@"):
                git(self.tmp, "clone", "--quiet", str(self.repo), str(workspace))
                git(workspace, "checkout", "--quiet", event.sha)
            elif uses == "OWNER/REPO@v1":
                self._check_permissions(job, step)
                ctx = self._ctx(event, {})
                env = {k: render(v, ctx) for k, v in (step.get("env") or {}).items()}
                self._action(step.get("with") or {}, env, event, workspace, result)
            else:
                pytest.fail(f"the generated workflow has a step this runner cannot play: {step}")
        return result

    @staticmethod
    def _check_permissions(job: dict[str, Any], step: dict[str, Any]) -> None:
        perms, given = job.get("permissions") or {}, step.get("with") or {}
        if given.get("baseline-artifact"):
            assert perms.get("actions") in ("read", "write"), "pulling an artifact: actions: read"
        if str(given.get("comment", "true")) == "true" and job.get("if", "").find("pull") >= 0:
            assert perms.get("pull-requests") == "write", "the PR comment: pull-requests: write"

    def _action(self, given: dict[str, Any], job_env: dict[str, str], event: Event,
                workspace: Path, result: JobRun) -> None:  # fmt: skip
        unknown = set(given) - set(ACTION["inputs"])
        assert not unknown, f"the workflow passes inputs the action does not have: {unknown}"
        ctx = self._ctx(event, {})
        inputs = {k: render(v.get("default", ""), ctx) for k, v in ACTION["inputs"].items()}
        inputs.update({k: render(v, ctx) for k, v in given.items()})
        ctx["inputs"] = inputs
        shim = self._python_shim()
        ours = ("GITHUB_", "EVALGATE_", "RUNNER_", "COPILOT_")
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
        base_env.update({
            "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}", "HOME": str(self.tmp),
            "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event.name, "GITHUB_REF": event.ref,
            "GITHUB_REF_NAME": event.ref.split("/", 2)[-1], "GITHUB_BASE_REF": event.base_ref,
            "GITHUB_SHA": event.sha, "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": self.api.url,
            "GITHUB_WORKSPACE": str(workspace), "PIP_LOG": str(self.tmp / "pip.log"),
            "GITHUB_STEP_SUMMARY": str(self.tmp / "step-summary.md"),
            **job_env,
        })  # fmt: skip
        for i, step in enumerate(ACTION["runs"]["steps"]):
            label = step.get("id") or step.get("name")
            if not condition(step, ctx):
                result.logs.append(f"skipped: {label}")
                continue
            env = {**base_env, **{k: render(v, ctx) for k, v in (step.get("env") or {}).items()}}
            uses = step.get("uses", "")
            if "run" in step:
                cwd = workspace / render(step.get("working-directory", "."), ctx)
                out_file = self.tmp / f"output-{i}"
                out_file.write_text("")
                proc = subprocess.run(
                    ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                    cwd=cwd, env={**env, "GITHUB_OUTPUT": str(out_file)},
                    capture_output=True, text=True, timeout=120,
                )  # fmt: skip
                lines = out_file.read_text().splitlines()
                if "id" in step:
                    ctx["steps"][step["id"]] = {"outputs": dict(x.split("=", 1) for x in lines)}
                result.logs.append(f"{label}: exit {proc.returncode}\n{proc.stdout}{proc.stderr}")
                if proc.returncode != 0:
                    ctx["failed"] = result.failed = True
            elif uses.startswith("actions/upload-artifact@"):
                w = {k: render(v, ctx) for k, v in step["with"].items()}
                folder = (workspace / w["path"]).resolve()
                branch = event.ref.removeprefix("refs/heads/")
                hidden = w.get("include-hidden-files") == "true"
                count = self.api.upload(w["name"], branch, event.sha, folder, hidden)
                result.logs.append(f"{label}: uploaded {count} files as {w['name']}")
                if count == 0 and w.get("if-no-files-found") == "error":
                    ctx["failed"] = result.failed = True
            elif uses.startswith("actions/github-script@"):
                w = {k: render(v, ctx) for k, v in step["with"].items() if k != "script"}
                assert w["github-token"] == TOKEN
                assert "${{" not in step["with"]["script"]  # nothing interpolated into code
                result.comment_calls = self._github_script(step["with"]["script"], env)
            else:
                pytest.fail(f"the action ran a step this runner cannot play: {step}")
        result.outputs = {k: render(v["value"], ctx) for k, v in ACTION["outputs"].items()}
        log = self.tmp / "pip.log"
        result.pip = log.read_text().splitlines() if log.exists() else []

    def _python_shim(self) -> Path:
        """``python3`` on PATH: the interpreter running these tests (a venv with this checkout
        installed), except that ``pip install`` is logged instead of reinstalling it."""
        shim = self.tmp / "bin" / "python3"
        if not shim.exists():
            shim.parent.mkdir(parents=True)
            shim.write_text(
                "#!/bin/sh\n"
                'if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "$*" >> "$PIP_LOG"; exit 0; fi\n'
                f'exec "{sys.executable}" "$@"\n'
            )
            shim.chmod(0o755)
        return shim

    def _github_script(self, script: str, env: dict[str, str]) -> list[dict[str, Any]]:
        (self.tmp / "harness.js").write_text(HARNESS)
        (self.tmp / "script.js").write_text(script)
        (self.tmp / "scenario.json").write_text(json.dumps({"comments": [], "fail": False}))
        proc = subprocess.run(
            [self.node, "harness.js", "script.js", "scenario.json"],
            cwd=self.tmp, env=env, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        calls: list[dict[str, Any]] = json.loads(proc.stdout)
        return calls


def workflow(repo: Path) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(
        (repo / ".github" / "workflows" / "evalgate.yml").read_text(encoding="utf-8")
    )
    return doc


def git(cwd: Path, *args: str) -> str:
    ident = ["-c", "user.name=Dev", "-c", "user.email=dev@example.com"]
    proc = subprocess.run(
        ["git", *ident, *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=30
    )
    return proc.stdout.strip()


def cells(body: str, case: str) -> tuple[str, str]:
    """The baseline's and this run's answers in the "What changed" table of ``case``."""
    section = body.split("#### What changed", 1)[1].split("\n#### ", 1)[0]
    block = section.split(f"**`{case}`**", 1)[1].split("</table>", 1)[0]
    baseline, current = block.split("</td><td>", 1)
    return baseline.split("<td>", 1)[1], current


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if not found:
        pytest.skip("node is not installed (needed for the actions/github-script step)")
    return found


def test_the_generated_workflow_takes_a_repo_from_first_push_to_a_blocked_pr(
    tmp_path: Path, github: FakeGitHub, node: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    init = subprocess.run([*evalgate_command(), "init", "."], cwd=repo, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert init.returncode == 0, init.stderr
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "evalgate init")

    with (
        start_server(prompt_version="v1", api_key=SECRET) as v1,
        start_server(prompt_version="v2", api_key=SECRET) as v2,
    ):
        runner = Runner(tmp_path, repo, github, node, vars={"COPILOT_URL": v1.url})

        # 1. the first push on main: only the baseline job runs; it records v1 and uploads it
        push = Event("push", "refs/heads/main", git(repo, "rev-parse", "HEAD"))
        assert runner.jobs_for(push) == ["baseline"]
        first = runner.run_job("baseline", push)
        log = "\n".join(first.logs)
        assert not first.failed and first.outputs["exit-code"] == "0", log
        assert first.outputs["prompt-version"] == "v1"
        assert first.pip and first.pip[0].endswith(str(ROOT))  # the action's own checkout
        assert github.downloads() == []  # nothing to pull yet
        assert "no unexpired artifact 'evalgate-baseline'" in log
        stored = github.files("evalgate-baseline")
        assert set(stored) == {"v1.json"}, stored
        recorded = json.loads(stored["v1.json"])
        assert recorded["prompt_version"] == "v1"
        assert "[kb-refunds]" in recorded["cases"]["refund-window"]["answer"]
        assert len(recorded["cases"]["refund-window"]["history"]) == 1
        assert "evalgate-baseline-run" in {a["name"] for a in _API.artifacts}
        assert "skipped: Post or update the PR comment" in first.logs

        # 2. a pull request whose middleware is v2 (its deployment, vars.COPILOT_URL, serves
        # the new prompt): the gate job pulls main's baseline and blocks
        git(repo, "checkout", "--quiet", "-b", "prompt-v2")
        (repo / "CHANGES").write_text("system prompt v2\n")
        git(repo, "add", "-A")
        git(repo, "commit", "--quiet", "-m", "prompt v2")
        runner.vars = {"COPILOT_URL": v2.url}
        pr = Event("pull_request", f"refs/pull/{PR_NUMBER}/merge",
                   git(repo, "rev-parse", "HEAD"), base_ref="main")  # fmt: skip
        assert runner.jobs_for(pr) == ["gate"]
        gate = runner.run_job("gate", pr)
        log = "\n".join(gate.logs)
        assert github.downloads() == [1], log  # main's baseline artifact
        assert "baseline from artifact 'evalgate-baseline'" in log and "on main" in log
        assert gate.outputs["exit-code"] == "1", log
        assert gate.outputs["verdict"] == "fail" and gate.outputs["prompt-version"] == "v2"
        assert gate.failed, "the job must fail: the action's last step exits with the code"
        assert log.rstrip().endswith(
            "evalgate: the gate failed; see the reasons above, the job summary and the PR comment"
        ), log[-2000:]
        writes = [c for c in gate.comment_calls if c["call"] in ("create", "update")]
        (comment,) = writes
        assert comment["call"] == "create"
        assert comment["params"]["issue_number"] == PR_NUMBER
        body = comment["params"]["body"]
        assert body.startswith(MARKER) and "**evalgate: FAILED**" in body
        assert "baseline `v1`" in body and "prompt version `v2`" in body
        # the comment names what it compared with: main's artifact from the first push
        run_id = _API.artifacts[0]["workflow_run"]["id"]
        source = f"CI artifact 'evalgate-baseline' of run {run_id} on main, commit {push.sha[:12]}"
        assert source in body
        assert "regressed" in body and "`refund-window`" in body
        before, now = cells(body, "refund-window")
        assert 'According to "Refund policy"' in before and "[kb-refunds]" in before
        assert "within 30 days" in now and "[kb-refunds]" not in now
        for secret in (TOKEN, SECRET):
            assert secret not in body and secret not in log

        # 3. a second push on main (v1 again): the recording extends the pulled history
        git(repo, "checkout", "--quiet", "main")
        (repo / "README.md").write_text("copilot\n")
        git(repo, "add", "-A")
        git(repo, "commit", "--quiet", "-m", "docs")
        runner.vars = {"COPILOT_URL": v1.url}
        again = Event("push", "refs/heads/main", git(repo, "rev-parse", "HEAD"))
        second = runner.run_job("baseline", again)
        assert not second.failed and second.outputs["exit-code"] == "0", "\n".join(second.logs)
        assert github.downloads() == [1, 1]  # the previous baseline, before recording
        extended = json.loads(github.files("evalgate-baseline")["v1.json"])
        assert len(extended["cases"]["refund-window"]["history"]) == 2
        assert extended["run_id"] != recorded["run_id"]

    # nothing uploaded (baselines and run folders, readable by anyone who can read the repo)
    # carries the token or the middleware's key
    names = {a["name"] for a in _API.artifacts}
    assert names == {"evalgate-baseline", "evalgate-baseline-run", "evalgate-run"}
    for aid, archive in _API.archives.items():
        with zipfile.ZipFile(io.BytesIO(archive)) as z:
            assert z.namelist(), aid
            for n in z.namelist():
                data = z.read(n)
                assert SECRET.encode() not in data and TOKEN.encode() not in data, n
