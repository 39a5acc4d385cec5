"""A transport that spreads requests over many one-connection pools.

httpcore's connection pool looks at every connection it holds (and asks each socket whether
it is still usable) whenever a request starts or a response closes, so its cost per request
grows with the pool's size: at 50 connections it spends more CPU than the rest of a request
(measured in docs/performance.md). Giving each connection its own pool keeps that cost
constant; requests go to an idle pool first, so keep-alive connections are reused.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import httpx


class _Released(httpx.AsyncByteStream):
    """A response stream that hands its pool back when the response is closed."""

    def __init__(self, inner: httpx.AsyncByteStream, owner: SpreadTransport, index: int) -> None:
        self._inner = inner
        self._owner = owner
        self._index = index
        self._open = True

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            if self._open:
                self._open = False
                self._owner._release(self._index)


class SpreadTransport(httpx.AsyncBaseTransport):
    """``size`` HTTP/1.1 pools of one connection each, sharing one SSL context.

    A request goes to an idle pool when there is one (most recently used first, so its
    connection is still alive), else to the least busy pool, where it waits its turn.
    """

    def __init__(
        self, size: int, *, verify: ssl.SSLContext | bool = True, trust_env: bool = True
    ) -> None:
        size = max(1, size)
        ctx = (
            verify
            if isinstance(verify, ssl.SSLContext)
            else httpx.create_ssl_context(verify=verify, trust_env=trust_env)
        )
        one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self._pools = [
            httpx.AsyncHTTPTransport(verify=ctx, limits=one, trust_env=trust_env)
            for _ in range(size)
        ]
        self._busy = [0] * size
        self._idle = list(range(size - 1, -1, -1))  # a stack: pool 0 is used first

    @property
    def size(self) -> int:
        return len(self._pools)

    def in_flight(self) -> int:
        """Responses not yet closed, over all pools."""
        return sum(self._busy)

    def _acquire(self) -> int:
        if self._idle:
            i = self._idle.pop()
        else:
            i = min(range(len(self._busy)), key=self._busy.__getitem__)
        self._busy[i] += 1
        return i

    def _release(self, i: int) -> None:
        self._busy[i] -= 1
        if self._busy[i] == 0:
            self._idle.append(i)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        i = self._acquire()
        try:
            response = await self._pools[i].handle_async_request(request)
        except BaseException:
            self._release(i)
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _Released(response.stream, self, i)
        return response

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()
