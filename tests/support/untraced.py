"""Repetition studies without coverage's tracing.

A simulation that runs the same gate code for hundreds of simulated pull requests measures a
rate; under ``coverage run`` (the README's test command) every line of it is traced, which makes
such a test several times slower without measuring anything new: one traced pass over the same
code (a small test beside it) records the same lines and branches. :func:`untraced` pauses the
running measurement for the block and resumes it; without coverage it does nothing.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator


@contextlib.contextmanager
def untraced() -> Iterator[None]:
    try:
        from coverage import Coverage
        from coverage.exceptions import CoverageWarning
    except ImportError:  # pragma: no cover - coverage is in the dev extra
        yield
        return
    current = Coverage.current()
    if current is None:
        yield
        return
    current.stop()
    try:
        yield
    finally:
        with warnings.catch_warnings():  # "already imported": known, it was measuring them
            warnings.simplefilter("ignore", CoverageWarning)
            current.start()
