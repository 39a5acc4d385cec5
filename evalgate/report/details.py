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
from typing import Any, cast

from evalgate import results
from evalgate.errors import ConfigError
from evalgate.results import RESULTS_FILE, RESULTS_FORMAT_VERSION, CaseResult
from evalgate.results_check import check_result_line

# the start of a line as ResultsWriter writes it (CaseResult.to_dict's key order)
_HEAD = re.compile(
    rb'\{"format_version":\d+,"case_id":("(?:[^"\\]|\\.)*"),"dataset":"(?:[^"\\]|\\.)*",'
    rb'"repeat":(\d+),'
)
# what only the decoder reads as json.loads does: an escape, or a control character it refuses
_ESCAPED = re.compile(rb"[\\\x00-\x1f]")


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
        for got in self.read_lines(case_ids):
            yield [r if isinstance(r, CaseResult) else CaseResult.from_dict(r) for r in got]

    def read_lines(
        self, case_ids: Iterable[str]
    ) -> Iterator[list[CaseResult] | list[dict[str, Any]]]:
        """:meth:`read`, but a case whose every result is a :func:`plain` line comes as those
        lines' decoded (and checked) objects, not rebuilt as results: what a caller that only
        re-encodes them needs. :func:`CaseResult.from_dict` turns each into the result
        :meth:`read` gives."""
        for raws in self.read_raw(case_ids):
            yield self.resolve(raws)

    def read_raw(self, case_ids: Iterable[str]) -> Iterator[list[tuple[int, bytes]]]:
        """Each case's lines as stored, by repeat (where each starts, its bytes), in the
        order asked: what :meth:`resolve` reads as :meth:`read_lines` does, for a caller
        that can use some lines as they are."""
        with open(self.path, "rb") as f:
            for case_id in case_ids:
                where = self._where.get(case_id) or {}
                lines = []
                for repeat in sorted(where):
                    f.seek(where[repeat])
                    lines.append((where[repeat], f.readline()))
                yield lines

    def resolve(self, raws: list[tuple[int, bytes]]) -> list[CaseResult] | list[dict[str, Any]]:
        """What :meth:`read_lines` gives for a case whose lines :meth:`read_raw` gave."""
        lines = [self._line(raw, offset) for offset, raw in raws]
        if all(isinstance(x, dict) for x in lines):
            return cast("list[dict[str, Any]]", lines)
        out: list[CaseResult] = []
        for x in lines:
            got = CaseResult.from_dict(x) if isinstance(x, dict) else x
            if got is not None and got is not results._TORN:
                out.append(got)
        return out

    def _line(self, raw: bytes, offset: int) -> dict[str, Any] | CaseResult | None:
        """The line ``raw`` (at ``offset``): its object when it is :func:`plain`, else what
        :meth:`_at` reads from it (the same result, the same errors)."""
        if raw.endswith(b"\n"):
            try:
                d = json.loads(raw.decode("utf-8", "replace"))  # as _parse_line decodes it
                if type(d) is dict and d.get("format_version") == RESULTS_FORMAT_VERSION:
                    check_result_line(d)
                    if plain(d):
                        return d
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
                pass  # read again below, where a damaged line is reported
        return self._at(raw, offset)

    def _at(self, raw: bytes, offset: int) -> CaseResult | None:
        line = raw.decode("utf-8", "replace")
        try:
            return results._parse_line(self.path, 0, line)
        except ConfigError:  # damaged: say which line (counted only now, for the message)
            with open(self.path, "rb") as f:
                number = f.read(offset).count(b"\n") + 1
            return results._parse_line(self.path, number, line)


def plain(d: dict[str, Any]) -> bool:
    """Whether a checked result line (see :func:`~evalgate.results_check.check_result_line`)
    is a passing result of one turn that :func:`CaseResult.from_dict` cannot fail on: every
    field it converts has a type the conversion keeps. Anything else is read as a result."""
    if d["status"] != "passed" or d.get("turns"):
        return False
    for s in d.get("scores") or ():
        w = s.get("weight", 1.0)
        if not (type(w) is float or (type(w) is int and w.bit_length() < 1000)):
            return False
        if not isinstance(s.get("reason") or "", str):
            return False
    r = d.get("response")
    if r is None:
        return True
    missing = r.get("missing")
    if missing is not None and not (type(missing) is list and all(type(m) is str for m in missing)):
        return False
    calls = r.get("tool_calls") or ()
    return all(type(t) is dict and type(t.get("name", "")) is str for t in calls)


def _key(raw: bytes) -> tuple[str, int] | None:
    m = _HEAD.match(raw)
    if m is None:
        return None
    quoted = m.group(1)
    try:
        if _ESCAPED.search(quoted) is None:  # as json.loads decodes a string of bytes
            case_id: object = quoted[1:-1].decode("utf-8", "surrogatepass")
        else:
            case_id = json.loads(quoted)
    except ValueError:
        return None
    return (case_id, int(m.group(2))) if isinstance(case_id, str) else None
