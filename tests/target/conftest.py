"""With ``EVALGATE_EVENT_LOOP=uvloop`` these tests run their event loops on uvloop.

The target client's fault tests call ``asyncio.run``; a uvloop policy makes every such loop a
uvloop one, so the same tests check the client on either loop (see docs/target.md).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="package")
def _event_loop_choice() -> Iterator[None]:
    if os.environ.get("EVALGATE_EVENT_LOOP", "").strip().lower() != "uvloop":
        yield
        return
    import uvloop  # asked for: missing is an error, not a silent asyncio run

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    try:
        yield
    finally:
        asyncio.set_event_loop_policy(None)


@pytest.fixture(autouse=True)
def _loop_in_use() -> None:
    """Fails a test run with uvloop asked for whose loops are not uvloop's."""
    if os.environ.get("EVALGATE_EVENT_LOOP", "").strip().lower() == "uvloop":
        loop = asyncio.new_event_loop()
        try:
            assert type(loop).__module__.startswith("uvloop"), type(loop)
        finally:
            loop.close()
