"""One HTTP attempt: send, read within the deadline and the size cap, classify, map.

Every httpx error is translated here into an outcome; nothing above ``target/`` sees httpx.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

import httpx

from evalgate import jsonsafe
from evalgate.config.model import TargetConfig
from evalgate.model import Response
from evalgate.status import Outcome
from evalgate.target.deadlines import Deadlines
from evalgate.target.mapping import MappingFailure, ResponseMapper, Timing
from evalgate.target.retry import parse_retry_after
from evalgate.target.sse import GenericSse, OpenAIChatSse, SseAccumulator

_EXCERPT_BYTES = 2048
_EXCERPT_CHARS = 200


class Attempt:
    """What one attempt produced; ``error`` is unmasked (the client masks it)."""

    __slots__ = (
        "error",
        "latency_ms",
        "outcome",
        "response",
        "retry_after",
        "retryable",
        "started",
        "status_code",
    )

    def __init__(
        self,
        outcome: Outcome,
        started: float,
        latency_ms: float,
        retryable: bool = False,
        status_code: int | None = None,
        response: Response | None = None,
        error: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.outcome = outcome
        self.started = started
        self.latency_ms = latency_ms
        self.retryable = retryable
        self.status_code = status_code
        self.response = response
        self.error = error
        self.retry_after = retry_after


def _failed(
    outcome: Outcome,
    error: str,
    retryable: bool,
    after: float | None,
    started: float,
    status: int | None = None,
) -> Attempt:
    ms = (time.perf_counter() - started) * 1000.0
    return Attempt(outcome, started, ms, retryable, status, error=error, retry_after=after)


class _TooLarge(Exception):
    pass


class _HeaderLookup(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...


class Reply(Protocol):
    """What an attempt reads of an answer: an ``httpx.Response``, or target/direct.py's."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> _HeaderLookup: ...
    @property
    def url(self) -> httpx.URL: ...
    @property
    def reason_phrase(self) -> str: ...
    def aiter_bytes(self) -> AsyncIterator[bytes]: ...
    async def aclose(self) -> None: ...


Send = Callable[[], Awaitable[Reply]]


def where(url: httpx.URL) -> str:
    """The URL for messages, without its query or credentials (either may hold a key)."""
    return str(url.copy_with(query=None, fragment=None, userinfo=b""))


class AttemptRunner:
    """Runs single attempts for one target configuration."""

    def __init__(self, cfg: TargetConfig, mapper: ResponseMapper) -> None:
        self.cfg = cfg
        self.mapper = mapper
        self._sse = cfg.stream == "sse"
        self._openai = cfg.preset == "openai-chat"
        out = cfg.response.output or "output"
        self._output_key = out if out.isidentifier() else "output"
        self._deadlines = Deadlines(cfg.timeout_s)

    async def run(self, send: Send, url: httpx.URL) -> Attempt:
        """One attempt: ``send()`` makes the request to ``url`` and returns the answer."""
        started = time.perf_counter()
        # target.timeout_s bounds the whole attempt, as ``asyncio.timeout`` would (the same
        # cancellation, told from one that comes from outside), kept by the client's one
        # timer for all its attempts (target/deadlines.py)
        task = asyncio.current_task()
        assert task is not None
        cancelling = task.cancelling()
        deadline = self._deadlines.start(task)
        try:
            seen = False  # the expiry's cancellation has been accounted for
            try:
                resp = await send()
                try:
                    return await self._handle(resp, started)
                finally:
                    await resp.aclose()
            except asyncio.CancelledError:
                if deadline.expired:
                    seen = True
                    if task.uncancel() <= cancelling:  # ours alone: the deadline passed
                        raise TimeoutError from None
                raise  # an interrupt or the run's own budget: not this attempt's to keep
            finally:
                Deadlines.end(deadline)
                if deadline.expired and not seen:
                    task.uncancel()
        except (TimeoutError, httpx.HTTPError) as e:
            return self._fault(e, url, started)

    def _fault(self, e: Exception, url: httpx.URL, started: float) -> Attempt:
        """The failed attempt for an exception ``run`` caught (a timeout or an httpx error)."""
        cfg = self.cfg
        outcome: Outcome
        if isinstance(e, TimeoutError):
            outcome, retryable = "timeout", True
            msg = f"no complete response within {cfg.timeout_s:g} s (target.timeout_s)"
        elif isinstance(e, httpx.ConnectTimeout):
            outcome, retryable = "timeout", True
            limit = min(cfg.connect_timeout_s, cfg.timeout_s)
            msg = f"could not connect to {where(url)} within {limit:g} s"
            msg += " (target.connect_timeout_s)"
        elif isinstance(e, httpx.TimeoutException):
            outcome, retryable = "timeout", True
            msg = f"timed out waiting for {where(url)}: {_why(e)}"
        elif isinstance(e, httpx.TooManyRedirects):
            outcome, retryable = "http_error", False
            msg = f"too many redirects from {where(url)}"
        elif isinstance(e, httpx.DecodingError):
            outcome, retryable = "invalid_response", False
            msg = f"could not decode the response body: {_why(e)}"
        elif isinstance(e, httpx.ConnectError):
            outcome, retryable = "connection_error", True
            msg = f"could not connect to {where(url)}: {_why(e)}"
        else:
            # resets, truncated bodies, closed keep-alive connections: worth another try
            outcome, retryable = "connection_error", True
            msg = f"connection to {where(url)} failed: {_why(e)}"
        return _failed(outcome, msg, retryable, None, started)

    async def _handle(self, resp: Reply, started: float) -> Attempt:
        status = resp.status_code
        if not 200 <= status < 300:
            return _failed(*await self._status_failure(resp), started, status)
        cap = self.cfg.max_response_bytes
        declared = resp.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            too_large = _too_large(int(declared), cap)
            return _failed("invalid_response", too_large, False, None, started, status)
        ctype = resp.headers.get("content-type", "")
        ttft: float | None = None
        try:
            if self._sse and ctype.startswith("text/event-stream"):
                acc, ttft = await self._read_sse(resp, started, cap)
                problem = acc.failure()
                if problem is not None:  # a cut or failed stream is never a scored answer
                    outcome: Outcome = "http_error" if acc.error is not None else "connection_error"
                    return _failed(outcome, problem, True, None, started, status)
                body: Any = acc.body(self._output_key)
            else:
                whole = _whole(resp, cap)  # target/direct.py's answer, all of it here
                data = whole if whole is not None else await _read(resp, cap)
        except _TooLarge:
            too_large = _too_large(None, cap)
            return _failed("invalid_response", too_large, False, None, started, status)
        latency = (time.perf_counter() - started) * 1000.0
        timing = Timing(latency, status, ttft)
        try:
            if self._sse and ctype.startswith("text/event-stream"):
                response = self.mapper.map_json(body, timing)
            elif self.cfg.response.output is None:
                response = self.mapper.map_text(data.decode("utf-8", "replace"), timing)
            else:
                response = self.mapper.map_json(_decode_json(data, ctype), timing)
        except MappingFailure as e:
            return _failed("invalid_response", str(e), False, None, started, status)
        return Attempt("success", started, latency, False, status, response=response)

    async def _status_failure(self, resp: Reply) -> tuple[Outcome, str, bool, float | None]:
        """(outcome, message, retryable, retry_after) for a non-2xx status."""
        status = resp.status_code
        if 300 <= status < 400:
            loc = resp.headers.get("location")
            to = where(resp.url.join(loc)) if loc else "(no Location header)"
            msg = (
                f"HTTP {status} redirect to {to}; set target.follow_redirects: true to follow "
                "it, or point target.url at the new address"
            )
            return "http_error", msg, False, None
        try:
            excerpt = _excerpt(await _read(resp, _EXCERPT_BYTES, truncate=True))
        except httpx.HTTPError:
            excerpt = ""
        text = f"HTTP {status} {resp.reason_phrase}".rstrip()
        if 400 <= status < 500 and status != 429:  # a wrong path or key: show what was asked
            text += f" from {where(resp.url)}"
        text += f": {excerpt}" if excerpt else ""
        after = parse_retry_after(resp.headers.get("retry-after"))
        if status == 429:
            return "rate_limited", text, True, after
        return "http_error", text, status >= 500, after

    async def _read_sse(
        self, resp: Reply, started: float, cap: int
    ) -> tuple[SseAccumulator, float | None]:
        acc: SseAccumulator = OpenAIChatSse() if self._openai else GenericSse()
        ttft: float | None = None
        size = 0
        async for chunk in resp.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise _TooLarge
            done = acc.feed(chunk)
            if ttft is None and acc.has_text:
                ttft = (time.perf_counter() - started) * 1000.0
            if done:
                break
        acc.close()
        return acc, ttft


def _whole(resp: Reply, cap: int) -> bytes | None:
    """The body when it has all arrived already (target/direct.py's answers), else None."""
    complete: Callable[[], bytes | None] | None = getattr(resp, "complete_body", None)
    whole = complete() if complete is not None else None
    if whole is not None and len(whole) > cap:
        raise _TooLarge
    return whole


async def _read(resp: Reply, cap: int, truncate: bool = False) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.aiter_bytes():
        size += len(chunk)
        if size > cap:
            if truncate:
                chunks.append(chunk[: cap - size + len(chunk)])
                break
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _decode_json(data: bytes, ctype: str) -> Any:
    try:
        return jsonsafe.loads(data)
    except jsonsafe.Unusable as exc:
        raise MappingFailure(
            f"response body is {exc}; evalgate does not map answers nested this deep"
        ) from None
    except ValueError:
        what = "empty" if not data.strip() else f"not JSON ({ctype or 'no content-type'})"
        sample = f": {_excerpt(data)}" if data.strip() else ""
        raise MappingFailure(
            f"response body is {what}{sample}; target.response expects a JSON body "
            "(set target.response.output: null to take the raw text as the output)"
        ) from None


def _too_large(declared: int | None, cap: int) -> str:
    size = f"{declared} bytes" if declared is not None else "more"
    return (
        f"response body is larger than target.max_response_bytes ({cap} bytes; got {size}); "
        "raise target.max_response_bytes if answers this large are expected"
    )


def _excerpt(data: bytes) -> str:
    text = " ".join(data.decode("utf-8", "replace").split())
    return text if len(text) <= _EXCERPT_CHARS else text[: _EXCERPT_CHARS - 1] + "…"


def _why(e: Exception) -> str:
    text = " ".join(str(e).split())
    if isinstance(e, httpx.ConnectError) and "all connection attempts failed" in text.lower():
        return "connection refused (is the server running and the port right?)"
    if text:
        return text
    if isinstance(e, httpx.ReadError):
        return "the connection was reset or closed while reading the response"
    if isinstance(e, httpx.WriteError):
        return "the connection was reset or closed while sending the request"
    return type(e).__name__
