"""A baseline file read a case at a time: each case's figures become a :class:`BaselineCase`
as the JSON parser meets them, so the document is never held as dicts beside the baseline,
and a file in the layout evalgate writes is read a piece at a time
(``gate/baseline_layout.py``), so its text is never held whole either.

At 100,000 cases a baseline file is tens of megabytes, and its dicts several times that; the
gate, ``merge``, ``rescore``, ``baseline record`` (to grow the history) and every run with a
baseline read one. What is refused, and every message, is as for the document read whole and
then checked (``gate/baseline_check.py``): a case is typed only when its checks pass, the
checks run in the same order, and a file where a case's shape turns up anywhere else, or that
is not in the layout evalgate writes, is read whole, as before.

A file read a piece at a time holds its cases in columns (a
:class:`~evalgate.gate.casetable.CaseTable` with every figure), not as a record each; a case's
id and content hash are the run's own texts when ``known`` (the run's per-case figures) has
an equal one, so a gated run does not hold them twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalgate.gate.baseline import BaselineCase
from evalgate.gate.baseline_check import (
    Checked,
    _finite,
    _no_constant,
    _no_duplicates,
    case_problem,
    parse_strict,
)
from evalgate.gate.baseline_layout import read_laid_out
from evalgate.gate.case_parts import CaseParts
from evalgate.gate.casetable import CaseTable

if TYPE_CHECKING:
    from evalgate.results import CaseStats

_REQUIRED = frozenset(("content_hash", "n", "passes", "score", "pass_rate"))
_ALLOWED = _REQUIRED | {
    "history",
    "latency_p95_ms",
    "mean_tokens",
    "mean_cost_usd",
    "tags",
    "dataset",
    "scorer_pass",
    "answer",
}


class _Reader:
    """One file's parse: equal parts of cases (per-scorer counts, histories, datasets, tags:
    ``gate/case_parts.py``) and short numbers are shared between cases (most cases of a run
    have the same ones), as :func:`~evalgate.results.aggregate` does."""

    def __init__(self) -> None:
        self._parts = CaseParts()
        self._numbers: dict[str, float] = {}

    def number(self, text: str) -> float:
        found = self._numbers.get(text)
        if found is None:
            found = _finite(text)
            if len(text) <= 6:  # 1.0, 0.5, 0.875: the few values scores and rates take
                self._numbers[text] = found
        return found

    def entry(self, pairs: list[tuple[str, Any]]) -> Any:
        d = _no_duplicates(pairs)  # a duplicated key is refused where the parser meets it
        keys = d.keys()
        if keys >= _REQUIRED and keys <= _ALLOWED:
            try:
                if case_problem(d) is None:
                    return Checked(self._parts.case(BaselineCase.from_dict(d)))
            except (KeyError, TypeError, ValueError, IndexError, AttributeError):
                pass  # left as written: checking or typing the whole file reports it
        return d


class _Table:
    """The ``cases`` object of a file read a piece at a time, made into a table as each case
    is read: what the decoder's hook makes of it (its values are each a :class:`Checked`, so
    it is never a case itself), in columns."""

    def __init__(self, known: Mapping[str, CaseStats] | None) -> None:
        self._table = CaseTable(figures=True)
        self._known = known

    def add(self, key: str, value: Checked) -> None:
        case = value.value
        known = self._known
        text = None
        if known is not None:
            stats = known.get(key)
            if stats is not None:
                if stats.case_id == key:
                    key = stats.case_id  # the run's text for the id
                if stats.content_hash == case.content_hash:
                    text = stats.content_hash
        self._table.add(key, case, text)

    def done(self) -> CaseTable:
        table = self._table
        table.checked = True
        return table


class _Records:
    """The ``cases`` object as the decoder's hook makes it: a dict of each case's record."""

    def __init__(self) -> None:
        self._cases: dict[str, Checked] = {}

    def add(self, key: str, value: Checked) -> None:
        self._cases[key] = value

    def done(self) -> dict[str, Checked]:
        return self._cases


def _misplaced(v: Any) -> bool:
    if isinstance(v, Checked):
        return True
    if isinstance(v, dict):
        return any(_misplaced(x) for x in v.values())
    if isinstance(v, list):
        return any(_misplaced(x) for x in v)
    return False


def _decoder(reader: _Reader) -> json.JSONDecoder:
    """The decoder :func:`parse_baseline`'s ``json.loads`` makes (the same hooks)."""
    return json.JSONDecoder(
        object_pairs_hook=reader.entry, parse_constant=_no_constant, parse_float=reader.number
    )


def _sound(data: Any) -> bool:
    """Every case's shape is among the cases (else the file is read as written)."""
    if not isinstance(data, dict):
        return False
    cases = data.get("cases")
    held = [v for k, v in data.items() if k != "cases"]
    if isinstance(cases, dict):
        held += [v for v in cases.values() if not isinstance(v, Checked)]
    else:
        held.append(cases)
    return not _misplaced(held)


def parse_baseline(text: str) -> Any:
    """The document as :func:`~evalgate.gate.baseline_check.parse_strict` parses it (the same
    errors), except that each sound case's figures are already checked and typed
    (a :class:`~evalgate.gate.baseline_check.Checked` holding its :class:`BaselineCase`)."""
    reader = _Reader()
    data = json.loads(
        text, object_pairs_hook=reader.entry, parse_constant=_no_constant, parse_float=reader.number
    )
    del reader
    if _sound(data):
        return data
    # a case's shape somewhere else than among the cases: read as written
    return parse_strict(text)


def read_baseline(
    path: Path, known: Mapping[str, CaseStats] | None = None, *, columns: bool = True
) -> Any:
    """:func:`parse_baseline` of the file's text, read a piece at a time when the file is in
    the layout evalgate writes (``gate/baseline_layout.py``: its text is never held whole,
    its cases a table sharing ``known``'s texts, or with ``columns`` False a dict of records,
    for a caller that replaces them), else read whole: the same document, and the same
    errors."""
    reader = _Reader()
    cases = _Table(known) if columns else _Records()
    data = read_laid_out(path, _decoder(reader), reader.entry, cases)
    del reader
    if data is not None and _sound(data):
        return data
    del data
    return parse_baseline(path.read_text(encoding="utf-8"))
