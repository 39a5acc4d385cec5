"""A run as the reporters see it: results, summary and verdict, loaded once and grouped by case."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalgate.errors import ConfigError
from evalgate.gate.verdict import FAIL, CaseDelta, Verdict
from evalgate.results import (
    RESULTS_FILE,
    SUMMARY_FILE,
    CaseResult,
    CaseStats,
    _case_stats,
    aggregate,
)
from evalgate.summary import RunMeta, build_summary, read_summary

if TYPE_CHECKING:
    from evalgate.report.details import Details

CASE_STATUSES = ("failed", "error", "passed", "skipped", "pending")
# Passing cases shown with their requests and answers (flagged cases always are): the HTML
# report's cap, so a view built from compact results reads back only what is shown.
DETAIL_ROWS = 2_000
_EPS = 1e-9


@dataclass(frozen=True)
class BaseCase:
    """A case's figures in the baseline the run was compared with."""

    score: float | None
    pass_rate: float | None
    answer: str | None = None  # the baseline's answer, when the verdict kept it


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One golden case over all its repeats, with its baseline figures when known.

    Its figures over the repeats (``case_id``, ``dataset``, ``file``, ``line``, ``tags``,
    ``score``, ``pass_rate``, ``n``, ``passes``, ``errors``) are read from ``figures``, the
    case's :class:`~evalgate.results.CaseStats` the run already holds, not copied per row."""

    figures: CaseStats
    status: str  # one of CASE_STATUSES
    latency_ms: float  # summed over repeats
    # its results by repeat; a single one held as itself (no tuple of one per row)
    held: tuple[CaseResult, ...] | CaseResult = ()
    base: BaseCase | None = None
    compare: str | None = None  # shared | new | changed, from the verdict's deltas
    blocking: tuple[str, ...] = ()  # kinds of blocking reasons of a failed gate naming the case

    @property
    def repeats(self) -> tuple[CaseResult, ...]:
        """The case's results, by repeat."""
        held = self.held
        return held if type(held) is tuple else (held,)  # type: ignore[return-value]

    @property
    def case_id(self) -> str:
        return self.figures.case_id

    @property
    def dataset(self) -> str:
        return self.figures.dataset

    @property
    def file(self) -> str:
        return self.figures.file

    @property
    def line(self) -> int:
        return self.figures.line

    @property
    def tags(self) -> tuple[str, ...]:
        return self.figures.tags

    @property
    def score(self) -> float | None:
        return self.figures.score

    @property
    def pass_rate(self) -> float | None:
        return self.figures.pass_rate

    @property
    def n(self) -> int:
        """Scored repeats."""
        return self.figures.n

    @property
    def passes(self) -> int:
        return self.figures.passes

    @property
    def errors(self) -> int:
        return self.figures.errors

    @property
    def delta(self) -> float | None:
        if self.base is None or self.base.score is None or self.score is None:
            return None
        return self.score - self.base.score

    @property
    def regressed(self) -> bool:
        """Scored lower than in the baseline, or named by a blocking reason."""
        d = self.delta
        return bool(self.blocking) or (self.compare == "shared" and d is not None and d < -_EPS)

    @property
    def flagged(self) -> bool:
        """Worth a reader's attention: failed, errored or regressed."""
        return self.status in ("failed", "error") or self.regressed

    @property
    def where(self) -> str:
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    @property
    def first_failure(self) -> str | None:
        """The first failing scorer's reason (or the error) over the repeats, for one-liners."""
        return first_failure(self.repeats, self.status)

    @property
    def shown_repeat(self) -> CaseResult | None:
        """The repeat whose answer a report shows: the first failed one with an answer, else
        the first with one."""
        from evalgate.gate.answers import answer_text

        with_answer = [r for r in self.repeats if answer_text(r.response)]
        return next((r for r in with_answer if r.status == "failed"), None) or next(
            iter(with_answer), None
        )

    @property
    def answer(self) -> str | None:
        """This run's answer as text (made like the baseline's: output, then tool calls)."""
        from evalgate.gate.answers import answer_text

        r = self.shown_repeat
        return answer_text(r.response) if r else None

    @property
    def repeats_note(self) -> str:
        """'passed 2/3 repeats' style text, or '' for a single repeat."""
        total = self.n + self.errors
        if total <= 1:
            return ""
        note = f"passed {self.passes}/{self.n} scored repeats" if self.n else "no scored repeat"
        return note + (f", {self.errors} errored" if self.errors else "")


def first_failure(repeats: Sequence[CaseResult], status: str) -> str | None:
    """A row's :attr:`CaseRow.first_failure` from its repeats and its status."""
    for r in repeats:
        if r.status == "failed":
            for s in r.scores:
                if not s.passed:
                    return f"{s.scorer}: {s.error or s.reason or 'failed'}"
            return "case score below its threshold"
    for r in repeats:
        if r.status == "error":
            # an error after a successful call is a scorer that raised, not the endpoint
            what = "scorer error" if r.outcome == "success" else r.outcome
            return f"{what}: {r.error or 'error'}"
    if status == "pending":
        return "pending review"
    return None


def _latency(reps: tuple[CaseResult, ...]) -> float:
    """A row's latency, summed over its repeats; a single repeat's own float when the sum
    is that same value (no new float per row)."""
    if len(reps) == 1:
        x = reps[0].latency_ms
        if type(x) is float and x != 0.0:  # 0 + x is x (0 + -0.0 is 0.0: left to sum)
            return x
    return sum(r.latency_ms for r in reps)


def _status(stats_passed: bool | None, n: int, errors: int, skipped: bool) -> str:
    if skipped:
        return "skipped"
    if n == 0:
        return "error" if errors else "skipped"
    return "passed" if stats_passed else "failed"


def _ordered(results: Sequence[CaseResult]) -> bool:
    """Whether results are ordered by case id and repeat (as a run and
    :func:`~evalgate.results_compact.read_compact` hold them)."""
    return all(
        (a.case_id, a.repeat) < (b.case_id, b.repeat)
        for a, b in zip(results, itertools.islice(results, 1, None), strict=False)
    )


def _by_case(results: Sequence[CaseResult]) -> dict[str, tuple[CaseResult, ...]]:
    """Each case's results by repeat (results in any order)."""
    lists: dict[str, list[CaseResult]] = {}
    for r in results:
        lists.setdefault(r.case_id, []).append(r)
    return {cid: tuple(sorted(rs, key=lambda r: r.repeat)) for cid, rs in lists.items()}


def _case_id(r: CaseResult) -> str:
    return r.case_id


def _cases(
    results: Sequence[CaseResult], stats: Mapping[str, CaseStats] | None
) -> Iterator[tuple[str, CaseStats, tuple[CaseResult, ...]]]:
    """Each case's figures and its results by repeat, in the order of ``stats`` (of
    :func:`~evalgate.results.aggregate` of ``results`` when not given).

    Ordered results are cut into runs, a case at a time: neither the figures of every case
    (when not given) nor a mapping of every case's results is built on the way."""
    if _ordered(results):
        runs = itertools.groupby(results, key=_case_id)
        if stats is None:  # aggregate's figures, made a case at a time as it makes them
            shared: dict[Any, Any] = {}
            numbers: dict[float, float] = {}
            for cid, group in runs:
                reps = tuple(group)
                yield cid, _case_stats(cid, list(reps), shared, numbers), reps
            return
        ids = (cid for cid, _ in itertools.groupby(results, key=_case_id))
        if all(a == b for a, b in itertools.zip_longest(stats, ids)):  # the same cases, in order
            for (cid, st), (_, group) in zip(stats.items(), runs, strict=True):
                yield cid, st, tuple(group)
            return
    by_case = _by_case(results)
    for cid, st in (stats if stats is not None else aggregate(results)).items():
        yield cid, st, by_case[cid]


class _Deltas:
    """The verdict's delta of each case (the last one written for it), asked for in case id
    order: deltas written in that order (as the gate writes them) are walked alongside, and
    a mapping of every case's delta is built only for deltas or questions in another order."""

    def __init__(self, deltas: Sequence[CaseDelta]) -> None:
        self._deltas = deltas
        self._at = 0
        self._last: str | None = None
        ordered = all(a.case_id < b.case_id for a, b in itertools.pairwise(deltas))
        self._by_id: dict[str, CaseDelta] | None = None if ordered else self._mapping()

    def _mapping(self) -> dict[str, CaseDelta]:
        return {d.case_id: d for d in self._deltas}

    def get(self, case_id: str) -> CaseDelta | None:
        if self._by_id is None and (self._last is None or self._last < case_id):
            self._last = case_id
            deltas, at = self._deltas, self._at
            while at < len(deltas) and deltas[at].case_id < case_id:
                at += 1
            self._at = at
            return deltas[at] if at < len(deltas) and deltas[at].case_id == case_id else None
        if self._by_id is None:
            self._by_id = self._mapping()
        return self._by_id.get(case_id)


@dataclass(frozen=True)
class _Rows:
    """What a view's rows are built from, when they are first asked for."""

    results: Sequence[CaseResult]
    verdict: Verdict | None
    pending: tuple[str, ...]
    baseline: Mapping[str, Mapping[str, Any]] | None = None
    details: Path | None = None
    stats: Mapping[str, CaseStats] | None = None

    def build(self) -> tuple[CaseRow, ...]:
        verdict = self.verdict
        deltas = _Deltas(verdict.deltas if verdict else ())
        blocking: dict[str, list[str]] = {}
        if verdict is not None and verdict.status == FAIL:
            for reason in verdict.reasons:
                if reason.blocking:
                    for cid in reason.cases:
                        blocking.setdefault(cid, []).append(reason.kind)
        baseline = self.baseline
        rows: list[CaseRow] = []
        for cid, st, reps in _cases(self.results, self.stats):
            d = deltas.get(cid)
            base = None
            # the baseline's answer comes from the verdict alone, so a report written later
            # from the run folder shows the same as the one written at the end of the run
            answer = d.base_answer if d is not None else None
            if baseline is not None and cid in baseline:
                b = baseline[cid]
                base = BaseCase(b.get("score"), b.get("pass_rate"), answer)
            elif d is not None and d.status == "shared":
                base = BaseCase(d.base_score, d.base_pass_rate, answer)
            elif answer is not None:  # a changed case: its old answer, not its figures
                base = BaseCase(None, None, answer)
            rows.append(
                CaseRow(
                    figures=st,
                    status=_status(st.passed, st.n, st.errors, st.skipped),
                    latency_ms=_latency(reps),
                    held=reps[0] if len(reps) == 1 else reps,
                    base=base,
                    compare=d.status if d else None,
                    blocking=tuple(dict.fromkeys(blocking.get(cid, ()))),
                )
            )
        built = tuple(rows)
        if not self.pending:  # (no set of every case's id to find none)
            return built
        seen = {row.case_id for row in built}
        pending = tuple(
            CaseRow(CaseStats(cid, "", "", (), "", 0, 0, 0, False, None, None), "pending", 0.0)
            for cid in self.pending
            if cid not in seen
        )
        return built + pending


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
        wanted = {r.case_id for r in rows if r.flagged}
        wanted.update([r.case_id for r in rows if not r.flagged][:DETAIL_ROWS])
        wanted.update(r.case_id for r in rows if r.base is not None and r.base.answer)
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

        for full in details.read_lines(ids()):
            row = taken.popleft()
            if not full:
                yield row, None
            elif isinstance(full[0], CaseResult):
                yield replace(row, held=tuple(full)), None
            else:
                yield row, full

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
        return tuple(d.case_id for d in self.verdict.deltas if d.status == "removed")

    def count(self, status: str) -> int:
        return sum(1 for c in self.cases if c.status == status)


def _results(lines: list[dict[str, Any]]) -> tuple[CaseResult, ...]:
    return tuple([CaseResult.from_dict(d) for d in lines])
