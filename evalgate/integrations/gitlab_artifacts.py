"""Baselines from the default branch's last successful job artifact on GitLab CI.

The job on the default branch keeps the baseline folder as a job artifact; a merge request's
job pulls the newest one before the gate. Two ways in, by the token at hand (shapes from the
GitLab REST API docs, docs.gitlab.com/api/jobs and /api/job_artifacts):

- an API token (``EVALGATE_GITLAB_TOKEN`` or ``GITLAB_TOKEN``, ``read_api`` scope, sent as
  ``PRIVATE-TOKEN``): ``GET /projects/:id/jobs?scope[]=success`` finds the newest successful
  job of that name on the branch whose artifacts have not expired (with its pipeline, commit
  and address), then ``GET /projects/:id/jobs/:job_id/artifacts`` downloads it;
- the job's own ``CI_JOB_TOKEN`` (sent as ``JOB-TOKEN``), which may not list jobs:
  ``GET /projects/:id/jobs/artifacts/:ref/download?job=NAME`` downloads the artifact of that
  job in the branch's latest successful pipeline; where it came from is then read from the
  baselines themselves (their commit and recording time).

Archives are served through redirects to object storage: the token goes to the API's own
host only. Every file is checked as a baseline before any is written, as on GitHub.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from evalgate import masking
from evalgate.errors import InconclusiveError, UsageError
from evalgate.integrations.github_artifacts import (
    MAX_ARCHIVE_BYTES,
    ArtifactSource,
    baselines_in,
    install_pulled,
    write_source,
)

KIND = "gitlab-artifact"
TOKEN_VARS = ("EVALGATE_GITLAB_TOKEN", "GITLAB_TOKEN")  # an API token (masked CI/CD variable)
MAX_REDIRECTS = 5
MAX_PAGES = 10


class Connection:
    """The GitLab API of this pipeline, with the token it may use."""

    def __init__(self, environ: Mapping[str, str], *, need: str) -> None:
        api = environ.get("CI_API_V4_URL") or ""
        if not api and environ.get("CI_SERVER_URL"):
            api = environ["CI_SERVER_URL"].rstrip("/") + "/api/v4"
        project = environ.get("CI_PROJECT_ID") or environ.get("CI_PROJECT_PATH") or ""
        self.api_token = next((environ[v] for v in TOKEN_VARS if environ.get(v)), "")
        self.job_token = environ.get("CI_JOB_TOKEN", "")
        if not api or not project or not (self.api_token or self.job_token):
            raise UsageError(
                f"{need} needs CI_API_V4_URL, CI_PROJECT_ID and a token (GitLab CI sets the"
                " first two and CI_JOB_TOKEN in every job; outside CI, set them and"
                " EVALGATE_GITLAB_TOKEN to a token with the read_api scope)"
            )
        masking.register([self.api_token, self.job_token])
        self.api = api.rstrip("/")
        self.project = quote(project, safe="")
        self.origin = httpx.URL(self.api).copy_with(path="/", query=None, fragment=None)

    @property
    def headers(self) -> dict[str, str]:
        if self.api_token:
            return {"PRIVATE-TOKEN": self.api_token}
        return {"JOB-TOKEN": self.job_token}

    def url(self, path: str) -> str:
        return f"{self.api}/projects/{self.project}{path}"


def request(
    client: httpx.Client,
    conn: Connection,
    method: str,
    url: str,
    *,
    params: Any = None,
    json: Any = None,
) -> httpx.Response:
    """One API call, following redirects by hand: the token headers go to the API's own
    origin only (httpx drops ``Authorization`` on a cross-origin redirect, not ``PRIVATE-TOKEN``
    or ``JOB-TOKEN``). Transport errors become exit 3, without the token."""
    target = httpx.URL(url, params=params) if params is not None else httpx.URL(url)
    for _ in range(MAX_REDIRECTS + 1):
        same = target.copy_with(path="/", query=None, fragment=None) == conn.origin
        headers = {"User-Agent": "evalgate", **(conn.headers if same else {})}
        try:
            resp = client.request(method, target, headers=headers, json=json)
        except httpx.HTTPError as exc:
            raise InconclusiveError(
                masking.scrub(f"GitLab API: {type(exc).__name__}: {exc}")
            ) from None
        if resp.is_redirect and "location" in resp.headers:
            target = target.join(resp.headers["location"])
            method, json = "GET", None
            continue
        return resp
    raise InconclusiveError(f"GitLab API: more than {MAX_REDIRECTS} redirects for {url}")


def check(resp: httpx.Response, what: str, hint: str) -> httpx.Response:
    if resp.status_code in (401, 403):
        raise InconclusiveError(
            f"GitLab API answered {resp.status_code} to {what} ({_where(resp)}): {hint}"
        )
    if resp.status_code >= 400:
        raise InconclusiveError(
            f"GitLab API answered {resp.status_code} to {what} ({_where(resp)})"
        )
    return resp


def _where(resp: httpx.Response) -> str:
    return str(resp.request.url.copy_with(query=None))


def _expired(job: Mapping[str, Any], now: datetime) -> bool:
    when = job.get("artifacts_expire_at")
    if not isinstance(when, str) or not when:
        return False
    try:
        return datetime.fromisoformat(when.replace("Z", "+00:00")) <= now
    except ValueError:
        return False


def _has_archive(job: Mapping[str, Any]) -> bool:
    files = job.get("artifacts")
    if isinstance(files, list):
        return any(isinstance(a, dict) and a.get("file_type") == "archive" for a in files)
    return bool(job.get("artifacts_file"))


def newest_job(
    client: httpx.Client, conn: Connection, name: str, branch: str
) -> ArtifactSource | None:
    """The newest successful job called ``name`` on ``branch`` with unexpired artifacts."""
    now = datetime.now(UTC)
    hint = "the token needs the read_api scope and access to this project"
    for page in range(1, MAX_PAGES + 1):
        params = [("scope[]", "success"), ("per_page", "100"), ("page", str(page))]
        resp = check(request(client, conn, "GET", conn.url("/jobs"), params=params),
                     "the job list", hint)  # fmt: skip
        jobs = resp.json()
        if not isinstance(jobs, list) or not jobs:
            return None
        for j in jobs:  # newest first
            if (
                isinstance(j, dict)
                and j.get("name") == name
                and j.get("ref") == branch
                and j.get("status", "success") == "success"
                and _has_archive(j)
                and not _expired(j, now)
                and isinstance(j.get("id"), int)
            ):
                pipeline = _mapping(j.get("pipeline"))
                commit = _mapping(j.get("commit"))
                sha = commit.get("id") or pipeline.get("sha")
                return ArtifactSource(
                    artifact=name,
                    artifact_id=j["id"],
                    run_id=pipeline.get("id") if isinstance(pipeline.get("id"), int) else None,
                    branch=branch,
                    commit=str(sha) if sha else None,
                    created_at=str(j.get("finished_at") or j.get("created_at") or ""),
                    url=str(j["web_url"]) if j.get("web_url") else None,
                    kind=KIND,
                )
        if len(jobs) < 100:
            return None
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _archive(resp: httpx.Response) -> bytes:
    data = resp.content
    if len(data) > MAX_ARCHIVE_BYTES:
        raise InconclusiveError(f"the baseline artifact is larger than 50 MiB ({len(data)} bytes)")
    return data


def pull(
    *,
    job: str,
    branch: str,
    directory: Path,
    environ: Mapping[str, str],
    transport: httpx.BaseTransport | None = None,
) -> ArtifactSource | None:
    """Download the artifact of the newest successful job ``job`` on ``branch`` into
    ``directory``. Returns None when there is none yet (the baselines already in the folder,
    committed ones for instance, are then what the gate uses)."""
    conn = Connection(environ, need="pulling a baseline artifact from GitLab")
    with httpx.Client(timeout=30.0, follow_redirects=False, transport=transport) as client:
        if conn.api_token:
            source = newest_job(client, conn, job, branch)
            if source is None:
                return None
            url = conn.url(f"/jobs/{source.artifact_id}/artifacts")
            hint = "the token needs the read_api scope"
            archive = _archive(check(request(client, conn, "GET", url), "the download", hint))
        else:
            url = conn.url(f"/jobs/artifacts/{quote(branch, safe='')}/download")
            resp = request(client, conn, "GET", url, params={"job": job})
            if resp.status_code == 404:
                return None
            hint = (
                "allow CI_JOB_TOKEN to read this project's artifacts, or set"
                " EVALGATE_GITLAB_TOKEN to a token with the read_api scope"
            )
            archive = _archive(check(resp, "the artifact download", hint))
            source = None
    files = baselines_in(archive)
    if not files:
        raise InconclusiveError(
            f"the artifact of job '{job}' on {branch} holds no baseline file; the job must keep"
            " the baseline folder (artifacts: paths:) after 'evalgate run --record-baseline'"
        )
    pulled = install_pulled(files, directory)
    if source is None:
        newest = max(pulled, key=lambda b: b.recorded_at, default=None)
        source = ArtifactSource(
            artifact=job,
            artifact_id=None,
            run_id=None,
            branch=branch,
            commit=newest.git_sha if newest else None,
            created_at=newest.recorded_at if newest else "",
            url=None,
            kind=KIND,
        )
    write_source(directory, source)
    return source
