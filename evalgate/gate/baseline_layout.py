"""A baseline file in the layout evalgate writes, read a piece at a time.

``BaselineStore.save`` writes a baseline as ``json.dump(doc, indent=2, sort_keys=True)``
would (``fsutil.atomic_write_json``): ``{``, then each top-level entry on a line of its own
indented by two spaces, the ``cases`` object with each case's entry indented by four and
closed by a line ``    }``, and a newline after the closing ``}``. JSON strings hold no raw
newline, so in that layout the line ``    }`` ends a case, and ``,\\n  "`` or ``\\n}`` ends a
top-level value.

:func:`read_laid_out` reads such a file a piece at a time (a window of about
:data:`CHUNK` characters beyond the case being read): the two outer objects are followed
here, token by token, and every value in them is parsed by the JSON decoder itself, with the
same hooks as the whole text (``raw_decode`` at its place in the window, which holds the
value and the characters the decoder looks at after it). A file in any other layout, or with
anything the whole read would refuse or read differently (a case that is not sound, keys out
of order or twice, a case's shape elsewhere, another encoding error), gives None: the caller
then reads it whole, so what it holds and every message are those of the whole read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TextIO

from evalgate.gate.baseline_check import Checked

CHUNK = 1 << 16  # characters read at a time
_LINE_END = re.compile("\n")
_TOP_END = re.compile(',\n  "|\n}')  # what follows a top-level value
_CASE_END = re.compile("\n    }")  # the line that closes a case
_DEEPEST = 4  # levels a written top-level value has at most (``answers_dropped``: 2)

Entry = Callable[[list[tuple[str, Any]]], Any]


class Cases(Protocol):
    """What the ``cases`` object is made into: each case given as it is read (keys in
    sorted order, each once), then what the decoder's hook would make of the whole object."""

    def add(self, key: str, value: Checked) -> None: ...

    def done(self) -> Any: ...


class _NotLaidOut(Exception):
    """The file is not in the layout evalgate writes: it is read whole."""


class _Window:
    """The file's text read on demand: ``buf[pos:]`` is the part read and not yet taken."""

    def __init__(self, f: TextIO) -> None:
        self._f = f
        self.buf = ""
        self.pos = 0
        self.eof = False

    def _more(self) -> bool:
        """Read the next piece, dropping what was taken; False at the end of the file."""
        chunk = "" if self.eof else self._f.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def upto(self, pattern: re.Pattern[str], after: int) -> int:
        """Where ``pattern`` is next found from ``pos``, reading on until it is found with
        ``after`` more characters read beyond it (or the file ends)."""
        start = self.pos
        while True:
            m = pattern.search(self.buf, start)
            if m is not None and (self.eof or len(self.buf) - m.end() >= after):
                return m.start()
            # searched up to here: a match may begin in the last few characters
            start = m.start() if m is not None else max(self.pos, len(self.buf) - 8)
            dropped = self.pos
            if not self._more():
                if m is None:
                    raise _NotLaidOut
                return m.start()
            start -= dropped  # what was taken is dropped: positions moved back by it

    def take(self, text: str) -> bool:
        """Take ``text`` if the unread text starts with it."""
        while len(self.buf) - self.pos < len(text) and self._more():
            pass
        if self.buf.startswith(text, self.pos):
            self.pos += len(text)
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.take(text):
            raise _NotLaidOut

    def key(self, decoder: json.JSONDecoder, prev: str | None, limit: int) -> str:
        """The key at ``pos`` (a string, decoded as the decoder decodes an object's keys),
        and the ``": "`` after it; keys come in sorted order, each once, as written."""
        if not self.buf.startswith('"', self.pos):
            raise _NotLaidOut
        key, end = decoder.raw_decode(self.buf, self.pos)
        if not isinstance(key, str) or end > limit or (prev is not None and key <= prev):
            raise _NotLaidOut
        self.pos = end
        self.expect(": ")
        return key


def _depth(v: Any) -> int:
    if isinstance(v, dict):
        return 1 + max(map(_depth, v.values()), default=0)
    if isinstance(v, list):
        return 1 + max(map(_depth, v), default=0)
    return 0


def _cases(w: _Window, decoder: json.JSONDecoder, cases: Cases) -> Any:
    """The ``cases`` object, its ``{`` taken: each case decoded in the window holding it and
    handed to ``cases`` (no dict of every case is made here)."""
    prev: str | None = None
    while True:
        w.expect("\n    ")
        close = w.upto(_CASE_END, 8)  # the case's last line and what follows it
        prev = w.key(decoder, prev, close)
        value, end = decoder.raw_decode(w.buf, w.pos)
        if end != close + len("\n    }") or not isinstance(value, Checked):
            raise _NotLaidOut  # ended elsewhere, or a case the whole read reports
        cases.add(prev, value)
        w.pos = end
        if not w.take(","):
            w.expect("\n  }")
            return cases.done()


def read_laid_out(
    path: Path, decoder: json.JSONDecoder, entry: Entry, cases: Cases
) -> dict[str, Any] | None:
    """The document of the baseline file at ``path``, as ``decoder.decode`` of its whole text
    gives it, when the file is in the layout evalgate writes and every case is sound (a
    :class:`Checked`); None otherwise. ``entry`` is the decoder's ``object_pairs_hook``;
    ``cases`` makes the ``cases`` object of its entries, given one at a time."""
    try:
        with path.open(encoding="utf-8") as f:  # decoded as Path.read_text decodes
            w = _Window(f)
            w.expect("{")
            pairs: list[tuple[str, Any]] = []
            prev: str | None = None
            while True:
                w.expect("\n  ")
                prev = w.key(decoder, prev, w.upto(_LINE_END, 0))
                if prev == "cases":
                    w.expect("{")
                    value = _cases(w, decoder, cases)
                else:
                    close = w.upto(_TOP_END, 1)
                    value, end = decoder.raw_decode(w.buf, w.pos)
                    if end != close or _depth(value) > _DEEPEST:
                        raise _NotLaidOut  # ended elsewhere; or nested as no file written
                    w.pos = end
                pairs.append((prev, value))
                if not w.take(","):
                    break
            w.expect("\n}\n")
            if w.pos < len(w.buf) or w._more():
                raise _NotLaidOut  # more after it (whitespace is read whole)
            data = entry(pairs)
    except (_NotLaidOut, OSError, ValueError, RecursionError):
        return None  # the whole read reads it, or refuses it with its own message
    return data if isinstance(data, dict) and "cases" in data else None
