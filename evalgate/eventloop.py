"""The event loop a run's target calls run on: asyncio's own, or uvloop where it is installed.

uvloop (the optional extra ``fast``; not on Windows) runs the loop, its
sockets and timers in C, which takes a few percent off the CPU a run spends per case. What
uses it is decided by ``EVALGATE_EVENT_LOOP``:

- unset or ``auto``: the ``evalgate`` command's runs use uvloop when it can be imported, and
  asyncio's loop otherwise; the Python API and the pytest plugin make their loop as asyncio
  does (so a caller's event loop policy, ``uvloop.install()`` included, is kept);
- ``uvloop``: every run uses uvloop (a usage error, exit 2, when it is not installed);
- ``asyncio``: every run makes its loop as asyncio does, the command's too.

Nothing else changes with the loop: the same calls, timeouts, retries, interrupts and results.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command imports this module at start-up: nothing heavy here
    import asyncio

ENV = "EVALGATE_EVENT_LOOP"
CHOICES = ("auto", "uvloop", "asyncio")

LoopFactory = Callable[[], "asyncio.AbstractEventLoop"]

_command = False  # this process is the evalgate command (cli/process.py)


def command_process() -> None:
    """This process runs the ``evalgate`` command: ``auto`` means uvloop where installed."""
    global _command
    _command = True


def loop_factory() -> LoopFactory | None:
    """The loop a run makes (for ``asyncio.Runner``); None: as asyncio makes it."""
    from evalgate.errors import UsageError

    choice = os.environ.get(ENV, "").strip().lower() or "auto"
    if choice not in CHOICES:
        raise UsageError(
            f"{ENV}: unknown value '{choice[:40]}'; use auto, uvloop or asyncio (or leave it unset)"
        )
    if choice == "asyncio" or (choice == "auto" and not _command):
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "auto":
            return None
        from evalgate.install import install_line

        raise UsageError(
            f"{ENV}=uvloop, but uvloop is not installed: install the fast extra"
            f" ({install_line('fast')}), or unset {ENV}"
        ) from None
    factory: LoopFactory = uvloop.new_event_loop
    return factory


def name(loop: asyncio.AbstractEventLoop) -> str:
    """``uvloop`` or ``asyncio``: which kind of loop ``loop`` is (for tests and --debug)."""
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
