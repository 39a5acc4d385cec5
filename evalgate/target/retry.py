"""Retry policy: which outcomes retry, how long to wait, and adaptive concurrency on 429."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import deque
from email.utils import parsedate_to_datetime

RETRYABLE = frozenset({"timeout", "rate_limited", "connection_error", "server_error"})


def backoff_delay(attempt: int, base_s: float, max_s: float, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(max_s, base_s * 2**attempt)] for retry number ``attempt``
    (0 for the first retry), so many clients that failed together do not retry together."""
    ceiling = min(max_s, base_s * (2.0 ** min(attempt, 62)))
    return rng.uniform(0.0, max(0.0, ceiling))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


class AdaptiveLimit:
    """AIMD limit on calls in flight: halve on 429, grow by about one per window of successes.

    A cut happens at most once per round trip: only a 429 to a request that started after the
    previous cut counts, so a burst of 429s answering the same wave halves the limit once.
    """

    def __init__(self, maximum: int) -> None:
        self.maximum = max(1, maximum)
        self.limit = float(self.maximum)
        self.in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._last_cut = -math.inf

    @property
    def allowed(self) -> int:
        """Calls allowed in flight right now."""
        return max(1, int(self.limit))

    def try_acquire(self) -> bool:
        """Take a slot if one is free now (no waiting, no coroutine); False if none is."""
        if self.in_flight < self.allowed and not self._waiters:
            self.in_flight += 1
            return True
        return False

    async def acquire(self) -> None:
        if self.try_acquire():
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # the slot was handed over just as we were cancelled
            elif fut in self._waiters:  # _wake may already have dropped it (cancelled)
                self._waiters.remove(fut)
            raise

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.allowed:
            fut = self._waiters.popleft()
            if not fut.done():
                self.in_flight += 1
                fut.set_result(None)

    def on_success(self) -> None:
        if self.limit < self.maximum:
            self.limit = min(float(self.maximum), self.limit + 1.0 / self.limit)
            self._wake()

    def on_throttled(self, started_at: float) -> None:
        """A 429 answered a request sent at ``started_at`` (time.perf_counter())."""
        if started_at >= self._last_cut:
            self.limit = max(1.0, self.limit / 2.0)
            self._last_cut = time.perf_counter()
