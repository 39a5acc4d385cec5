"""Baselines from the default branch's last run artifact on GitHub Actions.

Protected branches refuse the commit that keeps a baseline in the repository. Instead, the run
on ``main`` uploads the baseline folder as a workflow artifact, and a pull request's run pulls
the newest unexpired one recorded on that branch: ``GET /repos/{repo}/actions/artifacts?name=``
lists them (each with the branch and commit of the run that made it), and the archive comes as
a zip. Every file is checked as a baseline before it is written; the source (run, commit, age)
is kept next to the baselines so that reports and people can see what the gate compared with.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from evalgate.errors import InconclusiveError, UsageError
from evalgate.fsutil import atomic_write_json
from evalgate.gate.baseline import Baseline
from evalgate.gate.baseline_store import BaselineStore

MAX_ARCHIVE_BYTES = 50 * 1024 * 1024
SOURCE_FILE = "baseline-source.json"  # next to the baselines folder, not inside it


@dataclass(frozen=True)
class ArtifactSource:
    """Where pulled baselines came from."""

    artifact: str
    artifact_id: int | None
    run_id: int | None
    branch: str
    commit: str | None
    created_at: str
    url: str | None
    kind: str = "github-artifact"  # or "gitlab-artifact"

    def age_days(self, now: datetime | None = None) -> float | None:
        try:
            made = datetime.fromisoformat(self.created_at.replace("Z", "+00:00"))
        except ValueError:
            return None
        return ((now or datetime.now(UTC)) - made).total_seconds() / 86400.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.kind,
            "artifact": self.artifact,
            "artifact_id": self.artifact_id,
            "run_id": self.run_id,
            "branch": self.branch,
            "commit": self.commit,
            "created_at": self.created_at,
            "run_url": self.url,
        }


def newest_artifact(
    client: httpx.Client, api: str, repo: str, name: str, branch: str
) -> tuple[Mapping[str, Any], ArtifactSource] | None:
    """The newest unexpired artifact called ``name`` made by a run on ``branch``."""
    page = 1
    found: list[Mapping[str, Any]] = []
    while page <= 10:  # 1,000 artifacts of that name: far more than any retention keeps
        resp = _get(client, f"{api}/repos/{repo}/actions/artifacts",
                    params={"name": name, "per_page": 100, "page": page})  # fmt: skip
        data = resp.json()
        items = data.get("artifacts") if isinstance(data, dict) else None
        if not isinstance(items, list) or not items:
            break
        for a in items:
            run = a.get("workflow_run") if isinstance(a, dict) else None
            if (
                isinstance(a, dict)
                and a.get("name") == name
                and not a.get("expired")
                and isinstance(run, dict)
                and run.get("head_branch") == branch
            ):
                found.append(a)
        if len(items) < 100:
            break
        page += 1
    if not found:
        return None
    best = max(found, key=lambda a: str(a.get("created_at") or ""))
    run = best["workflow_run"]
    source = ArtifactSource(
        artifact=name,
        artifact_id=int(best.get("id") or 0),
        run_id=int(run["id"]) if isinstance(run.get("id"), int) else None,
        branch=branch,
        commit=str(run["head_sha"]) if run.get("head_sha") else None,
        created_at=str(best.get("created_at") or ""),
        url=(
            f"{_web(api)}/{repo}/actions/runs/{run['id']}"
            if isinstance(run.get("id"), int)
            else None
        ),
    )
    return best, source


def baselines_in(archive: bytes) -> dict[str, bytes]:
    """The ``*.json`` files at any depth of a zip archive, by file name."""
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as z:
            out: dict[str, bytes] = {}
            for info in z.infolist():
                name = Path(info.filename).name
                if info.is_dir() or not name.endswith(".json") or name.startswith("."):
                    continue
                if info.file_size > MAX_ARCHIVE_BYTES:
                    raise InconclusiveError(f"artifact file {name} is larger than 50 MiB")
                out[name] = z.read(info)
            return out
    except zipfile.BadZipFile as exc:
        raise InconclusiveError(f"the baseline artifact is not a zip archive ({exc})") from None


def pull(
    *,
    name: str,
    branch: str,
    directory: Path,
    environ: Mapping[str, str],
    transport: httpx.BaseTransport | None = None,
) -> ArtifactSource | None:
    """Download the newest baseline artifact of ``branch`` into ``directory``.

    Returns None when there is none yet (the first pull request before a run on ``branch``).
    Each file must be a valid baseline; the folder's other baselines are kept.
    """
    token = environ.get("GITHUB_TOKEN") or environ.get("GH_TOKEN")
    repo = environ.get("GITHUB_REPOSITORY")
    if not token or not repo:
        raise UsageError(
            "pulling a baseline artifact needs GITHUB_REPOSITORY and GITHUB_TOKEN (in a"
            " workflow: env: {GITHUB_TOKEN: ${{ github.token }}}, with permissions:"
            " actions: read)"
        )
    api = environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "evalgate",
    }
    with httpx.Client(
        headers=headers, timeout=30.0, follow_redirects=True, transport=transport
    ) as client:
        hit = newest_artifact(client, api, repo, name, branch)
        if hit is None:
            return None
        artifact, source = hit
        url = artifact.get("archive_download_url")
        if not isinstance(url, str):
            raise InconclusiveError(f"artifact {source.artifact_id} has no download address")
        archive = _get(client, url).content
    if len(archive) > MAX_ARCHIVE_BYTES:
        raise InconclusiveError(
            f"the baseline artifact is larger than 50 MiB ({len(archive)} bytes)"
        )
    files = baselines_in(archive)
    if not files:
        raise InconclusiveError(
            f"artifact '{name}' (run {source.run_id}) holds no baseline file; record one on"
            f" {branch} with the action's record-baseline input"
        )
    install_pulled(files, directory)
    write_source(directory, source)
    return source


def install_pulled(files: Mapping[str, bytes], directory: Path) -> list[Baseline]:
    """Write pulled baseline files into ``directory``, each checked first by the reader the
    gate uses; nothing is replaced unless every file is a valid baseline. Other files in the
    folder are kept. Returns the pulled baselines."""
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory.parent) as tmp:
        for fname, data in files.items():
            (Path(tmp) / fname).write_bytes(data)
        pulled = BaselineStore(Path(tmp)).list()
        for fname in files:
            os.replace(Path(tmp) / fname, directory / fname)
    return pulled


def write_source(directory: Path, source: ArtifactSource) -> None:
    """Keep where the baselines came from next to their folder (``baseline-source.json``)."""
    atomic_write_json(directory.parent / SOURCE_FILE, source.to_dict())


def _get(client: httpx.Client, url: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
    try:
        resp = client.get(url, params=params)
    except httpx.HTTPError as exc:
        raise InconclusiveError(f"GitHub API: {exc}") from None
    if resp.status_code in (401, 403):
        raise InconclusiveError(
            f"GitHub API answered {resp.status_code} for {resp.url.copy_with(query=None)}:"
            " the token needs 'actions: read' (permissions: in the workflow)"
        )
    if resp.status_code >= 400:
        raise InconclusiveError(
            f"GitHub API answered {resp.status_code} for {resp.url.copy_with(query=None)}"
        )
    return resp


def _web(api: str) -> str:
    """The web address for an API address (github.com, or a GitHub Enterprise server)."""
    if api == "https://api.github.com":
        return "https://github.com"
    return api.removesuffix("/api/v3")
