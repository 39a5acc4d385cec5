"""Baselines from the default branch's last run artifact, through a local GitHub API."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.attack.conftest import Project
from tests.attack.inprocess import in_process
from tests.support.faultserver import FaultServer


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    """Commands run in-process (tests/attack/inprocess.py): the subject is not the process."""
    return in_process(tmp_path)


TOKEN = "ghs_artifact-test-token-42"


class _GitHub(BaseHTTPRequestHandler):
    """``/repos/acme/copilot/actions/artifacts`` and archive downloads that redirect to another
    host (as GitHub's do), which must not receive the token."""

    artifacts: ClassVar[list[dict[str, Any]]] = []
    archives: ClassVar[dict[int, bytes]] = {}
    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        _GitHub.seen.append((url.path, self.headers.get("Authorization")))
        port = self.server.server_address[1]
        if url.path == "/repos/acme/copilot/actions/artifacts":
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._send(401, b'{"message": "Bad credentials"}')
            name = parse_qs(url.query).get("name", [""])[0]
            items = [a for a in _GitHub.artifacts if a["name"] == name]
            body = {"total_count": len(items), "artifacts": items}
            return self._send(200, json.dumps(body).encode())
        if url.path.startswith("/download/"):
            self.send_response(302)  # to blob storage: another host
            self.send_header("Location", f"http://localhost:{port}/blob/{url.path.rsplit('/')[-1]}")
            self.end_headers()
            return None
        if url.path.startswith("/blob/"):
            return self._send(
                200, _GitHub.archives[int(url.path.rsplit("/")[-1])], "application/zip"
            )
        return self._send(404, b"{}")

    def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def github() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _GitHub)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    _GitHub.artifacts, _GitHub.archives, _GitHub.seen = [], {}, []
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def artifact(api: str, aid: int, branch: str, created: str, files: dict[str, bytes],
             expired: bool = False) -> None:  # fmt: skip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    _GitHub.archives[aid] = buf.getvalue()
    _GitHub.artifacts.append({
        "id": aid, "name": "evalgate-baseline", "expired": expired, "created_at": created,
        "archive_download_url": f"{api}/download/{aid}",
        "workflow_run": {"id": 1000 + aid, "head_branch": branch, "head_sha": f"{aid:040x}"},
    })  # fmt: skip


def recorded_baseline(project: Project, srv: FaultServer) -> bytes:
    project.write_config({"url": srv.url("/echo"), "body": {"message": "{{ input.message }}"}})
    cases = [{"id": f"c{i}", "input": {"message": f"m{i}"}, "expect": [{"contains": "echo"}]}
             for i in range(4)]  # fmt: skip
    project.write_golden("g.yaml", {"dataset": "g", "cases": cases})
    ran = project.cli("run", "--out", "r0", "-q", "--no-gate", "--record-baseline",
                      "--prompt-version", "v1")  # fmt: skip
    assert ran.code == 0, ran.err
    path = project.root / ".evalgate" / "baselines" / "v1.json"
    data = path.read_bytes()
    path.unlink()
    return data


def test_the_newest_baseline_of_the_branch_is_pulled_and_gates(
    project: Project, srv: FaultServer, github: str
) -> None:
    good = recorded_baseline(project, srv)
    artifact(github, 1, "main", "2026-11-20T10:00:00Z", {"v1.json": b'{"old": true}'})
    artifact(github, 2, "main", "2026-11-29T10:00:00Z", {"baselines/v1.json": good})
    artifact(github, 3, "feature", "2026-11-30T10:00:00Z", {"v1.json": b"{}"})  # another branch
    artifact(github, 4, "main", "2026-11-30T11:00:00Z", {"v1.json": b"{}"}, expired=True)
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/copilot", "GITHUB_API_URL": github}
    pulled = project.cli("baseline", "pull", "--github-artifact", "evalgate-baseline", env=env)
    assert pulled.code == 0, pulled.err
    assert "baseline from artifact 'evalgate-baseline' of run 1002 on main" in pulled.err
    assert "(commit 000000000000," in pulled.err and "days old" in pulled.err
    assert (project.root / ".evalgate" / "baselines" / "v1.json").read_bytes() == good
    source = project.read_json(".evalgate/baseline-source.json")
    assert source["run_id"] == 1002 and source["branch"] == "main"
    # the token went to the API only, never to the host the archive was served from
    assert all(auth is None for path, auth in _GitHub.seen if path.startswith("/blob/"))
    assert TOKEN not in pulled.out + pulled.err
    ran = project.cli("run", "--out", "r1", "-q", "--prompt-version", "v1")
    assert ran.code == 0, ran.err
    assert project.read_json("r1/summary.json")["verdict"]["baseline_version"] == "v1"


def test_no_artifact_yet_is_not_an_error_and_a_bad_one_is_refused(
    project: Project, srv: FaultServer, github: str
) -> None:
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/copilot", "GITHUB_API_URL": github}
    first = project.cli("baseline", "pull", "--github-artifact", "evalgate-baseline", env=env)
    assert first.code == 0 and "no unexpired artifact 'evalgate-baseline'" in first.err
    artifact(github, 5, "main", "2026-11-29T10:00:00Z", {"v1.json": b'{"format_version": 1}'})
    bad = project.cli("baseline", "pull", "--github-artifact", "evalgate-baseline", env=env)
    assert bad.code == 2, bad.err
    assert not (project.root / ".evalgate" / "baselines" / "v1.json").exists()
    wrong = {**env, "GITHUB_TOKEN": "ghs_wrong"}
    denied = project.cli("baseline", "pull", "--github-artifact", "evalgate-baseline", env=wrong)
    assert denied.code == 3 and "actions: read" in denied.err
    missing = project.cli("baseline", "pull", "--github-artifact", "x", env={"GITHUB_TOKEN": ""})
    assert missing.code == 2 and "GITHUB_REPOSITORY and GITHUB_TOKEN" in missing.err


def test_an_old_baseline_is_flagged(project: Project, srv: FaultServer, github: str) -> None:
    good = recorded_baseline(project, srv)
    artifact(github, 6, "main", "2026-01-01T00:00:00Z", {"v1.json": good})
    step = project.root / "step.md"
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/copilot", "GITHUB_API_URL": github,
           "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(step)}  # fmt: skip
    pulled = project.cli("baseline", "pull", "--github-artifact", "evalgate-baseline", env=env)
    assert pulled.code == 0, pulled.err
    assert "warning: the baseline is" in pulled.err and "::warning title=evalgate::" in pulled.err
    assert "baseline from artifact 'evalgate-baseline' of run 1006" in step.read_text()
    # the same limit as the gate's notes: gate.baseline_max_age_days, unless the flag says
    target = {"url": srv.url("/echo"), "body": {"message": "{{ input.message }}"}}
    project.write_config(target, gate={"baseline_max_age_days": 3650})
    lenient = project.cli("baseline", "pull", "--github-artifact", "evalgate-baseline", env=env)
    assert lenient.code == 0 and "warning: the baseline is" not in lenient.err, lenient.err
    strict = project.cli("baseline", "pull", "--github-artifact", "evalgate-baseline",
                         "--max-age-days", "1", env=env)  # fmt: skip
    assert "warning: the baseline is" in strict.err


def test_a_push_pulls_its_own_branch_and_a_pull_request_its_base(
    project: Project, srv: FaultServer, github: str
) -> None:
    good = recorded_baseline(project, srv)
    artifact(github, 5, "main", "2026-11-29T10:00:00Z", {"v1.json": good})
    artifact(github, 6, "release", "2026-11-29T11:00:00Z", {"v1.json": good})
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/copilot", "GITHUB_API_URL": github}
    # a push to 'release' that records extends release's own history
    pull = ("baseline", "pull", "--github-artifact", "evalgate-baseline")
    push = project.cli(*pull, env={**env, "GITHUB_BASE_REF": "", "GITHUB_REF_NAME": "release"})
    assert push.code == 0, push.err
    assert project.read_json(".evalgate/baseline-source.json")["branch"] == "release"
    # a pull request into main compares with main, whatever its own branch is called
    pr = project.cli(*pull, env={**env, "GITHUB_BASE_REF": "main", "GITHUB_REF_NAME": "7/merge"})
    assert pr.code == 0, pr.err
    assert project.read_json(".evalgate/baseline-source.json")["branch"] == "main"
