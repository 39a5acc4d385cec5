"""In-memory state of the test Langfuse server: seeded traces and scores, and what was pushed."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

PROJECT_ID = "proj-evalgate-test"
T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)

CORE = ("id", "traceId", "startTime", "endTime", "projectId", "parentObservationId", "type")
GROUPS = {
    "basic": ("name", "level", "statusMessage", "version", "environment", "bookmarked", "public",
              "userId", "sessionId", "isRootObservation"),
    "time": ("completionStartTime", "createdAt", "updatedAt"),
    "io": ("input", "output"),
    "metadata": ("metadata",),
    "model": ("model", "internalModelId", "modelParameters"),
    "trace_context": ("tags", "release", "traceName"),
}  # fmt: skip


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(s: str) -> datetime:
    t = datetime.fromisoformat(s.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    return int(json.loads(base64.urlsafe_b64decode(cursor.encode()))["o"]) if cursor else 0


@dataclass
class Store:
    """Everything the server knows; guarded by ``lock`` (handlers run in threads)."""

    observations: list[dict[str, Any]] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    run_items: list[dict[str, Any]] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)
    posted_scores: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    # -- seeding ---------------------------------------------------------------------------
    def add_trace(
        self,
        trace_id: str,
        *,
        input: Any,
        output: Any,
        name: str = "copilot",
        user: str | None = "user-1",
        session: str | None = None,
        environment: str = "production",
        tags: tuple[str, ...] = (),
        start: datetime = T0,
        children: tuple[dict[str, Any], ...] = (),
    ) -> None:
        """A trace: a root SPAN plus children ``{type, name, input, output}``."""
        root_id = f"{trace_id[:8]}-root"
        common = {"traceId": trace_id, "projectId": PROJECT_ID, "environment": environment,
                  "userId": user, "sessionId": session, "tags": list(tags), "traceName": name,
                  "release": None, "level": "DEFAULT", "statusMessage": None, "version": None,
                  "bookmarked": False, "public": False, "metadata": {}, "model": None,
                  "internalModelId": None, "modelParameters": None,
                  "completionStartTime": None, "createdAt": iso(start), "updatedAt": iso(start)}  # fmt: skip  # noqa: E501
        with self.lock:
            self.observations.append({
                **common, "id": root_id, "parentObservationId": None, "type": "SPAN",
                "name": name, "isRootObservation": True, "startTime": iso(start),
                "endTime": iso(start + timedelta(seconds=2)),
                "input": json.dumps(input), "output": json.dumps(output),
            })  # fmt: skip
            for i, c in enumerate(children):
                t = start + timedelta(milliseconds=100 * (i + 1))
                self.observations.append({
                    **common, "id": f"{trace_id[:8]}-c{i}", "parentObservationId": root_id,
                    "type": c["type"], "name": c.get("name"), "isRootObservation": False,
                    "startTime": iso(t), "endTime": iso(t + timedelta(milliseconds=50)),
                    "input": json.dumps(c.get("input")), "output": json.dumps(c.get("output")),
                })  # fmt: skip

    def add_score(
        self,
        trace_id: str,
        name: str,
        value: Any,
        data_type: str = "NUMERIC",
        *,
        at: datetime = T0,
        observation: str | None = None,
    ) -> None:
        subject: dict[str, Any] = (
            {"kind": "observation", "id": observation, "traceId": trace_id}
            if observation
            else {"kind": "trace", "id": trace_id}
        )
        with self.lock:
            self.scores.append({
                "id": str(uuid.uuid4()), "projectId": PROJECT_ID, "name": name,
                "source": "ANNOTATION", "timestamp": iso(at), "environment": "production",
                "createdAt": iso(at), "updatedAt": iso(at), "dataType": data_type,
                "value": value, "comment": None, "configId": None, "metadata": None,
                "subject": subject,
            })  # fmt: skip

    # -- views used by tests ---------------------------------------------------------------
    def experiment_items(self) -> list[dict[str, Any]]:
        """One entry per experiment item root span received over OTLP."""
        with self.lock:
            return [
                s for s in self.spans
                if s["attributes"].get("langfuse.experiment.item.root_observation_id") == s["spanId"]  # noqa: E501
            ]  # fmt: skip

    def scores_for_trace(self, trace_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [s for s in self.posted_scores if s.get("traceId") == trace_id]
