"""Builders for synthetic runner events, shared by the telemetry tests."""

from __future__ import annotations

from typing import Any

from evalgate.events import CallEvent, CaseEvent
from evalgate.model import Response


def response(**kw: Any) -> Response:
    base: dict[str, Any] = {
        "output": "Refunds are accepted within 30 days.",
        "model": "gpt-4o-mini",
        "prompt_version": "v1",
        "input_tokens": 120,
        "output_tokens": 30,
        "cost_usd": 0.0012,
        "latency_ms": 250.0,
        "trace_id": "tr-1",
    }
    base.update(kw)
    return Response(**base)


def call(**kw: Any) -> CallEvent:
    base: dict[str, Any] = {
        "run_id": "run-1",
        "case_id": "refund-window",
        "dataset": "support",
        "repeat": 0,
        "turn": 0,
        "outcome": "success",
        "latency_ms": 250.0,
        "attempts": 1,
        "response": response(),
        "metadata": {"tenant": "acme", "user": "alice@example.com", "feature": "refunds"},
    }
    base.update(kw)
    return CallEvent(**base)


def case(**kw: Any) -> CaseEvent:
    base: dict[str, Any] = {
        "run_id": "run-1",
        "case_id": "refund-window",
        "repeat": 0,
        "status": "passed",
        "score": 1.0,
        "done": 1,
        "total": 1,
    }
    base.update(kw)
    return CaseEvent(**base)
