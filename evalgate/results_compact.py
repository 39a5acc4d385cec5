"""Results read back in a compact form, so a large run's figures fit in little memory.

After a run, the summary, the gate and the baseline need each result's status, scores,
latency, tokens, cost, prompt version and missing mapped fields, but not what was sent or
what the endpoint answered. :func:`read_compact` reads ``results.jsonl`` keeping only those,
and shares equal values (score records, the few distinct compact responses, repeated
strings) between results. The reports that show requests and answers read them again for
the few cases they show in detail (:func:`read_details`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from math import copysign
from pathlib import Path

from evalgate.model import Response
from evalgate.results import RESULTS_FILE, CaseResult, LineOffsets, TurnRecord, iter_results
from evalgate.scorers.registry import ScoreRecord


class _Shared:
    """Equal values read from many lines become one object."""

    def __init__(self, known: Mapping[str, str] | None = None) -> None:
        # one table per kind, keyed by the value itself where it can be
        self._texts: dict[str, str] = {}
        # case ids and content hashes already held elsewhere (each maps to itself): equal
        # ones read here become those objects
        self._known: Mapping[str, str] = known or {}
        self._tags: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._scores: dict[Hashable, ScoreRecord] = {}
        self._responses: dict[tuple[object, ...], Response] = {}
        # a result's scores: most results' records are the same shared ones, in one tuple
        self._score_tuples: dict[tuple[int, ...], tuple[ScoreRecord, ...]] = {}
        self._floats: dict[float, float] = {}

    def text(self, s: str) -> str:
        return self._texts.setdefault(s, s)

    def score(self, s: ScoreRecord) -> ScoreRecord:
        if s.judge is None:  # a record is its own key: equal fields, equal records
            return self._scores.setdefault(s, s)
        # a judge's details are a mapping: keyed by their JSON
        judge = json.dumps(s.judge, sort_keys=True, default=str) if s.judge else None
        key = (s.scorer, s.score, s.passed, s.reason, s.weight, s.error, s.turn, s.advisory, judge)
        return self._scores.setdefault(key, s)

    def scores(self, scores: tuple[ScoreRecord, ...]) -> tuple[ScoreRecord, ...]:
        if not scores:
            return ()
        held = tuple([self.score(s) for s in scores])
        # keyed by the shared records' ids: each is held by this table, so its id stays its own
        return self._score_tuples.setdefault(tuple(map(id, held)), held)

    def number(self, x: float | None) -> float | None:
        """One object for equal float scores (-0.0, NaN and other types kept as they are)."""
        if type(x) is not float or not (x > 0.0 or (x == 0.0 and copysign(1.0, x) > 0.0)):
            return x
        return self._floats.setdefault(x, x)

    def response(self, r: Response | None) -> Response | None:
        if r is None:
            return None
        # what the summary, gate, baseline and canary read from an answer; the rest stays on disk
        key = (
            r.prompt_version,
            r.model,
            r.input_tokens,
            r.output_tokens,
            r.cost_usd,
            r.refused,
            r.status_code,
            r.missing,
        )
        found = self._responses.get(key)
        if found is not None:
            return found
        slim = Response(
            prompt_version=r.prompt_version,
            model=r.model,
            input_tokens=r.input_tokens,
            output_tokens=r.output_tokens,
            cost_usd=r.cost_usd,
            refused=r.refused,
            status_code=r.status_code,
            missing=r.missing,
        )
        self._responses[key] = slim
        return slim

    def turn(self, t: TurnRecord) -> TurnRecord:
        return TurnRecord(None, self.response(t.response), t.outcome, t.latency_ms, t.error)

    def result(self, r: CaseResult) -> CaseResult:
        # every field named (dataclasses.replace costs several times more, once per result)
        known = self._known
        return CaseResult(
            case_id=known.get(r.case_id, r.case_id),
            dataset=self.text(r.dataset),
            repeat=r.repeat,
            status=r.status,  # literals: the interpreter already shares them
            outcome=r.outcome,
            passed=r.passed,
            score=self.number(r.score),
            scores=self.scores(r.scores),
            latency_ms=r.latency_ms,
            request=None,
            response=self.response(r.response),
            turns=tuple([self.turn(t) for t in r.turns]) if r.turns else (),
            error=r.error,
            attempts=r.attempts,
            tags=self._tags.setdefault(r.tags, r.tags),
            file=self.text(r.file),
            line=r.line,
            content_hash=known.get(r.content_hash, r.content_hash),
            threshold=r.threshold,
            weight=r.weight,
            confirmation=r.confirmation,
        )


class CompactResults:
    """The compact results of a run as they are written: the last one per (case, repeat).

    A :class:`~evalgate.results_writer.ResultsWriter`'s ``keep``: the runner's results are held as
    :func:`read_compact` would read them back, without reading the file again. They are held
    in a list, in the order written (no mapping keyed by case and repeat: a run writes each
    once), and put in order, the last of each (case, repeat) kept, when asked for.
    """

    def __init__(
        self, results: Iterable[CaseResult] = (), known: Mapping[str, str] | None = None
    ) -> None:
        self._shared = _Shared(known)
        self._held: list[CaseResult] = []
        self._tidy = True  # ordered by (case id, repeat), each once
        for r in results:
            self.add(r)

    def add(self, r: CaseResult) -> None:
        self._append(self._shared.result(r))

    def add_like(self, r: CaseResult, like: CaseResult | None) -> None:
        """:meth:`add`, holding ``like`` itself when it equals the compact result of ``r`` (a
        copied run's stored results: the objects already held, not a second set of them)."""
        made = self._shared.result(r)
        self._append(like if like is not None and like == made else made)

    def _append(self, c: CaseResult) -> None:
        held = self._held
        if self._tidy and held:
            last = held[-1]
            self._tidy = last.case_id < c.case_id or (
                last.case_id == c.case_id and last.repeat < c.repeat
            )
        held.append(c)

    def _ordered(self) -> list[CaseResult]:
        """The held results, ordered by case id and repeat, the last written of each kept."""
        if self._tidy:
            return self._held
        held = self._held
        # two stable sorts (no key tuple per result): by repeat, then by case id; results of
        # the same case and repeat stay in the order written, the last one kept
        held.sort(key=_repeat)
        held.sort(key=_case_id)
        kept = [
            r
            for r, after in zip(held, itertools.islice(held, 1, None), strict=False)
            if r.case_id != after.case_id or r.repeat != after.repeat
        ]
        kept.append(held[-1])
        self._held = kept
        self._tidy = True
        return kept

    def add_keyed(self, r: CaseResult) -> tuple[str, int]:
        """:meth:`add`, returning the (case id, repeat) key of the result kept (one tuple per
        result, for a caller that keys something else by it too)."""
        self.add(r)
        kept = self._held[-1]
        return (kept.case_id, kept.repeat)

    def keys(self) -> Collection[tuple[str, int]]:
        return [(r.case_id, r.repeat) for r in self._ordered()]

    def __len__(self) -> int:
        return len(self._ordered())

    def results(self) -> list[CaseResult]:
        """Ordered by case id and repeat, as :func:`read_compact` returns them."""
        return list(self._ordered())


def _repeat(r: CaseResult) -> int:
    return r.repeat


def _case_id(r: CaseResult) -> str:
    return r.case_id


def read_compact(path: Path) -> list[CaseResult]:
    """Like :func:`evalgate.results.read_results`, without requests and answers.

    Every figure the summary, the gate and the baseline use is kept; requests, answer texts,
    citations, tool calls and trace ids are left out (they stay in ``results.jsonl``).
    """
    return CompactResults(iter_results(path)).results()


def read_indexed(
    path: Path,
    each: Callable[[CaseResult, int], None] | None = None,
    known: Mapping[str, str] | None = None,
    *,
    index: bool = True,
) -> tuple[list[CaseResult], list[int] | None]:
    """:func:`read_compact`, and the byte offset of each result's line in ``results.jsonl``
    (in the same order), found in the same single pass: what reads the complete results back
    afterwards (:func:`evalgate.results.read_at`) needs no second pass over the file.

    The offsets are None for a file with a carriage return inside a line (a hand edit): it is
    read as :func:`read_compact` reads it, where such a character also ends a line.

    ``each`` is given every complete result and its line's offset as it is read, in the
    file's order (as :func:`~evalgate.results.iter_results` gives them), for a caller that
    needs more of them than the compact results keep; when the offsets are None it saw part
    of the file only.

    ``known``: case ids and content hashes held already (each mapping to itself, e.g. those of
    the run this one is compared with); the results hold those objects, not equal copies.

    ``index`` False: the offsets are not wanted, and no key or offset per result is held
    while the file is read: they are an empty list (None still for a file read as text).
    """
    kept = CompactResults(known=known)
    where: dict[tuple[str, int], int] = {}
    file = path / RESULTS_FILE if path.is_dir() else path
    indexed = LineOffsets(file)
    for offset, r in indexed:
        if each is not None:
            each(r, offset)
        if index:
            where[kept.add_keyed(r)] = offset  # the key tuple kept's own: one per result
        else:
            kept.add(r)
    if indexed.text_lines:
        return read_compact(path), None
    if not index:
        return kept.results(), []
    offsets = [where[k] for k in sorted(where)]
    del where
    return kept.results(), offsets


def read_details(path: Path, case_ids: Collection[str]) -> dict[str, list[CaseResult]]:
    """The complete results of ``case_ids`` (last written per repeat), by case, by repeat."""
    latest: dict[tuple[str, int], CaseResult] = {}
    for r in iter_results(path):
        if r.case_id in case_ids:
            latest[(r.case_id, r.repeat)] = r
    out: dict[str, list[CaseResult]] = {}
    for key in sorted(latest):
        out.setdefault(key[0], []).append(latest[key])
    return out
