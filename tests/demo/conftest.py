"""Fixtures: a real demo copilot on a free loopback port, and an httpx client for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from evalgate.demo.server import DemoServer, start_server


@pytest.fixture()
def server() -> Iterator[DemoServer]:
    with start_server(seed=7) as srv:
        yield srv


@pytest.fixture()
def client(server: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=5) as c:
        yield c
