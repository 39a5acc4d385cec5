"""Plugin code (custom scorers) runs here, and here Ctrl-C and SIGTERM end a run.

A custom scorer is code evalgate does not control. :func:`call` runs it so that it cannot
switch the gate off or hang it:

- anything it raises, ``BaseException`` included (``sys.exit()``, ``GeneratorExit``, a stray
  ``KeyboardInterrupt``), comes back as :class:`PluginFailed`, never as evalgate's own exit;
- it runs under a time limit: at the deadline an exception is raised into it (``SIGALRM``),
  and again every 50 ms while it keeps running; a call past its deadline is a failure even
  if the code swallowed the exception and returned;
- what it writes to stdout (``print``, ``sys.stdout``, file descriptor 1, child processes)
  goes to stderr, so ``--json`` output stays parseable;
- a real Ctrl-C or SIGTERM is not a plugin error: it propagates, and a run ends with what
  finished kept. Plugin code that swallows the interrupt for 2 s more, or a second signal while
  it runs, ends the process at once (exit 130, or 2 after a time limit) so a signal always ends
  a run. SIGINT/SIGTERM handlers that plugin code replaces are put back after it returns.

Time limits and redirection need the main thread (signals are delivered there); elsewhere
:func:`call` only turns exceptions into :class:`PluginFailed`. Without ``setitimer``
(Windows) there is no time limit.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_TIME_LIMIT_S = 30.0
"""Default ``scorer_timeout_s``: the time one scorer call (or one plugin import) may take."""

_HAS_ALARM = hasattr(signal, "setitimer")  # not on Windows: no time limit there
_HAMMER_S = 0.05  # after the deadline, raise into the plugin again this often
_GRACE_S = 2.0  # how long plugin code may swallow those before the process ends


class PluginFailed(Exception):
    """Plugin code raised ``exc`` or ran past its time limit (``timed_out``; ``exc``, if set,
    was raised where it was when time ran out)."""

    def __init__(self, exc: BaseException | None, timed_out: bool, limit: float | None) -> None:
        super().__init__("timed out" if timed_out else type(exc).__name__)
        self.exc = exc
        self.timed_out = timed_out
        self.limit = limit


class _TimeLimit(BaseException):
    """Raised into plugin code at its deadline (not an Exception: ``except Exception`` misses)."""


@dataclass
class _State:
    active: bool = False  # plugin code is running on the main thread right now
    timed: bool = False  # ... under a time limit (our SIGALRM handler is installed)
    expired: bool = False  # the current call passed its deadline
    fires: int = 0  # alarms raised into the current call after its deadline or a signal
    signal: int | None = None  # a real SIGINT/SIGTERM this process received
    interrupt: type[BaseException] = KeyboardInterrupt  # what a signal raises into plugin code


_st = _State()


def in_plugin() -> bool:
    return _st.active


def interrupted() -> bool:
    """A real SIGINT or SIGTERM arrived (since :func:`reset`)."""
    return _st.signal is not None


def reset() -> None:
    """Forget a received signal (the start of a command; tests)."""
    _st.signal = None
    _st.interrupt = KeyboardInterrupt


def set_interrupt(kind: type[BaseException]) -> type[BaseException]:
    """Choose what a signal raises into plugin code (a run: ``CancelledError``); returns the old."""
    old, _st.interrupt = _st.interrupt, kind
    return old


def on_signal(signum: int) -> None:
    """Record a real signal; raise it into plugin code when some is running.

    Called from every SIGINT/SIGTERM handler evalgate installs. A second signal while plugin
    code still runs (it swallowed the first) ends the process at once.
    """
    again = _st.signal is not None
    _st.signal = signum
    if not _st.active:
        return
    if again:
        _hard_exit("a second interrupt while a custom scorer was still running", 130)
    if _st.timed:
        _arm(_HAMMER_S, _HAMMER_S)  # keep raising until the plugin lets go (or the grace ends)
    raise _st.interrupt()


def keyboard_interrupt(signum: int, frame: Any) -> None:
    """A SIGINT/SIGTERM handler for commands without an event loop: KeyboardInterrupt (130)."""
    on_signal(signum)
    raise KeyboardInterrupt


def install_interrupts() -> Callable[[], None]:
    """Make SIGINT and SIGTERM raise KeyboardInterrupt; returns a function restoring the old."""
    return install_handlers(keyboard_interrupt)


def install_handlers(handler: Callable[[int, Any], None]) -> Callable[[], None]:
    """Install ``handler`` for SIGINT and SIGTERM (main thread only); returns the undo.

    The undo also forgets a signal received meanwhile: it was handled (the command or run it
    interrupted is over), and later plugin calls in this process must not see it.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        _st.signal = None
        for sig, h in old.items():
            if h is not None:  # None: a handler not set from Python, which cannot be put back
                signal.signal(sig, h)

    return restore


def _hard_exit(why: str, code: int) -> None:
    try:
        sys.stderr.write(f"error: {why}; stopping now (finished results are kept)\n")
        sys.stderr.flush()
    finally:
        os._exit(code)


def _on_alarm(signum: int, frame: Any) -> None:
    _st.expired = True
    if not _st.active:
        return
    _st.fires += 1
    if _st.fires * _HAMMER_S > _GRACE_S:
        if interrupted():
            _hard_exit("a custom scorer ignored the interrupt", 130)
        _hard_exit("a custom scorer ignored its time limit (scorer_timeout_s)", 2)
    if interrupted():
        raise _st.interrupt()
    raise _TimeLimit


def _arm(delay: float, interval: float = 0.0) -> None:
    signal.setitimer(signal.ITIMER_REAL, delay, interval)


def call(fn: Callable[[], T], limit: float | None) -> T:
    """Run plugin code ``fn()`` under ``limit`` seconds (None or 0: no limit); see the module.

    Raises :class:`PluginFailed` for anything ``fn`` raised and for a timeout, and re-raises
    the interrupt when a real signal arrived meanwhile (or before: then ``fn`` is not run).
    """
    if _st.active or threading.current_thread() is not threading.main_thread():
        return _call_plain(fn, limit)  # nested in plugin code, or no signals here
    if _st.signal is not None:  # interrupted: no more plugin code starts
        raise _st.interrupt()
    timed = limit is not None and limit > 0 and _HAS_ALARM
    with contextlib.suppress(OSError, ValueError):  # a closed stdout: nothing to keep in order
        sys.stdout.flush()
    saved_out = sys.stdout
    saved_fd: int | None = None
    handlers = _interrupt_handlers()
    old_handler: Any = None
    old_timer = (0.0, 0.0)
    started = 0.0
    caught: BaseException | None = None
    value: Any = None
    try:
        saved_fd = _redirect_fd()
        sys.stdout = sys.stderr
        if timed:
            assert limit is not None
            old_handler = _take_alarm()
            started = time.monotonic()
            old_timer = signal.setitimer(signal.ITIMER_REAL, limit, _HAMMER_S)
        _st.expired = False
        _st.fires = 0
        _st.timed = timed
        try:
            _st.active = True
            value = fn()
        finally:
            _st.active = False
    except BaseException as exc:  # plugin code: anything at all, sorted out below
        caught = exc
    finally:
        if timed:
            _arm(0.0)
            _st.timed = False
            if old_handler is not None:
                signal.signal(signal.SIGALRM, old_handler)
            if old_timer[0] > 0:  # someone else's alarm (a test runner's): put it back
                left = old_timer[0] - (time.monotonic() - started)
                _arm(max(left, 1e-6), old_timer[1])
        sys.stdout = saved_out
        _restore_fd(saved_fd)
        _put_back(handlers)
    if interrupted() and (caught is not None or _st.fires):
        raise _st.interrupt() from None
    if timed and (_st.expired or isinstance(caught, _TimeLimit)):
        # the _TimeLimit's traceback shows where the code was when its time ran out
        raise PluginFailed(caught if isinstance(caught, _TimeLimit) else None, True, limit)
    if caught is not None:
        raise PluginFailed(caught, False, limit) from None
    return value  # type: ignore[no-any-return]


_INTERRUPTS = (signal.SIGINT, signal.SIGTERM)
# signal.getsignal wraps the C function to return enums, at 50 times its cost: this is the hot
# path of every custom scorer call, so ask the C module (SIG_DFL/SIG_IGN come back as ints)
_getsignal: Callable[[int], Any] = getattr(
    importlib.import_module("_signal"), "getsignal", signal.getsignal
)


def _interrupt_handlers() -> tuple[Any, ...]:
    return (_getsignal(signal.SIGINT), _getsignal(signal.SIGTERM))


def _put_back(handlers: tuple[Any, ...]) -> None:
    """Undo plugin code (or a library it imported) replacing the SIGINT/SIGTERM handlers."""
    for sig, h in zip(_INTERRUPTS, handlers, strict=True):
        if h is not None and _getsignal(sig) != h:
            signal.signal(sig, h)


def _take_alarm() -> Any:
    """Install the SIGALRM handler; returns the handler to put back after the call, if any.

    Nobody else's (the default): ours stays installed, inert outside plugin calls, which
    saves two ``signal.signal`` calls per scorer call.
    """
    current = _getsignal(signal.SIGALRM)
    if current is _on_alarm:
        return None
    signal.signal(signal.SIGALRM, _on_alarm)
    return None if current is None or current == signal.SIG_DFL else current


def _call_plain(fn: Callable[[], T], limit: float | None) -> T:
    try:
        return fn()
    except _TimeLimit:
        raise  # the outer call's deadline: it reports the timeout
    except BaseException as exc:
        if interrupted():
            raise
        raise PluginFailed(exc, False, limit) from None


def _redirect_fd() -> int | None:
    """Point file descriptor 1 at stderr; returns a copy of the old one (None: not possible)."""
    try:
        saved = os.dup(1)
    except OSError:
        return None
    try:
        os.dup2(2, 1)
    except OSError:
        os.close(saved)
        return None
    return saved


def _restore_fd(saved: int | None) -> None:
    if saved is None:
        return
    try:
        os.dup2(saved, 1)
    finally:
        os.close(saved)


def describe(exc: BaseException) -> str:
    """``Type: message`` of a plugin's exception; its ``__str__`` is plugin code too."""
    name = type(exc).__name__
    try:
        text = call(lambda: str(exc), 1.0)
    except PluginFailed:
        return f"{name} (its message could not be shown)"
    if not isinstance(text, str):
        return name
    text = text if len(text) <= 500 else text[:500] + "..."
    return f"{name}: {text}" if text else name
