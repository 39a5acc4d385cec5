"""Attempt deadlines of one length, kept by one timer per client instead of one per attempt.

``target.timeout_s`` is the same for every attempt of a client, so attempts fall due in the
order they start: each waits in a queue, and a single timer, set for the oldest unfinished
one, cancels each attempt's task as its deadline passes, as ``loop.call_later`` would. An
attempt then costs a queue entry, not a timer of its own (a handle with a copy of the context,
a heap entry, and that entry's removal once cancelled).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

# asyncio runs a timer once the clock is within its resolution of the time set
_RESOLUTION = time.get_clock_info("monotonic").resolution


class Deadline:
    """One attempt's deadline: ``expired`` once it has passed and cancelled the task."""

    __slots__ = ("done", "expired", "task", "when")

    def __init__(self, when: float, task: asyncio.Task[Any]) -> None:
        self.when = when
        self.task: asyncio.Task[Any] | None = task
        self.expired = False
        self.done = False  # the attempt has ended; the deadline no longer applies


class Deadlines:
    """The deadlines, ``seconds`` after each start, of the attempts on one event loop."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._queue: deque[Deadline] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None

    def start(self, task: asyncio.Task[Any]) -> Deadline:
        """A deadline ``seconds`` from now that cancels ``task`` unless ended first."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop: the old one's timer and queue are gone
            self._loop, self._queue, self._timer = loop, deque(), None
        queue = self._queue
        while queue and queue[0].done:
            queue.popleft()
        deadline = Deadline(loop.time() + self.seconds, task)
        queue.append(deadline)
        if self._timer is None:
            self._timer = loop.call_at(queue[0].when, self._expire, loop)
        return deadline

    @staticmethod
    def end(deadline: Deadline) -> None:
        """The attempt has ended: its deadline will cancel nothing."""
        deadline.done = True
        deadline.task = None  # nothing of a finished task is held while the queue waits

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:  # set on a loop since left
            return
        self._timer = None
        queue = self._queue
        now = loop.time() + _RESOLUTION
        while queue:
            deadline = queue[0]
            if not deadline.done:
                if deadline.when > now:
                    self._timer = loop.call_at(deadline.when, self._expire, loop)
                    return
                task = deadline.task
                assert task is not None
                deadline.expired = True
                task.cancel()
            queue.popleft()

    @property
    def waiting(self) -> int:
        """Deadlines queued (ended ones included until they reach the front)."""
        return len(self._queue)
