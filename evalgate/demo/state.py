"""The demo server's mutable state: runtime settings and remembered conversations."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass

from evalgate.demo.copilot import PROMPT_VERSIONS, BadRequest

_MAX_SESSIONS = 10_000
_MAX_SESSION_TURNS = 40


@dataclass
class Settings:
    """What ``/admin/config`` reads and changes at runtime."""

    prompt_version: str = "v1"
    latency_ms: float = 0.0
    error_rate: float = 0.0
    noise: float = 0.0

    def update(self, changes: object) -> None:
        """Apply a partial update, validating every field first (all or nothing)."""
        if not isinstance(changes, dict):
            raise BadRequest("the admin config body must be a JSON object")
        unknown = sorted(set(changes) - set(asdict(self)))
        if unknown:
            raise BadRequest(f"unknown setting(s) {unknown}; known: {sorted(asdict(self))}")
        new = asdict(self)
        for key, value in changes.items():
            if key == "prompt_version":
                if value not in PROMPT_VERSIONS:
                    raise BadRequest(f"prompt_version must be one of {PROMPT_VERSIONS}")
            elif not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise BadRequest(f"{key} must be a number >= 0")
            elif key != "latency_ms" and value > 1:
                raise BadRequest(f"{key} must be between 0 and 1")
            new[key] = value if key == "prompt_version" else float(value)
        for key, value in new.items():
            setattr(self, key, value)


class Sessions:
    """The user turns remembered per ``sessionId`` (bounded, least recently used evicted)."""

    def __init__(self) -> None:
        self._data: OrderedDict[str, list[dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str) -> list[dict[str, str]]:
        with self._lock:
            turns = self._data.get(session_id)
            if turns is None:
                return []
            self._data.move_to_end(session_id)
            return list(turns)

    def add(self, session_id: str, *turns: dict[str, str]) -> None:
        with self._lock:
            kept = self._data.setdefault(session_id, [])
            kept.extend(turns)
            del kept[:-_MAX_SESSION_TURNS]
            self._data.move_to_end(session_id)
            while len(self._data) > _MAX_SESSIONS:
                self._data.popitem(last=False)
