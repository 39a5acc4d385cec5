"""The complete results of the cases a report shows in detail, read from ``results.jsonl``
one case at a time.

A run's results are held compact (no requests, no answers). The reports that show requests and
answers find where the wanted results are in one pass over the file, holding a byte offset per
result (the last line written per case and repeat wins, as :func:`~evalgate.results.read_results`
keeps it), and read a case's lines back only when its row is written: the memory is an offset
per shown result, never the results of all the shown cases at once. Lines of cases not shown
are not decoded: their case id and repeat are read from the start of the line, where
``results.jsonl`` writes them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from evalgate import results
from evalgate.errors import ConfigError
from evalgate.results import RESULTS_FILE, CaseResult

# the start of a line as ResultsWriter writes it (CaseResult.to_dict's key order)
_HEAD = re.compile(
    rb'\{"format_version":\d+,"case_id":("(?:[^"\\]|\\.)*"),"dataset":"(?:[^"\\]|\\.)*",'
    rb'"repeat":(\d+),'
)


class Details:
    """Where the complete results of ``case_ids`` are in a results file (see the module)."""

    def __init__(self, path: Path, case_ids: Collection[str]) -> None:
        self.path = path / RESULTS_FILE if path.is_dir() else path
        self._where: dict[str, dict[int, int]] = {}
        with open(self.path, "rb") as f:
            offset = 0
            for i, raw in enumerate(f, start=1):
                key = _key(raw) if raw.endswith(b"\n") else None
                if key is None:  # another layout, a blank or the last line: read it whole
                    r = results._parse_line(self.path, i, raw.decode("utf-8", "replace"))
                    key = None if r is None or r is results._TORN else (r.case_id, r.repeat)
                if key is not None and key[0] in case_ids:
                    self._where.setdefault(key[0], {})[key[1]] = offset
                offset += len(raw)

    def __contains__(self, case_id: str) -> bool:
        return case_id in self._where

    def read(self, case_ids: Iterable[str]) -> Iterator[list[CaseResult]]:
        """Each case's complete results, by repeat ([] for a case not found), in the order
        asked: one open file, a seek per result."""
        with open(self.path, "rb") as f:
            for case_id in case_ids:
                out: list[CaseResult] = []
                where = self._where.get(case_id) or {}
                for repeat in sorted(where):
                    got = self._at(f, where[repeat])
                    if got is not None and got is not results._TORN:
                        out.append(got)
                yield out

    def _at(self, f: BinaryIO, offset: int) -> CaseResult | None:
        f.seek(offset)
        line = f.readline().decode("utf-8", "replace")
        try:
            return results._parse_line(self.path, 0, line)
        except ConfigError:  # damaged: say which line (counted only now, for the message)
            f.seek(0)
            number = f.read(offset).count(b"\n") + 1
            return results._parse_line(self.path, number, line)


def _key(raw: bytes) -> tuple[str, int] | None:
    m = _HEAD.match(raw)
    if m is None:
        return None
    try:
        case_id = json.loads(m.group(1))
    except ValueError:
        return None
    return (case_id, int(m.group(2))) if isinstance(case_id, str) else None
