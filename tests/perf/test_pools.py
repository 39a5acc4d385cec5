"""SpreadTransport: bounded connections, keep-alive reuse, pools handed back on every path."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest

from evalgate.config.model import TargetConfig
from evalgate.model import Case
from evalgate.target import TargetClient, TemplateContext
from evalgate.target.client import TRANSPORTS
from evalgate.target.pools import SpreadTransport
from tests.support.timing import timed_variant

BODY = b'{"output": "ok"}'


class CountingServer:
    """A keep-alive HTTP/1.1 server that counts connections and requests in flight."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.connections = 0
        self.open = 0
        self.max_open = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.url = ""
        self._server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        self.max_open = max(self.max_open, self.open)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        await reader.readexactly(int(line.split(b":")[1]))
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                await asyncio.sleep(self.delay)
                self.in_flight -= 1
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
                )
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open -= 1
            writer.close()

    async def __aenter__(self) -> CountingServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=512)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/x"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()


def run(fn: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(fn(), 20))


def test_concurrent_requests_use_at_most_one_connection_per_pool() -> None:
    async def main() -> None:
        async with CountingServer(delay=0.005) as srv:
            transport = SpreadTransport(8)
            async with httpx.AsyncClient(transport=transport) as client:
                it = iter(range(200))

                async def worker() -> None:
                    for _ in it:
                        r = await client.post(srv.url, content=b"{}")
                        assert r.json() == {"output": "ok"}

                await asyncio.gather(*(worker() for _ in range(8)))
                assert transport.in_flight() == 0
            assert srv.max_open <= 8
            assert srv.connections <= 8
            assert srv.max_in_flight == 8  # all pools were used at once

    run(main)


def test_sequential_requests_reuse_one_keep_alive_connection() -> None:
    async def main() -> None:
        async with CountingServer() as srv:
            async with httpx.AsyncClient(transport=SpreadTransport(16)) as client:
                for _ in range(30):
                    assert (await client.get(srv.url)).status_code == 200
            assert srv.connections == 1

    run(main)


def test_more_requests_than_pools_wait_their_turn() -> None:
    async def main() -> None:
        async with CountingServer(delay=0.01) as srv:
            transport = SpreadTransport(2)
            async with httpx.AsyncClient(transport=transport) as client:
                rs = await asyncio.gather(*(client.get(srv.url) for _ in range(12)))
                assert [r.status_code for r in rs] == [200] * 12
                assert transport.in_flight() == 0
            assert srv.max_in_flight <= 2 and srv.connections <= 2

    run(main)


def test_a_failed_or_abandoned_request_hands_its_pool_back() -> None:
    async def main() -> None:
        transport = SpreadTransport(3)
        async with httpx.AsyncClient(transport=transport) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get("http://127.0.0.1:9/")  # discard port: nothing listens
            assert transport.in_flight() == 0
            async with CountingServer(delay=5.0) as srv:
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(client.get(srv.url), 0.2)
                assert transport.in_flight() == 0
                req = client.build_request("GET", srv.url)
                srv.delay = 0.0
                resp = await client.send(req, stream=True)
                assert transport.in_flight() == 1  # streamed: held until closed
                await resp.aclose()
                await resp.aclose()  # closing twice releases once
                assert transport.in_flight() == 0

    run(main)


@timed_variant
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_target_client_runs_calls_in_parallel_over_few_connections(
    transport: str, timed: bool
) -> None:
    async def main() -> None:
        async with CountingServer(delay=0.05) as srv:
            cfg = TargetConfig(
                url=srv.url, concurrency=20, body={"q": "{{ input }}"}, transport=transport
            )
            case = Case(id="c", dataset="d", input="hi")
            async with TargetClient(cfg) as client:
                loop = asyncio.get_running_loop()
                began = loop.time()
                results = await asyncio.gather(
                    *(client.call(TemplateContext(case=case, input="hi")) for _ in range(60))
                )
                took = loop.time() - began
            assert all(r.ok for r in results), [r.error for r in results if not r.ok]
            assert srv.connections <= 20
            assert srv.max_in_flight > 1  # in parallel, counted by the server, not the clock
            assert not timed or took < 1.5  # 3 rounds of 50 ms at 20 in flight, not 60 in turn

    run(main)
