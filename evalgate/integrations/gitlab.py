"""The merge-request note on GitLab: one note per merge request, kept up to date.

The note's body starts with the report's hidden marker (``<!-- evalgate-report -->``). Each
run lists the merge request's notes, edits the first one that starts with the marker and was
written by the same account, and creates one only when there is none. Endpoints and shapes from
the GitLab REST API docs (docs.gitlab.com/api/notes, /api/users):

- ``GET /user``: the token's account (a project access token is a bot user);
- ``GET /projects/:id/merge_requests/:iid/notes?sort=asc&order_by=created_at``;
- ``POST /projects/:id/merge_requests/:iid/notes`` and ``PUT .../notes/:note_id`` with
  ``{"body": ...}``.

``CI_JOB_TOKEN`` may not write notes: posting needs ``EVALGATE_GITLAB_TOKEN`` (or
``GITLAB_TOKEN``), a project access token with the ``api`` scope. The token is registered
with :mod:`evalgate.masking`, so no message or body can show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from evalgate import masking
from evalgate.errors import InconclusiveError, UsageError
from evalgate.integrations.gitlab_artifacts import Connection, check, request
from evalgate.report.markdown import MARKER

MAX_NOTE_CHARS = 1_000_000  # GitLab refuses longer notes
MAX_PAGES = 20
HINT = "EVALGATE_GITLAB_TOKEN must be a project access token with the api scope"


@dataclass(frozen=True)
class NoteResult:
    action: str  # "created" or "updated"
    note_id: int
    url: str | None


def merge_request_iid(environ: Mapping[str, str]) -> str | None:
    """The merge request of this pipeline (merge request pipelines only)."""
    iid = environ.get("CI_MERGE_REQUEST_IID", "").strip()
    return iid if iid.isdigit() else None


def note_body(markdown: str) -> str:
    """The note text: starts with the marker, secrets masked, within GitLab's limit."""
    body = masking.scrub(markdown)
    if not body.lstrip().startswith(MARKER):
        body = f"{MARKER}\n{body}"
    if len(body) > MAX_NOTE_CHARS:
        tail = "\n\n_Report truncated; the full report is in the job's artifacts._\n"
        body = body[: MAX_NOTE_CHARS - len(tail)].rsplit("\n", 1)[0] + tail
    return body


def _own_id(client: httpx.Client, conn: Connection) -> int | None:
    resp = request(client, conn, "GET", f"{conn.api}/user")
    data = resp.json() if resp.status_code == 200 else None
    return data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), int) else None


def find_note(
    client: httpx.Client, conn: Connection, iid: str, author: int | None
) -> Mapping[str, Any] | None:
    """The first note on the merge request that starts with the marker (by ``author`` when
    known); system notes and quotes of the report (which start with ``>``) never match."""
    url = conn.url(f"/merge_requests/{iid}/notes")
    for page in range(1, MAX_PAGES + 1):
        params = {"sort": "asc", "order_by": "created_at", "per_page": "100", "page": str(page)}
        notes = check(request(client, conn, "GET", url, params=params), "the note list", HINT)
        items = notes.json()
        if not isinstance(items, list) or not items:
            return None
        for n in items:
            if not isinstance(n, dict) or n.get("system") or not isinstance(n.get("id"), int):
                continue
            who = n.get("author")
            if author is not None and (not isinstance(who, dict) or who.get("id") != author):
                continue
            if str(n.get("body") or "").lstrip().startswith(MARKER):
                return n
        if len(items) < 100:
            return None
    return None


def post_note(
    markdown: str,
    environ: Mapping[str, str],
    *,
    transport: httpx.BaseTransport | None = None,
) -> NoteResult:
    """Create or update this merge request's evalgate note. Raises ``UsageError`` when this
    is not a merge request pipeline or there is no API token, ``InconclusiveError`` when
    GitLab refuses or cannot be reached."""
    iid = merge_request_iid(environ)
    if iid is None:
        raise UsageError("not a merge request pipeline (CI_MERGE_REQUEST_IID is not set)")
    conn = Connection(environ, need="the merge-request note")
    if not conn.api_token:
        raise UsageError(
            "the merge-request note needs EVALGATE_GITLAB_TOKEN, a project access token with"
            " the api scope kept as a masked CI/CD variable (CI_JOB_TOKEN may not write notes)"
        )
    body = note_body(markdown)
    with httpx.Client(timeout=30.0, follow_redirects=False, transport=transport) as client:
        existing = find_note(client, conn, iid, _own_id(client, conn))
        notes = conn.url(f"/merge_requests/{iid}/notes")
        if existing is not None:
            resp = request(client, conn, "PUT", f"{notes}/{existing['id']}", json={"body": body})
            if resp.status_code < 400:
                return _result("updated", resp, existing["id"], environ, iid)
            if resp.status_code not in (403, 404):  # another account's note: write our own
                check(resp, "the note update", HINT)
        resp = check(
            request(client, conn, "POST", notes, json={"body": body}), "the new note", HINT
        )
        data = resp.json()
        note_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(note_id, int):
            raise InconclusiveError("GitLab API: the new note has no id")
        return _result("created", resp, note_id, environ, iid)


def _result(
    action: str, resp: httpx.Response, note_id: int, environ: Mapping[str, str], iid: str
) -> NoteResult:
    project = environ.get("CI_PROJECT_URL", "").rstrip("/")
    url = f"{project}/-/merge_requests/{iid}#note_{note_id}" if project else None
    return NoteResult(action, note_id, url)
