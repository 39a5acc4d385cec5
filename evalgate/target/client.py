"""The target client: renders a request per call, sends it with retries, maps the answer.

One ``httpx.AsyncClient`` (pooled connections sized to ``target.concurrency``) serves every
call, over aiohttp (``target/aio.py``) or httpx's own transport (``target/pools.py``), as
``target.transport`` says. Templates, JMESPath expressions and constant headers are prepared
once in ``__init__``. Over aiohttp, calls that need nothing of httpx's client layers (no
redirects to follow, no credentials in the URL) go straight to aiohttp (``target/direct.py``).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from evalgate import masking
from evalgate.config.model import Pricing, TargetConfig
from evalgate.errors import ConfigError
from evalgate.model import JSON, Response
from evalgate.quickinit import quick_init
from evalgate.status import Outcome
from evalgate.target.attempt import Attempt, AttemptRunner, Send
from evalgate.target.context import TemplateContext, json_default
from evalgate.target.mapping import ResponseMapper
from evalgate.target.pools import SpreadTransport
from evalgate.target.presets import apply_preset
from evalgate.target.retry import AdaptiveLimit, backoff_delay
from evalgate.target.template import Template, compile_template

if TYPE_CHECKING:
    from evalgate.target.direct import DirectSender

# header values that are never secret; every other value is masked in messages
_PLAIN_HEADERS = frozenset(
    {"content-type", "accept", "accept-encoding", "user-agent", "connection", "cache-control"}
)
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=json_default).encode


@quick_init
@dataclass(frozen=True, slots=True)
class CallResult:
    """The result of one call after retries.

    ``request`` is the rendered JSON body (headers are left out: they may hold secrets).
    ``latency_ms`` is the last attempt's; ``elapsed_ms`` includes retries and waits.
    """

    outcome: Outcome
    response: Response | None
    request: JSON
    latency_ms: float
    attempts: int
    attempt_outcomes: tuple[Outcome, ...]
    status_code: int | None = None
    error: str | None = None
    elapsed_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome == "success"


class TargetClient:
    """Calls the middleware for one case turn at a time; use as ``async with``."""

    def __init__(
        self,
        cfg: TargetConfig,
        *,
        pricing: Mapping[str, Pricing] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        cfg = apply_preset(cfg)
        if cfg.transport not in TRANSPORTS:
            raise ConfigError(
                f"target.transport: unknown transport '{cfg.transport}'; use aiohttp or httpx"
            )
        if transport is None and cfg.transport == "aiohttp" and not _has_aiohttp():
            raise ConfigError(
                "target.transport: aiohttp is not installed (it comes with evalgate-middleware;"
                " reinstall it), or set target.transport: httpx"
            )
        if cfg.stream not in (None, "sse"):
            raise ConfigError(
                f"target.stream: unknown mode '{cfg.stream}'; use sse or leave it out"
            )
        self.cfg = cfg
        self._url = compile_template(cfg.url, "target.url")
        self._query = compile_template(dict(cfg.query), "target.query")
        self._headers = compile_template(dict(cfg.headers), "target.headers")
        self._body: Template | None = (
            compile_template(cfg.body, "target.body") if cfg.body is not None else None
        )
        self._attempt = AttemptRunner(cfg, ResponseMapper(cfg.response, pricing))
        self._limit = AdaptiveLimit(cfg.concurrency)
        self._retries = max(0, cfg.retries)
        if transport is None and cfg.python is not None:
            from evalgate.target.inprocess import PythonTransport, load_callable

            root = Path(cfg.python_root) if cfg.python_root else None
            transport = PythonTransport(load_callable(cfg.python, root), cfg.timeout_s)
        self._transport = transport
        self._sleep = sleep
        self._rng = rng or random.Random(0)
        self._method = cfg.method.upper()
        self._masks = _header_masks(cfg.headers)
        self._fixed_url: httpx.URL | None = None
        if self._url.is_constant and self._query.is_constant:
            self._fixed_url = _url(cfg.url, self._query.render(_NO_CONTEXT))
            if self._fixed_url.password:  # sent as a basic Authorization header: a secret
                masking.register([self._fixed_url.password])
        self._client: httpx.AsyncClient | None = None
        self._direct: DirectSender | None = None  # calls over our own aiohttp, httpx aside

    @property
    def concurrency_limit(self) -> int:
        """Calls currently allowed in flight (lowered after 429s, regained on successes)."""
        return self._limit.allowed

    async def __aenter__(self) -> TargetClient:
        self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _open(self) -> httpx.AsyncClient:
        if self._client is None:
            cfg = self.cfg
            n = max(1, cfg.concurrency)
            headers = {"User-Agent": "evalgate"}
            if self._body is not None:
                headers["Content-Type"] = "application/json"
            if cfg.stream == "sse":
                headers["Accept"] = "text/event-stream"
            if self._headers.is_constant:
                headers.update(_header_values(self._headers.render(_NO_CONTEXT)))
            # a given transport (tests, a MockTransport) is used as it is
            transport = self._transport or _transport(cfg.transport, n)
            self._client = client = _Client(
                transport=transport,
                limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
                # only connecting has a limit of its own: target.timeout_s bounds the whole
                # attempt (target/attempt.py), so a per-read or per-write limit of the same
                # length could never fire first, and costs a timer per read
                timeout=httpx.Timeout(None, connect=min(cfg.connect_timeout_s, cfg.timeout_s)),
                follow_redirects=cfg.follow_redirects,
                headers=headers,
            )
            if self._transport is None and cfg.transport == "aiohttp" and not cfg.follow_redirects:
                # nothing above the transport has work to do: send straight to aiohttp
                from evalgate.target.aio import AiohttpTransport
                from evalgate.target.direct import DirectSender

                assert isinstance(transport, AiohttpTransport)
                self._direct = DirectSender(
                    transport,
                    client,
                    self._method,
                    self._fixed_url,
                    self._headers.is_constant,
                )
        return self._client

    async def call(self, ctx: TemplateContext) -> CallResult:
        """Send one rendered request, retrying as the policy allows; never raises for HTTP."""
        client = self._open()
        body = self._body.render(ctx) if self._body is not None else None
        send, url = self._prepare(client, ctx, body)
        began = time.perf_counter()
        outcomes: list[Outcome] = []
        first_error: str | None = None  # kept when later attempts fail differently
        refused: float | None = None  # a Retry-After longer than target.max_retry_after_s
        last: Attempt
        retries = self._retries
        limit = self._limit
        for n in range(retries + 1):
            if not limit.try_acquire():
                await limit.acquire()
            try:
                last = await self._attempt.run(send, url)
            finally:
                limit.release()
            outcomes.append(last.outcome)
            if last.error is not None and first_error is None:
                first_error = last.error
            if last.outcome == "success":
                limit.on_success()
                break
            if last.outcome == "rate_limited":
                limit.on_throttled(last.started)
            if not last.retryable or n == retries:
                break
            if last.retry_after is not None and last.retry_after > self.cfg.max_retry_after_s:
                refused = last.retry_after
                break
            await self._sleep(self._delay(n, last.retry_after))
        error = None
        if last.error is not None:
            error = self._mask(last.error)
            if refused is not None:
                error += (
                    f"; the server asked to retry after {refused:.0f} s, longer than"
                    f" target.max_retry_after_s ({self.cfg.max_retry_after_s:g} s), so the"
                    " call was not retried"
                )
            if len(set(outcomes)) > 1 and first_error is not None:
                # a cut stream then a refused connection are two stories: tell both
                error += (
                    f" (after {len(outcomes)} attempts: {', '.join(outcomes)};"
                    f" the first failed with: {self._mask(first_error)})"
                )
            elif len(outcomes) > 1:
                error += f" (after {len(outcomes)} attempts)"
        return CallResult(
            outcome=last.outcome,
            response=last.response,
            request=body,
            latency_ms=last.latency_ms,
            attempts=len(outcomes),
            attempt_outcomes=tuple(outcomes),
            status_code=last.status_code,
            error=error,
            elapsed_ms=(time.perf_counter() - began) * 1000.0,
        )

    def _prepare(
        self, client: httpx.AsyncClient, ctx: TemplateContext, body: JSON
    ) -> tuple[Send, httpx.URL]:
        """How to send this call's request (each attempt sends it again), and its URL."""
        url = self._fixed_url
        if url is None:
            url = _url(_text(self._url.render(ctx)), self._query.render(ctx))
        headers = None if self._headers.is_constant else _header_values(self._headers.render(ctx))
        # backslashreplace: a lone surrogate (from a variable that is not UTF-8) is sent as
        # its JSON escape, the same string, instead of ending the run
        content = _dumps(body).encode("utf-8", "backslashreplace") if body is not None else None
        if self._direct is not None:
            direct = self._direct.prepare(None if url is self._fixed_url else url, headers, content)
            if direct is not None:
                return direct
        request = client.build_request(self._method, url, content=content, headers=headers)
        return partial(client.send, request, stream=True), request.url

    def _delay(self, retry_no: int, retry_after: float | None) -> float:
        if retry_after is not None:  # at most target.max_retry_after_s (see call)
            return retry_after
        return backoff_delay(retry_no, self.cfg.backoff_base_s, self.cfg.backoff_max_s, self._rng)

    def _mask(self, text: str) -> str:
        for value in self._masks:
            text = text.replace(value, masking.MASK)
        return masking.scrub(" ".join(text.split()))


_NO_CONTEXT: Any = None  # constant templates never read their context
TRANSPORTS = ("aiohttp", "httpx")


def _has_aiohttp() -> bool:
    try:
        return importlib.util.find_spec("aiohttp") is not None
    except (ImportError, ValueError):  # a broken install, or one blocked in sys.modules
        return False


def _transport(name: str, size: int) -> httpx.AsyncBaseTransport:
    """The HTTP/1.1 transport ``target.transport`` names, with ``size`` connections."""
    if name == "httpx":
        # httpcore's pool costs more per request the more connections it holds; many small
        # pools beat one large one (see target/pools.py)
        return SpreadTransport(size)
    from evalgate.target.aio import AiohttpTransport  # aiohttp is imported on first call only

    return AiohttpTransport(size)


class _Cookies(httpx.Cookies):
    """httpx's cookie jar, skipping the work for the answers that set no cookie.

    httpx hands every response to ``http.cookiejar`` through urllib-shaped copies of the request
    and the response, a tenth of a call's CPU; an answer without ``Set-Cookie`` changes nothing.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


class _Client(httpx.AsyncClient):
    """The target's ``httpx.AsyncClient``: cookies set by the endpoint are kept and sent back,
    as with any httpx client (see :class:`_Cookies`)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._cookies = _Cookies(self._cookies)


def _url(base: str, query: JSON) -> httpx.URL:
    try:
        url = httpx.URL(base)
    except httpx.InvalidURL as e:
        raise ConfigError(f"target.url: {e}; expected http://host[:port]/path") from None
    if url.scheme not in ("http", "https"):
        raise ConfigError(
            f"target.url: '{masking.scrub(base)}' must start with http:// or https://"
        )
    if isinstance(query, Mapping) and query:
        url = url.copy_merge_params({str(k): _text(v) for k, v in query.items() if v is not None})
    return url


def _text(v: JSON) -> str:
    return v if isinstance(v, str) else ("" if v is None else _dumps(v))


def _header_values(rendered: JSON) -> dict[str, str]:
    assert isinstance(rendered, Mapping)
    return {str(k): _text(v) for k, v in rendered.items() if v is not None}


def _header_masks(headers: Mapping[str, str]) -> tuple[str, ...]:
    """Header values (and the token inside ``Bearer <token>``) to mask in error messages."""
    masks: set[str] = set()
    for name, value in headers.items():
        if name.lower() in _PLAIN_HEADERS or not isinstance(value, str) or "{{" in value:
            continue
        if len(value) >= 4:
            masks.add(value)
        masks.update(part for part in value.split() if len(part) >= 8)
    return tuple(sorted(masks, key=len, reverse=True))
