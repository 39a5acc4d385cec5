"""Events the runner emits while it works: progress for the terminal, calls for telemetry.

Listeners are plain callables; the runner never imports a reporter or an exporter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from evalgate.model import Response


@dataclass(frozen=True)
class CallEvent:
    """One model call (one turn of one repeat of one case), after retries."""

    run_id: str
    case_id: str
    dataset: str
    repeat: int
    turn: int
    outcome: str
    latency_ms: float
    attempts: int
    response: Response | None
    error: str | None = None
    tags: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseEvent:
    """A case repeat finished (scored or errored)."""

    run_id: str
    case_id: str
    repeat: int
    status: str
    score: float | None
    done: int  # results finished so far
    total: int  # results expected in this run


CallListener = Callable[[CallEvent], None]
CaseListener = Callable[[CaseEvent], None]
