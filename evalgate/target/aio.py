"""An httpx transport over aiohttp: the same ``httpx.AsyncClient`` API, a cheaper HTTP path.

httpx's own transport (httpcore over anyio: cancel scopes, locks, the pool's bookkeeping,
headers and body written separately) costs more CPU per request than aiohttp's connection
handling and C HTTP parser doing the same work. Everything above the transport is still httpx:
redirects, the ``Content-Encoding`` decoding of bodies, cookies, timeouts as a configuration
and the exception classes ``target/attempt.py`` classifies. Like the httpx transport it
replaces, it uses no proxy (an explicit httpx transport never reads ``HTTP_PROXY``).

The target client's own calls take a shorter way (:class:`DirectSender`) when nothing above
the transport has work to do (no redirects to follow, no credentials in the URL): the same
method, URL, header list and body httpx would hand the transport go straight to aiohttp, and
the answer is read through :class:`Reply`, which reads like the ``httpx.Response`` it replaces.
An answer with a ``Content-Encoding`` is still an ``httpx.Response`` (httpx decodes it), and
one that sets a cookie still fills the client's cookie jar.

This module translates in both directions, so that a fault looks the same whichever transport
met it: every aiohttp error becomes the httpx error httpcore raises for the same fault (a
refused connection reads ``All connection attempts failed``, a connect timeout is
``httpx.ConnectTimeout``, a reset or a truncated body is an ``httpx.ReadError`` or
``httpx.RemoteProtocolError``), and bodies are handed over undecoded for httpx to decode.
"""

from __future__ import annotations

import asyncio
import errno
import re
import ssl
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from evalgate.target import warm

warm.wait()  # aiohttp may be being imported by a thread of its own (target/warm.py)

import aiohttp  # noqa: E402
import httpx  # noqa: E402
import yarl  # noqa: E402
from multidict import CIMultiDict  # noqa: E402

# httpx's parser (h11) accepts header blocks of up to 64 KiB; aiohttp's defaults are 8 KiB a
# line, which would turn a server's long header into a failed call that httpx reads fine
_MAX_HEADER = 65536
_HTTP11 = {"http_version": b"HTTP/1.1"}
_RESETS = frozenset({errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED})
# the headers aiohttp adds to a request that lacks them; httpx has set those it sends
_AUTO = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")
_DEFAULTS = frozenset({"user-agent", "accept", "accept-encoding"})  # httpx's client sends these


# every aiohttp error, and the OS errors it lets through, is one of these
CAUGHT = (aiohttp.ClientError, ConnectionError)


@contextmanager
def _as_httpx(request: httpx.Request | None, reading: bool) -> Iterator[None]:
    """Raise the httpx exception httpcore would raise for the same fault."""
    try:
        yield
    except CAUGHT as e:
        raise httpx_error(e, request, reading) from e


def httpx_error(e: BaseException, request: httpx.Request | None, reading: bool) -> Exception:
    """The httpx exception httpcore raises for the fault aiohttp raised ``e`` for.

    Used as ``except CAUGHT as e: raise httpx_error(e, ...) from e`` on the hot paths (a
    ``with`` of a generator-based context manager costs more than the call it guards).
    """
    if isinstance(e, aiohttp.ConnectionTimeoutError):  # sock_connect
        return httpx.ConnectTimeout(_text(e), request=request)
    if isinstance(e, aiohttp.SocketTimeoutError):  # sock_read
        return httpx.ReadTimeout(_text(e), request=request)
    if isinstance(e, aiohttp.ServerTimeoutError):
        return httpx.TimeoutException(_text(e), request=request)
    if isinstance(e, aiohttp.ClientConnectorCertificateError):
        return httpx.ConnectError(_text(e.certificate_error), request=request)
    if isinstance(e, aiohttp.ClientConnectorError):
        if isinstance(e.os_error, ConnectionRefusedError) or "refused" in str(e).lower():
            # httpcore's words, which target/attempt.py turns into "connection refused (...)"
            return httpx.ConnectError("All connection attempts failed", request=request)
        return httpx.ConnectError(_text(e.os_error), request=request)
    if isinstance(e, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(_text(e), request=request)
    if isinstance(e, aiohttp.ServerDisconnectedError):
        if reading:  # the body was cut
            return httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body", request=request
            )
        return httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )
    if isinstance(e, aiohttp.ClientPayloadError):
        if _was_reset(e):
            return httpx.ReadError("", request=request)
        return httpx.RemoteProtocolError(_payload_text(e), request=request)
    if isinstance(e, aiohttp.ClientResponseError):  # a response that is not HTTP
        return httpx.RemoteProtocolError(_text(e), request=request)
    if isinstance(e, (aiohttp.ClientOSError, ConnectionError)):
        # a reset reads as httpcore's empty ReadError ("the connection was reset or closed
        # while reading the response" in target/attempt.py), whether or not a byte came first
        return httpx.ReadError("" if _was_reset(e) else _text(e), request=request)
    return httpx.TransportError(_text(e), request=request)


def _text(e: BaseException) -> str:
    if isinstance(e, aiohttp.ClientResponseError):
        return " ".join(e.message.split())  # str() also wants the request it came from
    return " ".join(str(e).split())


def _was_reset(e: BaseException) -> bool:
    seen: BaseException | None = e
    for _ in range(5):  # the OSError may be the error itself or what caused it
        if seen is None:
            break
        if isinstance(seen, ConnectionError) or (
            isinstance(seen, OSError) and seen.errno in _RESETS
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    # aiohttp names the reset that cut a body only in the payload error's text
    return isinstance(e, aiohttp.ClientPayloadError) and "ConnectionResetError" in str(e)


_RECEIVED = re.compile(r"received (\d+) of (\d+) bytes")


def _payload_text(e: aiohttp.ClientPayloadError) -> str:
    """httpcore's words for a body cut short; aiohttp's own for anything else."""
    text = _text(e)
    if "not enough data" in text.lower():
        got = _RECEIVED.search(text)
        how = f" (received {got[1]} bytes, expected {got[2]})" if got else ""
        return f"peer closed connection without sending complete message body{how}"
    return text


class _Body(httpx.AsyncByteStream):
    """The response body as aiohttp receives it (still encoded), then the connection back."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request | None) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        content = self._response.content
        with _as_httpx(self._request, reading=True):
            while True:
                chunk = await content.readany()
                if not chunk:
                    break
                yield chunk

    async def aclose(self) -> None:
        # a body read to its end hands the connection back for reuse; one left unread (a cap,
        # a stream ended at [DONE], a deadline) closes it, as httpcore does
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over one aiohttp session of ``size`` keep-alive connections.

    ``verify`` and ``trust_env`` mean what they mean to httpx (the SSL context is httpx's, so
    its CA bundle, ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` work the same). The session is made
    on first use, inside the running event loop; the SSL context on the first https request.
    """

    def __init__(
        self, size: int, *, verify: ssl.SSLContext | bool = True, trust_env: bool = True
    ) -> None:
        self.size = max(1, size)
        self._verify = verify
        self._trust_env = trust_env
        self._ssl: ssl.SSLContext | None = verify if isinstance(verify, ssl.SSLContext) else None
        self._session: aiohttp.ClientSession | None = None
        self._headed: tuple[CIMultiDict[str], aiohttp.ClientSession] | None = None
        self._timeouts: dict[tuple[Any, Any], aiohttp.ClientTimeout] = {}

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            # ssl=False only for plain http://; https requests pass httpx's context (below)
            connector = aiohttp.TCPConnector(limit=self.size, ssl=False)
            self._session = _session(connector, None)
        return self._session

    def sending(self, head: CIMultiDict[str]) -> aiohttp.ClientSession:
        """A session over the same connections whose requests carry ``head`` as their headers.

        Its requests are given no headers of their own: aiohttp copies a session's headers
        whole, where it merges given ones one at a time.
        """
        connector = self._open().connector
        headed = self._headed
        if headed is None or headed[0] is not head or headed[1].connector is not connector:
            assert connector is not None
            headed = self._headed = (head, _session(connector, head))
        return headed[1]

    def _ssl_context(self) -> ssl.SSLContext:
        """httpx's context (its CA bundle, SSL_CERT_FILE/SSL_CERT_DIR), made on first https."""
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context(verify=self._verify, trust_env=self._trust_env)
        return self._ssl

    def _timeout(self, request: httpx.Request) -> aiohttp.ClientTimeout:
        t = request.extensions.get("timeout") or {}
        key = (t.get("connect"), t.get("read"))
        found = self._timeouts.get(key)
        if found is None:  # the pool wait is not bounded here, as target.timeout_s bounds all
            found = aiohttp.ClientTimeout(total=None, sock_connect=key[0], sock_read=key[1])
            self._timeouts[key] = found
        return found

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            data: bytes | None = request.content
        except httpx.RequestNotRead:
            data = await request.aread()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        skip = auto_skip([k for k, _ in headers], bool(data))
        url = request.url
        if url.userinfo:  # httpx has made it the Authorization header; httpcore sends neither
            url = url.copy_with(userinfo=b"")
        response = await self._request(
            request.method,
            str(url),
            request.url.scheme == "https",
            headers,
            data,
            self._timeout(request),
            request,
            skip,
        )
        return _as_response(response, request)

    async def _request(
        self,
        method: str,
        url: str | yarl.URL,
        https: bool,
        headers: Sequence[tuple[str, str]],
        data: bytes | None,
        timeout: aiohttp.ClientTimeout,
        request: httpx.Request | None,
        skip: tuple[str, ...] | None,
    ) -> aiohttp.ClientResponse:
        session = self._open()
        try:
            return await session.request(
                method,
                url,
                headers=headers,
                data=data or None,
                allow_redirects=False,  # httpx follows them, or not, by its own policy
                timeout=timeout,
                ssl=self._ssl_context() if https else False,
                skip_auto_headers=skip,
            )
        except CAUGHT as e:
            raise httpx_error(e, request, reading=False) from e

    async def aclose(self) -> None:
        if self._headed is not None:  # shares the connections: closed first, they stay open
            headed, self._headed = self._headed[1], None
            await headed.close()
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
            await asyncio.sleep(0)  # lets the connections' transports finish closing


def _session(
    connector: aiohttp.BaseConnector, headers: CIMultiDict[str] | None
) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=connector,
        connector_owner=headers is None,  # the session with headers shares the first's
        headers=headers,
        auto_decompress=False,  # httpx decodes, and counts the body cap on decoded bytes
        cookie_jar=aiohttp.DummyCookieJar(),  # cookies are httpx's business
        trust_env=False,  # no proxy from the environment, as with httpx's transport
        timeout=aiohttp.ClientTimeout(total=None),
        max_line_size=_MAX_HEADER,
        max_field_size=_MAX_HEADER,
    )


def auto_skip(names: Iterable[str], body: bool) -> tuple[str, ...] | None:
    """The headers aiohttp must be told not to add, or None when it would add none.

    aiohttp adds ``User-Agent``, ``Accept`` and ``Accept-Encoding`` to a request without them
    and a ``Content-Type`` to one with a body and none. httpx's client always sends the first
    three, and the target client a ``Content-Type`` with its body, so a request usually needs
    no list (aiohttp's cheaper way); one that lacks any of them gets the list, and aiohttp
    adds nothing httpx would not have sent.
    """
    have = {name.lower() for name in names}
    if have >= _DEFAULTS and (not body or "content-type" in have):
        return None
    return _AUTO


def _as_response(response: aiohttp.ClientResponse, request: httpx.Request) -> httpx.Response:
    extensions: dict[str, Any] = _HTTP11
    if response.reason:
        extensions = {**_HTTP11, "reason_phrase": response.reason.encode("latin-1", "ignore")}
    return httpx.Response(
        response.status,
        headers=response.raw_headers,
        stream=_Body(response, request),
        request=request,
        extensions=extensions,
    )
