"""A run as the reporters see it: results, summary and verdict, loaded once and grouped by case
(the rows: :mod:`evalgate.report.rows`)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalgate.errors import ConfigError
from evalgate.gate.deltas import CaseDeltas
from evalgate.gate.verdict import Verdict
from evalgate.report.rowbase import BaseCase
from evalgate.report.rows import CASE_STATUSES, CaseRow, _Rows, first_failure
from evalgate.results import RESULTS_FILE, SUMMARY_FILE, CaseResult, CaseStats
from evalgate.summary import RunMeta, build_summary, read_summary

if TYPE_CHECKING:
    from evalgate.report.details import Details

# Passing cases shown with their requests and answers (flagged cases always are): the HTML
# report's cap, so a view built from compact results reads back only what is shown.
DETAIL_ROWS = 2_000


@dataclass(frozen=True)
class RunView:
    """Everything a reporter needs about one run; build it once with :meth:`load`.

    The rows (:attr:`cases`) are built when first asked for: a run shown only by its verdict
    line (``--quiet``, no report file) never builds them, nor reads requests and answers.
    """

    summary: Mapping[str, Any]
    verdict: Verdict | None
    source: _Rows | None = field(default=None, repr=False, compare=False)
    run_dir: Path | None = None

    @cached_property
    def cases(self) -> tuple[CaseRow, ...]:
        """One row per case (pending ones last); of a compact view, without requests and
        answers (:meth:`detailed` adds them to the rows a report shows in detail)."""
        return self.source.build() if self.source is not None else ()

    @classmethod
    def load(
        cls, run_dir: Path, baseline: Mapping[str, Mapping[str, Any]] | None = None
    ) -> RunView:
        """Read ``results.jsonl`` and ``summary.json`` from a run folder.

        A run that was killed before writing its summary is summarised from its results.
        Results are read compact; requests and answers only for the rows shown in detail.
        """
        from evalgate.results_compact import read_compact

        if not (run_dir / RESULTS_FILE).is_file():
            raise ConfigError(
                f"{run_dir}: no {RESULTS_FILE} here; pass a run folder written by 'evalgate run'"
            )
        results = read_compact(run_dir)
        if (run_dir / SUMMARY_FILE).is_file():
            summary: Mapping[str, Any] = read_summary(run_dir)
        else:
            summary = build_summary(results, RunMeta(run_id=run_dir.name, started_at=""), None)
        return cls.build(results, summary, baseline=baseline, run_dir=run_dir, details=run_dir)

    @classmethod
    def build(
        cls,
        results: Sequence[CaseResult],
        summary: Mapping[str, Any],
        *,
        baseline: Mapping[str, Mapping[str, Any]] | None = None,
        run_dir: Path | None = None,
        details: Path | None = None,
        stats: Mapping[str, CaseStats] | None = None,
        verdict: Verdict | None = None,
    ) -> RunView:
        """Group results by case; ``baseline`` (case id -> {score, pass_rate}) adds to the
        base figures the verdict's deltas already carry.

        ``details`` (a ``results.jsonl`` or run folder) is given when ``results`` are compact
        (:func:`evalgate.results_compact.read_compact`): the complete results of the cases reports
        show in detail (flagged ones, and the first :data:`DETAIL_ROWS` others) are read
        from it. ``stats``: :func:`~evalgate.results.aggregate` of ``results``, when the
        caller has it already; ``verdict``: the summary's verdict, when the caller has it."""
        if verdict is None:
            raw = summary.get("verdict")
            verdict = Verdict.from_dict(raw) if isinstance(raw, Mapping) else None
        pending = tuple(str(c) for c in summary.get("pending_cases") or ())
        source = _Rows(results, verdict, pending, baseline, details, stats)
        return cls(summary=summary, verdict=verdict, source=source, run_dir=run_dir)

    @cached_property
    def _details(self) -> Details | None:
        """Where the complete results of the rows shown in detail are (compact views only):
        the flagged rows, the first :data:`DETAIL_ROWS` others, and those whose baseline
        answer the verdict kept (shown beside this run's answer)."""
        if self.source is None or self.source.details is None:
            return None
        from evalgate.report.details import Details

        rows = self.cases
        wanted: set[str] = set()
        others = 0  # the passing rows taken so far
        for r in rows:
            if r.flagged:
                wanted.add(r.case_id)
            elif others < DETAIL_ROWS:
                wanted.add(r.case_id)
                others += 1
            elif r.base is not None and r.base.answer:
                wanted.add(r.case_id)
        return Details(self.source.details, wanted)

    def detailed(self, rows: Iterable[CaseRow]) -> Iterator[CaseRow]:
        """``rows`` with their requests and answers (for the rows shown in detail), read one
        row at a time as they are taken: a report of any size holds one case's at once."""
        for row, lines in self.detailed_lines(rows):
            yield row if lines is None else replace(row, held=_results(lines))

    def detailed_lines(
        self, rows: Iterable[CaseRow]
    ) -> Iterator[tuple[CaseRow, list[dict[str, Any]] | None]]:
        """:meth:`detailed`, but a row whose shown results are all plain passing lines (see
        :func:`evalgate.report.details.plain`) comes unchanged, with those lines' objects:
        ``CaseResult.from_dict`` of each is the row's repeat :meth:`detailed` gives."""
        for row, raws in self.detailed_raw(rows):
            yield self.resolved(row, raws)

    def detailed_raw(
        self, rows: Iterable[CaseRow]
    ) -> Iterator[tuple[CaseRow, list[tuple[int, bytes]] | None]]:
        """Each row with its shown results' lines as stored (where each starts, its bytes;
        None for a view without a results file), read one row at a time as they are taken;
        :meth:`resolved` turns them into what :meth:`detailed_lines` gives."""
        details = self._details
        if details is None:
            for row in rows:
                yield row, None
            return
        taken: deque[CaseRow] = deque()

        def ids() -> Iterator[str]:
            for row in rows:
                taken.append(row)
                yield row.case_id

        for raws in details.read_raw(ids()):
            yield taken.popleft(), raws

    def resolved(
        self, row: CaseRow, raws: list[tuple[int, bytes]] | None
    ) -> tuple[CaseRow, list[dict[str, Any]] | None]:
        """What :meth:`detailed_lines` gives for ``row`` whose lines :meth:`detailed_raw`
        gave (the same results, the same errors for a damaged line)."""
        details = self._details
        full = details.resolve(raws) if raws and details is not None else []
        if not full:
            return row, None
        if isinstance(full[0], CaseResult):
            return replace(row, held=tuple(full)), None
        return row, full

    # -- convenience -----------------------------------------------------------------------
    @property
    def run_id(self) -> str:
        return str(self.summary.get("run_id") or "")

    @property
    def totals(self) -> Mapping[str, Any]:
        t = self.summary.get("totals")
        return t if isinstance(t, Mapping) else {}

    @property
    def prompt_version(self) -> str | None:
        v = self.summary.get("prompt_version")
        return None if v is None else str(v)

    @property
    def status(self) -> str | None:
        """The gate's status, or None when the run was not gated."""
        return self.verdict.status if self.verdict else None

    @cached_property
    def flagged(self) -> tuple[CaseRow, ...]:
        """Failed, errored and regressed cases: failures first, then errors, by case id."""
        order = {"failed": 0, "error": 1}
        rows = [c for c in self.cases if c.flagged]
        return tuple(sorted(rows, key=lambda c: (order.get(c.status, 2), c.case_id)))

    @property
    def removed(self) -> tuple[str, ...]:
        """Cases in the baseline that this run no longer has."""
        if self.verdict is None:
            return ()
        deltas = self.verdict.deltas
        if isinstance(deltas, CaseDeltas):  # read from the columns, no record made
            return tuple(deltas.case_ids_with("removed"))
        return tuple(d.case_id for d in deltas if d.status == "removed")

    def count(self, status: str) -> int:
        return sum(1 for c in self.cases if c.status == status)


def _results(lines: list[dict[str, Any]]) -> tuple[CaseResult, ...]:
    return tuple([CaseResult.from_dict(d) for d in lines])


__all__ = ["CASE_STATUSES", "DETAIL_ROWS", "BaseCase", "CaseRow", "RunView", "first_failure"]
