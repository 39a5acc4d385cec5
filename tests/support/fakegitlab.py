"""A small GitLab REST API on 127.0.0.1, speaking the endpoints evalgate uses.

Shapes follow the public GitLab REST API docs: jobs (docs.gitlab.com/api/jobs: ``GET
/projects/:id/jobs?scope[]=success``, newest first, each with ``name``, ``ref``, ``status``,
``commit``, ``pipeline``, ``web_url``, ``artifacts``, ``artifacts_expire_at``), job artifacts
(docs.gitlab.com/api/job_artifacts: ``GET /projects/:id/jobs/:job_id/artifacts`` and ``GET
/projects/:id/jobs/artifacts/:ref_name/download?job=NAME``, the latter from the ref's latest
successful pipeline; both may redirect to object storage), notes (docs.gitlab.com/api/notes:
merge request notes listed, created with ``POST`` and edited with ``PUT``, ``{"body": ...}``)
and ``GET /user``. ``PRIVATE-TOKEN`` authenticates everything; ``JOB-TOKEN`` only artifact
downloads, as on GitLab. Archives are served from ``localhost`` (another origin than
``127.0.0.1``), so a test can check that no token follows the redirect.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

PROJECT_ID = "42"
PROJECT_PATH = "acme/copilot"
API_TOKEN = "glpat-evalgate-test-token-1234"
JOB_TOKEN = "glcbt-job-token-5678-abcdef"
BOT_ID = 7


def zip_of(files: Mapping[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def zip_paths(root: Path, paths: list[str]) -> bytes:
    """What a runner uploads for ``artifacts: paths:`` (folders recursively, from ``root``)."""
    files: dict[str, bytes] = {}
    for rel in paths:
        p = root / rel
        found = [p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file())
        for f in found:
            files[f.relative_to(root).as_posix()] = f.read_bytes()
    return zip_of(files)


class FakeGitLab:
    def __init__(self) -> None:
        self.jobs: list[dict[str, Any]] = []  # newest first
        self.archives: dict[int, bytes] = {}
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.seen: list[tuple[str, str, dict[str, str]]] = []  # method, path, token headers
        self._lock = threading.Lock()
        self._srv = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.port = self._srv.server_address[1]
        self.api = f"http://127.0.0.1:{self.port}/api/v4"

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "CI_API_V4_URL": self.api,
            "CI_PROJECT_ID": PROJECT_ID,
            "CI_PROJECT_URL": f"http://127.0.0.1:{self.port}/{PROJECT_PATH}",
            **extra,
        }

    def add_job(
        self,
        name: str,
        ref: str,
        archive: bytes | None,
        *,
        status: str = "success",
        expire_at: str | None = None,
        finished_at: str = "2026-11-29T10:00:00Z",
        sha: str | None = None,
    ) -> int:
        job_id = 1000 + len(self.jobs)
        pipeline = 500 + len(self.jobs)
        sha = sha or f"{job_id:040x}"
        self.jobs.insert(0, {
            "id": job_id, "name": name, "ref": ref, "status": status, "stage": "test",
            "created_at": finished_at, "finished_at": finished_at,
            "commit": {"id": sha, "short_id": sha[:8]},
            "pipeline": {"id": pipeline, "ref": ref, "sha": sha, "status": status},
            "web_url": f"http://127.0.0.1:{self.port}/{PROJECT_PATH}/-/jobs/{job_id}",
            "artifacts": [{"file_type": "archive", "filename": "artifacts.zip"}] if archive else [],
            "artifacts_expire_at": expire_at,
        })  # fmt: skip
        if archive is not None:
            self.archives[job_id] = archive
        return job_id

    def add_note(self, iid: int, body: str, author: int, system: bool = False) -> int:
        with self._lock:
            notes = self.notes.setdefault(iid, [])
            note_id = 9000 + sum(len(n) for n in self.notes.values())
            notes.append({"id": note_id, "body": body, "author": {"id": author},
                          "system": system, "noteable_iid": iid})  # fmt: skip
        return note_id

    def start(self) -> FakeGitLab:
        threading.Thread(target=self._srv.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._srv.shutdown()
        self._srv.server_close()


@contextmanager
def fake_gitlab() -> Iterator[FakeGitLab]:
    gl = FakeGitLab().start()
    try:
        yield gl
    finally:
        gl.stop()


def _handler(gl: FakeGitLab) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PUT(self) -> None:
            self._route("PUT")

        def _send(self, code: int, body: Any, ctype: str = "application/json") -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self, method: str) -> None:
            url = urlsplit(self.path)
            path = url.path
            query = parse_qs(url.query)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            tokens = {k: v for k, v in self.headers.items() if k.upper().endswith("TOKEN")}
            with gl._lock:
                gl.seen.append((method, path, tokens))
            api_ok = self.headers.get("PRIVATE-TOKEN") == API_TOKEN
            job_ok = self.headers.get("JOB-TOKEN") == JOB_TOKEN
            if path.startswith("/blob/"):
                return self._send(200, gl.archives[int(path.rsplit("/", 1)[1])], "application/zip")
            prefix = "/api/v4"
            if not path.startswith(prefix):
                return self._send(404, {"message": "404 Not Found"})
            parts = [unquote(p) for p in path[len(prefix) :].strip("/").split("/")]
            if parts == ["user"] and method == "GET":
                if not api_ok:
                    return self._send(401, {"message": "401 Unauthorized"})
                return self._send(200, {"id": BOT_ID, "username": "project_42_bot"})
            known = (PROJECT_ID, PROJECT_PATH)
            if len(parts) < 3 or parts[0] != "projects" or parts[1] not in known:
                return self._send(404, {"message": "404 Project Not Found"})
            rest = parts[2:]
            port = self.server.server_address[1]
            if rest[:2] == ["jobs", "artifacts"] and len(rest) >= 4 and rest[-1] == "download":
                if not (api_ok or job_ok):
                    return self._send(401, {"message": "401 Unauthorized"})
                ref = "/".join(rest[2:-1])
                name = query.get("job", [""])[0]
                for j in gl.jobs:  # the ref's latest successful pipeline holding that job
                    if j["ref"] == ref and j["name"] == name and j["status"] == "success":
                        if j["id"] in gl.archives:
                            return self._redirect(f"http://localhost:{port}/blob/{j['id']}")
                        break
                return self._send(404, {"message": "404 Not found"})
            if rest == ["jobs"] and method == "GET":
                if not api_ok:
                    return self._send(401, {"message": "401 Unauthorized"})
                scope = query.get("scope[]", [])
                page, per = int(query.get("page", ["1"])[0]), int(query.get("per_page", ["20"])[0])
                found = [j for j in gl.jobs if not scope or j["status"] in scope]
                return self._send(200, found[(page - 1) * per : page * per])
            if len(rest) == 3 and rest[0] == "jobs" and rest[2] == "artifacts":
                if not (api_ok or job_ok):
                    return self._send(401, {"message": "401 Unauthorized"})
                job_id = int(rest[1])
                if job_id not in gl.archives:
                    return self._send(404, {"message": "404 Not found"})
                return self._redirect(f"http://localhost:{port}/blob/{job_id}")
            if len(rest) >= 3 and rest[0] == "merge_requests" and rest[2] == "notes":
                if not api_ok:
                    return self._send(401, {"message": "401 Unauthorized"})
                return self._notes(method, int(rest[1]), rest[3:], query, raw)
            return self._send(404, {"message": "404 Not Found"})

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _notes(self, method: str, iid: int, rest: list[str], query: Any, raw: bytes) -> None:
            notes = gl.notes.setdefault(iid, [])
            if method == "GET" and not rest:
                page, per = int(query.get("page", ["1"])[0]), int(query.get("per_page", ["20"])[0])
                return self._send(200, notes[(page - 1) * per : page * per])
            body = json.loads(raw or b"{}").get("body")
            if not isinstance(body, str) or not body:
                return self._send(400, {"message": "body is missing"})
            if method == "POST" and not rest:
                note_id = gl.add_note(iid, body, BOT_ID)
                return self._send(201, next(n for n in notes if n["id"] == note_id))
            if method == "PUT" and len(rest) == 1:
                note = next((n for n in notes if n["id"] == int(rest[0])), None)
                if note is None:
                    return self._send(404, {"message": "404 Note Not Found"})
                if note["author"]["id"] != BOT_ID:
                    return self._send(403, {"message": "403 Forbidden"})
                note["body"] = body
                return self._send(200, note)
            return self._send(405, {"message": "405 Method Not Allowed"})

    return Handler
