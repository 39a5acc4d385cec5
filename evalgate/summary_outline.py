"""``summary.json`` read for its outline: everything but the per-case entries.

A summary holds one figures entry per case and, when gated, one delta per case: at 100,000
cases most of the file, and several times its size once read as dicts. The commands that only
need a stored run's metadata, totals and verdict status (``merge``, ``rescore``, ``compare``,
``baseline record``) read it with :func:`read_outline`, which refuses exactly what
:meth:`RunSummary.read <evalgate.run_summary.RunSummary.read>` refuses, with the same message,
but never holds the entries: each one is checked as the parser meets it and, when sound,
replaced by one shared placeholder.
"""

from __future__ import annotations

import functools
import json
from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from evalgate.errors import ConfigError
from evalgate.gate.verdict import CaseDelta, Verdict
from evalgate.jsonsafe import finite_number
from evalgate.lazydoc import LazyList
from evalgate.results import SUMMARY_FILE
from evalgate.run_summary import CaseFigures, RunSummary, _damaged, checked_summary
from evalgate.summary_lines import parse_by_lines

OUTLINED = CaseFigures()  # what every case id of an outline maps to: its figures are not read

_CASE_KEYS = tuple(CaseFigures().to_dict())
_DELTA_KEYS = ("case_id", "status", "base_score", "score", "base_pass_rate", "pass_rate", "delta")
# sound entries become these (one object each); they pass every check the entries pass
_CASE: Mapping[str, Any] = MappingProxyType({})
_DELTA: Mapping[str, Any] = MappingProxyType({"case_id": "", "status": ""})


def _num(v: Any) -> bool:
    """A number or None, as the summary check wants the figures."""
    return v is None or finite_number(v)


def _entry(pairs: list[tuple[str, Any]], deltas: bool = True, typed: _Typed | None = None) -> Any:
    """A parsed JSON object: a sound per-case entry (of the verdict's deltas too, unless not
    ``deltas``) becomes its placeholder; anything else (another object, or an entry a check or
    a type would refuse) stays as written. ``typed``: keeps each sound delta, typed."""
    keys = tuple([k for k, _ in pairs])
    d = dict(pairs)
    try:
        if keys == _CASE_KEYS:
            if _num(d["score"]) and _num(d["pass_rate"]):
                CaseFigures.from_dict(d)
                return _CASE
        elif (
            deltas
            and keys[:7] == _DELTA_KEYS
            and len(keys) <= 8
            and keys[7:] in ((), ("base_answer",))
        ):
            nums = all(_num(d[k]) for k in ("base_score", "score", "base_pass_rate", "pass_rate"))
            if isinstance(d["case_id"], str) and isinstance(d["status"], str) and nums:
                if typed is None:
                    CaseDelta.from_dict(d)
                else:
                    typed.keep(d)
                return _DELTA
    except (TypeError, ValueError, AttributeError, OverflowError):
        pass
    if typed is not None and d and all(v is _CASE for v in d.values()):
        typed.cases(d)
    return d


class _Typed:
    """The sound deltas of a document, typed as they are parsed (:func:`read_shown_typed`).

    A delta's case id is the string the document's ``cases`` already holds for it (both are
    written in case id order, and ``cases`` first), and its status one string per status:
    equal strings, held once."""

    def __init__(self) -> None:
        self.deltas: list[CaseDelta] = []
        self._ids: Iterator[str] = iter(())
        self._next: str | None = None
        self._statuses: dict[str, str] = {}

    def cases(self, figures: dict[str, Any]) -> None:
        self._ids = iter(figures)
        self._next = next(self._ids, None)

    def keep(self, d: dict[str, Any]) -> None:
        cid, status = d["case_id"], d["status"]
        nxt = self._next
        while nxt is not None and nxt < cid:
            nxt = next(self._ids, None)
        self._next = nxt
        d["case_id"] = nxt if nxt == cid else cid
        d["status"] = self._statuses.setdefault(status, status)
        self.deltas.append(CaseDelta.from_dict(d))


def _holds_placeholder(v: Any) -> bool:
    if v is _CASE or v is _DELTA:
        return True
    if isinstance(v, dict):
        return any(_holds_placeholder(x) for x in v.values())
    if isinstance(v, list):
        return any(_holds_placeholder(x) for x in v)
    return False


def _figures_only(pairs: list[tuple[str, Any]]) -> Any:
    return _entry(pairs, deltas=False)


def _parse(path: Path, with_deltas: bool = True, typed: _Typed | None = None) -> Any:
    """The document, its sound per-case entries replaced (or, where a placeholder landed
    outside them, the document as written). ``typed``: the sound deltas replaced, typed, in
    the order they were read."""
    if typed is not None:
        hook: Any = functools.partial(_entry, typed=typed)
    else:
        hook = _entry if with_deltas else _figures_only
    if typed is None:  # a line at a time, unless the file is not laid out as evalgate writes it
        data = parse_by_lines(path, hook, _CASE, _DELTA if with_deltas else None)
        if data is not None:
            return _as_written_if_misplaced(path, None, data)
    try:
        text = path.read_text(encoding="utf-8")
        return _as_written_if_misplaced(path, text, json.loads(text, object_pairs_hook=hook))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except (OSError, ValueError, RecursionError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}); restore it or re-create it") from exc


def _as_written_if_misplaced(path: Path, text: str | None, data: Any) -> Any:
    """``data``, or the document as written (``text``, else the file read again) where a
    placeholder landed outside the per-case entries."""
    try:
        if isinstance(data, dict):
            cases, verdict = data.get("cases"), data.get("verdict")
            deltas = verdict.get("deltas") if isinstance(verdict, dict) else None
            rest = [v for k, v in data.items() if k not in ("cases", "verdict")]
            if isinstance(verdict, dict):
                rest += [v for k, v in verdict.items() if k != "deltas"]
            misplaced = _holds_placeholder(rest)
            if isinstance(cases, dict):
                misplaced = misplaced or any(v is _DELTA for v in cases.values())
                misplaced = misplaced or any(
                    _holds_placeholder(v) for v in cases.values() if v is not _CASE
                )
            if isinstance(deltas, list):
                misplaced = misplaced or any(v is _CASE for v in deltas)
                misplaced = misplaced or any(
                    _holds_placeholder(v) for v in deltas if v is not _DELTA
                )
            if misplaced:  # an entry's shape somewhere else: read as written
                data = json.loads(path.read_text(encoding="utf-8") if text is None else text)
        return data
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except (OSError, ValueError, RecursionError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}); restore it or re-create it") from exc


def read_shown(path: Path) -> dict[str, Any]:
    """The checked document as :func:`~evalgate.run_summary.read_summary_document` returns it
    (the same files refused, with the same messages), but each case's figures entry is one
    shared empty mapping: what reports show of a run (``evalgate report``) never reads them;
    the verdict, with its deltas, is kept whole."""
    path = path / SUMMARY_FILE if path.is_dir() else path
    return checked_summary(path, _parse(path, with_deltas=False))


def read_shown_typed(path: Path) -> tuple[dict[str, Any], Verdict | None]:
    """:func:`read_shown` and its verdict typed, without holding each delta twice: the
    deltas are typed as they are parsed (as :meth:`Verdict.from_dict` types them) and the
    document's ``verdict.deltas`` is built from them when read (:class:`LazyList`).

    The verdict is None when the document has none, or when a delta is not one evalgate
    writes: then the document is :func:`read_shown`'s, and its verdict is typed (or refused)
    by what reads it, as before."""
    path = path / SUMMARY_FILE if path.is_dir() else path
    typing = _Typed()
    data = checked_summary(path, _parse(path, typed=typing))
    typed = typing.deltas
    raw = data.get("verdict")
    if raw is None and not typed:
        return data, None
    deltas = raw.get("deltas") if isinstance(raw, dict) else None
    if (
        isinstance(raw, dict)
        and isinstance(deltas, list)
        and len(deltas) == len(typed)
        and all(d is _DELTA for d in deltas)
    ):
        try:
            verdict = replace(Verdict.from_dict({**raw, "deltas": ()}), deltas=tuple(typed))
        except (TypeError, ValueError, AttributeError, KeyError, OverflowError):
            pass  # refused where it is typed, as the whole document's verdict is
        else:
            data["verdict"] = {**raw, "deltas": LazyList(verdict.deltas, CaseDelta.to_dict)}
            return data, verdict
    del data, raw, deltas, typed, typing
    return read_shown(path), None


def read_outline(path: Path) -> RunSummary:
    """``summary.json`` of a run folder (or the file itself) as :meth:`RunSummary.read`
    reads it, refusing the same files with the same messages, except that every case id
    maps to :data:`OUTLINED` (its figures are not kept) and the verdict holds no deltas."""
    path = path / SUMMARY_FILE if path.is_dir() else path
    data = checked_summary(path, _parse(path))
    cases = data.get("cases")
    ids = list(cases) if isinstance(cases, dict) else []
    verdict = data.get("verdict")
    # what is left to type: the entries kept as written (none, in a file evalgate wrote),
    # in their places, so the first one no type can hold is reported as read() reports it
    if isinstance(cases, dict):
        data["cases"] = {k: v for k, v in cases.items() if v is not _CASE}
    if isinstance(verdict, dict) and isinstance(verdict.get("deltas"), list):
        verdict["deltas"] = [d for d in verdict["deltas"] if d is not _DELTA]
    try:
        typed = RunSummary.from_dict(data)
    except (TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise _damaged(path, str(exc)) from None
    del data, cases
    outlined = replace(typed, cases=dict.fromkeys(ids, OUTLINED))
    if outlined.verdict is not None:
        outlined = replace(outlined, verdict=replace(outlined.verdict, deltas=()))
    return outlined


class CaseIds:
    """Case ids (an outline's, whose figures are not read) held sorted as one text and their
    lengths: a large summary's ids as two objects, not a string each and a mapping of them."""

    __slots__ = ("_sizes", "_text")

    def __init__(self, ids: Iterable[str]) -> None:
        ordered = sorted(ids)
        self._sizes = array("q", [len(i) for i in ordered])
        self._text = "".join(ordered)

    def __len__(self) -> int:
        return len(self._sizes)

    def __iter__(self) -> Iterator[str]:
        text, at = self._text, 0
        for size in self._sizes:
            yield text[at : at + size]
            at += size

    def same(self, ids: Collection[str]) -> bool:
        """Whether ``ids`` (distinct, as these are) are these ids."""
        return len(ids) == len(self) and all(a == b for a, b in zip(self, sorted(ids), strict=True))
