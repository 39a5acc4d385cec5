"""Fixtures: a real demo copilot on a free loopback port, and an httpx client for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from evalgate.demo.server import DemoServer, start_server
from evalgate.demo.state import Settings


@pytest.fixture(scope="module")
def _shared_server() -> Iterator[DemoServer]:
    with start_server(seed=7) as srv:
        yield srv


@pytest.fixture()
def server(_shared_server: DemoServer) -> Iterator[DemoServer]:
    """The module's server, with its default settings restored after each test."""
    yield _shared_server
    defaults = Settings()
    _shared_server.configure(
        prompt_version=defaults.prompt_version,
        latency_ms=defaults.latency_ms,
        error_rate=defaults.error_rate,
        noise=defaults.noise,
    )


@pytest.fixture()
def client(server: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=5) as c:
        yield c
