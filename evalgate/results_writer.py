"""Appending results to a run's ``results.jsonl``, in batches that lose little on a kill."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from evalgate import masking
from evalgate.results import RESULTS_FILE, CaseResult
from evalgate.results_line import ResultLines, encode_line
from evalgate.textsafe import ENCODE_ERRORS

# results.jsonl is written in batches: a kill -9 loses at most the results finished since the
# last flush, which is at most FLUSH_LINES lines and, while the run goes on, about FLUSH_S
# seconds old (the runner calls ``flush_due`` between results and on a timer)
FLUSH_S = 1.0
FLUSH_LINES = 100
# the file's buffer: a batch larger than it reaches the file in a few writes instead of one
# (a few microseconds each), while a larger buffer is held to the run's end (at 256 KiB, a
# quarter of what copying a run of 400 results held at its peak)
_BUFFER = 1 << 16

__all__ = ["FLUSH_LINES", "FLUSH_S", "ResultsWriter", "encode_line"]


class ResultsWriter:
    """Appends results to ``results.jsonl``, one line each, flushed at least every
    :data:`FLUSH_S` seconds or :data:`FLUSH_LINES` lines, and on close.

    ``keep`` receives each result as written to disk (with secrets masked), so a caller can
    hold what it needs without reading the file back.
    """

    def __init__(self, run_dir: Path, keep: Callable[[CaseResult], object] | None = None) -> None:
        run_dir.mkdir(parents=True, exist_ok=True)
        self.path = run_dir / RESULTS_FILE
        self._keep = keep
        self._lines = ResultLines()
        self._pending = 0
        self._since = time.monotonic()
        self._f: IO[str] = open(  # noqa: SIM115
            self.path, "a", encoding="utf-8", errors=ENCODE_ERRORS, buffering=_BUFFER
        )

    def write(self, result: CaseResult) -> None:
        line = self._lines.line(result)  # encode_line(result.to_dict())
        # requests may carry ${VAR} values and answers may echo headers: mask them on disk.
        # A secret inside any string shows in the serialised line (JSON-escaped forms are
        # registered too), so one search over the line rules most lines out; a line that
        # holds one is masked string by string (a form found in a number, a key's quotes or
        # across two strings is no secret there and leaves the line as it is)
        if masking.found_in(line):
            masked = masking.scrub_obj(result.to_dict())
            scrubbed = encode_line(masked)
            if scrubbed != line:
                line = scrubbed
                result = CaseResult.from_dict(masked)  # what the line now says, kept masked
        self._f.write(line + "\n")
        self._pending += 1
        if self._keep is not None:
            self._keep(result)
        self.flush_due()

    def flush_due(self) -> None:
        """Flush when :data:`FLUSH_LINES` lines wait or the oldest waited :data:`FLUSH_S`."""
        if not self._pending:
            self._since = time.monotonic()
            return
        if self._pending >= FLUSH_LINES or time.monotonic() - self._since >= FLUSH_S:
            self.flush()

    def flush(self) -> None:
        self._f.flush()
        self._pending = 0
        self._since = time.monotonic()

    def close(self) -> None:
        self._f.close()
        self._pending = 0

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
