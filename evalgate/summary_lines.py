"""A large ``summary.json`` parsed a line at a time, for :mod:`evalgate.summary_outline`.

Reading the file whole held its text twice at once (the bytes read and the text decoded from
them: at 100,000 cases some 70 MB) before a single entry was parsed. The summary evalgate
writes (:func:`evalgate.fsutil.atomic_write_wide_json`) has one per-case entry per line: a
figures entry under ``cases``, a delta under ``verdict.deltas``. :func:`parse_by_lines` reads
the file a line at a time, parses each such entry on its own with the reader's hook, and
where the hook makes it a placeholder, puts a short marker in its place; the document left
(the outline, a small fraction of the file) is then parsed whole, and each marker becomes
its placeholder again.

The result is the document the whole file parses to, or None: whenever anything is not as
evalgate writes it (a line the layout does not explain, a carriage return, text that is not
UTF-8, a marker found anywhere but where it was put, a document left that does not parse),
the caller reads the file whole, as before, so every file is refused with the same message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

# what stands for a sound entry in the document left (one character: the parser makes no
# new object for it); the same text in the file itself is caught by counting, and the file
# is read whole
_CASE_MARK = "\x00"
_DELTA_MARK = "\x01"
_CASE_TEXT = json.dumps(_CASE_MARK)
_DELTA_TEXT = json.dumps(_DELTA_MARK)

_CASES_OPEN = b'  "cases": {\n'
_VERDICT_OPEN = b'  "verdict": {\n'
_DELTAS_OPEN = b'    "deltas": [\n'
_CASE_PAD = "    "
_DELTA_PAD = "      "
_CASE_START = b'    "'
_DELTA_START = b"      {"

Hook = Callable[[list[tuple[str, Any]]], Any]
Scan = Callable[[str, int], tuple[Any, int]]


def parse_by_lines(
    path: Path, hook: Hook, case: object, delta: object | None
) -> dict[str, Any] | None:
    """The document ``json.loads(text, object_pairs_hook=hook)`` gives for this file, where
    each entry ``hook`` makes ``case`` (a figures entry) or ``delta`` (a verdict's delta;
    None: deltas are parsed in place) is that same object; None when the file must be read
    whole (see the module's docstring)."""
    # the parser json.loads(text, object_pairs_hook=hook) uses, a value at a given place
    scan: Scan = json.JSONDecoder(object_pairs_hook=hook).scan_once  # type: ignore[attr-defined]
    left = bytearray()  # the document left, as it is in the file
    put = {"case": 0, "delta": 0}
    section = b""  # b"cases", b"verdict", b"deltas": where the line read is
    try:
        with open(path, "rb") as f:
            for raw in f:
                if b"\r" in raw:
                    return None
                if section == b"cases" and raw.startswith(_CASE_START):
                    raw = _case_line(raw, scan, case, put)
                elif section == b"deltas" and delta is not None and raw.startswith(_DELTA_START):
                    raw = _delta_line(raw, scan, delta, put)
                elif raw.startswith(b'  "'):
                    section = b"cases" if raw == _CASES_OPEN else b"verdict"
                    section = section if raw in (_CASES_OPEN, _VERDICT_OPEN) else b""
                elif section in (b"verdict", b"deltas") and raw.startswith(b'    "'):
                    section = b"deltas" if raw == _DELTAS_OPEN else b"verdict"
                left += raw
        text = left.decode("utf-8")
        del left
        marks = 0  # case markers among the members of every object, a duplicate's too

        def counting(pairs: list[tuple[str, Any]]) -> Any:
            nonlocal marks
            marks += sum(1 for _, v in pairs if v == _CASE_MARK)
            return hook(pairs)

        data = json.loads(text, object_pairs_hook=counting)
        del text
        if marks != put["case"] or not isinstance(data, dict):
            return None
        if not _restore(data, case, delta, put):
            return None
    except (OSError, ValueError, RecursionError):
        return None
    return data


def _case_line(raw: bytes, scan: Scan, case: object, put: dict[str, int]) -> bytes:
    """A ``cases`` member's line, its value a marker when the hook makes it ``case``."""
    try:
        line = raw.decode("utf-8")
        key, end = scan(line, len(_CASE_PAD))
        if type(key) is not str or line[end : end + 2] != ": ":
            return raw
        parsed, stop = scan(line, end + 2)
    except (StopIteration, ValueError, RecursionError):
        return raw
    comma = line[stop:]
    if parsed is not case or comma not in (",\n", "\n"):
        return raw
    put["case"] += 1
    return f"{line[: end + 2]}{_CASE_TEXT}{comma}".encode()


def _delta_line(raw: bytes, scan: Scan, delta: object, put: dict[str, int]) -> bytes:
    """A line of ``verdict.deltas``: a marker when the hook makes it ``delta``."""
    try:
        line = raw.decode("utf-8")
        parsed, stop = scan(line, len(_DELTA_PAD))
    except (StopIteration, ValueError, RecursionError):
        return raw
    comma = line[stop:]
    if parsed is not delta or comma not in (",\n", "\n"):
        return raw
    put["delta"] += 1
    return f"{_DELTA_PAD}{_DELTA_TEXT}{comma}".encode()


def _restore(data: dict[str, Any], case: object, delta: object | None, put: dict[str, int]) -> bool:
    """Each marker back to its placeholder; False unless the cases' values and the deltas'
    items hold exactly the markers the lines put (as the objects' members held exactly as
    many case markers: none came from the file, none was overwritten by a duplicate key)."""
    if put["case"]:
        cases = data.get("cases")
        if not isinstance(cases, dict):
            return False
        marked = [k for k, v in cases.items() if v == _CASE_MARK]
        if len(marked) != put["case"]:
            return False
        for k in marked:
            cases[k] = case
    if put["delta"]:
        verdict = data.get("verdict")
        deltas = verdict.get("deltas") if isinstance(verdict, dict) else None
        if not isinstance(deltas, list):
            return False
        at = [i for i, v in enumerate(deltas) if v == _DELTA_MARK]
        if len(at) != put["delta"]:
            return False
        for i in at:
            deltas[i] = delta
    return True


__all__ = ["parse_by_lines"]
