"""Helpers shared by the demo tests."""

from __future__ import annotations

from typing import Any

import httpx


def ask(client: httpx.Client, message: str, **extra: object) -> dict[str, Any]:
    """POST one copilot request and return the JSON body (asserting 200)."""
    r = client.post("/v1/copilot", json={"message": message, **extra})
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body, dict)
    return body
