"""The target client's calls straight to aiohttp, without httpx's Request and Response models.

``httpx.AsyncClient.send`` wraps every request in layers (authentication, redirects, event
hooks, cookies, a Request and a Response with their header multi-dicts) that cost more CPU than
the HTTP exchange itself. When none of them has work to do (``target.transport: aiohttp``, no
redirects to follow, no credentials in the URL) the client hands aiohttp what httpx would have
handed it, byte for byte the same method, URL, headers and body, and reads the answer through
:class:`Reply`, which reads like the ``httpx.Response`` target/attempt.py otherwise gets:

- the headers are those httpx would send: built by ``client.build_request`` once per config
  (only ``Content-Length`` changes per call: aiohttp adds it last, where httpx puts it; the
  rest are the default headers of a session sharing the transport's connections), or
  per call when the URL or a header is a template or the endpoint has set a cookie (the jar's
  ``Cookie`` header is httpx's); aiohttp adds none of its own (``aio.auto_skip``);
- a body that has all arrived with the head is taken whole (``Reply.complete_body``), under
  the same cap; one still arriving is read as it comes;
- an answer with a ``Content-Encoding`` is an ``httpx.Response`` as before, so httpx decodes
  it (and the body cap counts decoded bytes);
- a ``Set-Cookie`` goes into the client's cookie jar, as ``client.send`` would put it;
- every aiohttp error is the httpx error target/aio.py translates it to.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import httpx
import yarl
from multidict import CIMultiDict

from evalgate.target.aio import CAUGHT, AiohttpTransport, _as_response, auto_skip, httpx_error

Headers = list[tuple[str, str]]
# a constant head is the headers of an aiohttp session of its own (AiohttpTransport.sending),
# the body's Content-Length left for aiohttp to add last, where httpx puts it
Head = CIMultiDict[str]


class ReplyHeaders:
    """A response's headers read as ``httpx.Headers`` reads them (repeats joined by ", ")."""

    __slots__ = ("_encoding", "_keys", "raw")

    def __init__(self, raw: tuple[tuple[bytes, bytes], ...]) -> None:
        self.raw = raw
        self._keys = [k.lower() for k, _ in raw]
        self._encoding: str | None = None

    def get(self, key: str, default: Any = None) -> Any:
        keys = self._keys
        wanted = key.lower().encode("latin-1")
        if wanted not in keys:
            return default
        if keys.count(wanted) == 1:
            value = self.raw[keys.index(wanted)][1]
            if value.isascii():  # ASCII reads the same in each encoding httpx may pick
                return value.decode("ascii")
        encoding = self._encoding or self._detect()
        pairs = zip(keys, self.raw, strict=True)
        return ", ".join(v.decode(encoding) for k, (_, v) in pairs if k == wanted)

    def __contains__(self, key: str) -> bool:
        return key.lower().encode("latin-1") in self._keys

    def _detect(self) -> str:
        # httpx.Headers.encoding: ascii, else utf-8, else iso-8859-1 (which decodes anything)
        every = b"".join(b"".join(pair) for pair in self.raw)
        if every.isascii():
            self._encoding = "ascii"
        else:
            try:
                for k, v in self.raw:  # each on its own, as httpx decodes them
                    k.decode("utf-8")
                    v.decode("utf-8")
                self._encoding = "utf-8"
            except UnicodeDecodeError:
                self._encoding = "iso-8859-1"
        return self._encoding


class Reply:
    """An aiohttp response with the parts of ``httpx.Response`` target/attempt.py reads."""

    __slots__ = ("_closed", "_response", "headers", "status_code", "url")

    def __init__(self, response: aiohttp.ClientResponse, url: httpx.URL) -> None:
        self._response = response
        self._closed = False
        self.url = url
        self.status_code = response.status
        self.headers = ReplyHeaders(response.raw_headers)

    @property
    def reason_phrase(self) -> str:
        reason = self._response.reason
        raw = reason.encode("latin-1", "ignore") if reason else b""
        return (
            raw.decode("ascii", "ignore")
            if raw
            else httpx.codes.get_reason_phrase(self.status_code)
        )

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        return _Chunks(self)

    def complete_body(self) -> bytes | None:
        """The whole body when all of it has already arrived, else None (read it as it comes).

        A small answer usually arrives with its head, so it is taken as it is, with no
        coroutine per chunk; the connection goes back as when the chunks are read to the end.
        """
        content = self._response.content
        if not content.is_eof() or content.exception() is not None:
            return None  # still arriving, or failed: the chunks tell what happened
        body = content.read_nowait()
        if not self._closed:
            self._closed = True
            self._response.release()
        return body

    async def aclose(self) -> None:
        # a body read to its end hands the connection back for reuse; one left unread closes it
        if not self._closed:
            self._closed = True
            self._response.release()


class _Chunks:
    """The body as it arrives (an iterator object: an async generator costs more per call).

    Once the body is read to its end the connection goes back, as httpx closes a response
    whose body it has read."""

    __slots__ = ("_content", "_reply")

    def __init__(self, reply: Reply) -> None:
        self._reply = reply
        self._content = reply._response.content

    def __aiter__(self) -> _Chunks:
        return self

    async def __anext__(self) -> bytes:
        try:
            chunk = await self._content.readany()
        except CAUGHT as e:
            raise httpx_error(e, None, reading=True) from e
        if not chunk:
            await self._reply.aclose()
            raise StopAsyncIteration
        return chunk


Send = Callable[[], Awaitable[Any]]


class DirectSender:
    """Sends the target client's requests over its own aiohttp transport."""

    def __init__(
        self,
        transport: AiohttpTransport,
        client: httpx.AsyncClient,
        method: str,
        fixed_url: httpx.URL | None,
        constant_headers: bool,
    ) -> None:
        self._transport = transport
        self._client = client
        self._method = method
        self._cookies_seen = False
        self.sent = 0  # requests sent this way
        proto = client.build_request(method, fixed_url or "http://127.0.0.1/", content=b"x")
        self._timeout = transport._timeout(proto)
        self._head: Head | None = None
        self._head_skip: tuple[str, ...] | None = None
        self._url = fixed_url
        self._target: yarl.URL | None = None
        if fixed_url is not None and constant_headers and not fixed_url.userinfo:
            raw = _text_headers(proto.headers.raw)
            lengths = [k for k, _ in raw if k.lower() == "content-length"]
            if raw[-1] == ("Content-Length", "1") and len(lengths) == 1:
                self._head = CIMultiDict(raw[:-1])  # httpx puts the body's length last
                self._head_skip = auto_skip([k for k, _ in raw], body=True)
                self._target = yarl.URL(str(fixed_url))

    def prepare(
        self, url: httpx.URL | None, headers: dict[str, str] | None, content: bytes | None
    ) -> tuple[Send, httpx.URL] | None:
        """The call to make for this request, or None when httpx's own send must make it."""
        head = self._head
        if head is not None and content is not None and url is None and not self._cookies_seen:
            assert self._url is not None and self._target is not None
            send = self._send_fn(self._url, self._target, head, content, self._head_skip)
            return send, self._url
        request = self._client.build_request(
            self._method, url or self._url or "", content=content, headers=headers
        )
        if request.url.userinfo:  # httpx's send turns these into an Authorization header
            return None
        sent = _text_headers(request.headers.raw)
        skip = auto_skip([k for k, _ in sent], bool(content))
        return self._send_fn(request.url, str(request.url), sent, content, skip), request.url

    def _send_fn(
        self,
        url: httpx.URL,
        target: str | yarl.URL,
        headers: Headers | Head,
        content: bytes | None,
        skip: tuple[str, ...] | None,
    ) -> Send:
        transport, method, timeout = self._transport, self._method, self._timeout
        https = url.scheme == "https"
        if isinstance(headers, list):
            session, given = transport._open, headers
        else:  # a constant head: the headers of a session of their own
            session, given = self._headed, None

        async def send() -> Reply | httpx.Response:
            self.sent += 1
            try:  # as AiohttpTransport._request, one coroutine fewer
                response = await session().request(
                    method,
                    target,
                    headers=given,
                    data=content or None,
                    allow_redirects=False,
                    timeout=timeout,
                    ssl=transport._ssl_context() if https else False,
                    skip_auto_headers=skip,
                )
            except CAUGHT as e:
                raise httpx_error(e, None, reading=False) from e
            reply = Reply(response, url)
            if b"set-cookie" in reply.headers._keys:
                self._keep_cookies(response, url, _sent(headers, content))
            if b"content-encoding" in reply.headers._keys:  # httpx decodes the body
                request = httpx.Request(self._method, url, headers=_sent(headers, content))
                return _as_response(response, request)
            return reply

        return send

    def _headed(self) -> aiohttp.ClientSession:
        assert self._head is not None
        return self._transport.sending(self._head)

    def _keep_cookies(
        self, response: aiohttp.ClientResponse, url: httpx.URL, sent: Headers
    ) -> None:
        request = httpx.Request(self._method, url, headers=sent)
        self._client.cookies.extract_cookies(
            httpx.Response(response.status, headers=response.raw_headers, request=request)
        )
        self._cookies_seen = True  # from now on httpx builds each request's headers


def _sent(headers: Headers | Head, content: bytes | None) -> Headers:
    """The headers as sent: a constant head with the Content-Length aiohttp added."""
    if isinstance(headers, list):
        return headers
    return [*headers.items(), ("Content-Length", str(len(content or b"")))]


def _text_headers(raw: list[tuple[bytes, bytes]]) -> Headers:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]
