"""One writer per run folder: an advisory lock on ``.evalgate.lock`` inside it.

``run`` and ``run --resume`` hold the lock (``fcntl.flock``, exclusive) from the moment they
choose the folder until the summary is written. The kernel releases it when the process ends,
however it ends, so ``kill -9`` followed by ``--resume`` works. Commands that read a stored run
(``merge``, ``rescore``, ``compare``, ``report``, ``baseline record``) refuse a folder whose
lock is held: its files are still being written. Where ``fcntl`` does not exist (Windows), or
the file system does not support locks, folders are not locked.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from evalgate.errors import UsageError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = ".evalgate.lock"


def _busy(run_dir: Path, doing: str) -> UsageError:
    return UsageError(f"{run_dir}: another evalgate process is using this run folder; {doing}")


@contextlib.contextmanager
def hold_run_dir(run_dir: Path) -> Iterator[None]:
    """Hold the folder's lock for the ``with`` block; exit 2 if another process holds it."""
    if fcntl is None:  # pragma: no cover - not on POSIX
        yield
        return
    try:
        fd = os.open(run_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise UsageError(
            f"{run_dir}: cannot lock the run folder ({exc.strerror or exc});"
            " choose a folder you can write to (--out)"
        ) from None
    try:
        locked = True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(run_dir, "wait for it to finish, or choose another --out folder") from None
        except OSError:  # a file system without locks (some network mounts): run unlocked
            locked = False
        if locked:  # who holds it, for a human looking at the folder
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock


def ensure_idle(run_dir: Path) -> None:
    """Refuse (exit 2) to read a run folder that a run is still writing."""
    if fcntl is None:  # pragma: no cover - not on POSIX
        return
    try:
        fd = os.open(run_dir / LOCK_FILE, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return  # never locked (an older run, or a copy without the lock file)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        raise _busy(
            run_dir, "its results are still being written; wait for that run to finish"
        ) from None
    except OSError:
        pass  # a file system without locks: nothing to tell
    finally:
        os.close(fd)
