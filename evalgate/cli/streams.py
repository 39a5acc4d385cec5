"""The standard streams as evalgate writes to them: secrets masked, every string encodable.

:func:`guarded_streams` wraps ``sys.stdout`` and ``sys.stderr`` for the duration of a command,
so that whatever a command, a reporter or a library prints passes through
:func:`evalgate.masking.scrub`, and a character the stream cannot encode (a lone surrogate from
an answer, a byte of a file name that is not UTF-8) is written as its backslash escape instead
of ending the run.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from evalgate import masking
from evalgate.textsafe import ENCODE_ERRORS


class ScrubbingStream:
    """A text stream that masks secrets in everything written to the stream it wraps."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    @property
    def inner(self) -> TextIO:
        return self._inner

    def write(self, text: str) -> int:
        self._inner.write(masking.scrub(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _safe_encoding(stream: TextIO) -> None:
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(Exception):  # a stream that cannot change keeps its errors
            reconfigure(errors=ENCODE_ERRORS)


@contextlib.contextmanager
def guarded_streams() -> Iterator[None]:
    """Wrap stdout and stderr (see the module docstring); restore them afterwards."""
    saved = sys.stdout, sys.stderr
    for stream in saved:
        _safe_encoding(stream)
    if not isinstance(sys.stdout, ScrubbingStream):
        sys.stdout = ScrubbingStream(sys.stdout)
    if not isinstance(sys.stderr, ScrubbingStream):
        sys.stderr = ScrubbingStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
