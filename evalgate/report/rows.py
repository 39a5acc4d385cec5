"""A run's rows as the reporters see them: one :class:`CaseRow` per golden case over all its
repeats, with its baseline figures, built a case at a time from ordered results."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalgate.gate.verdict import FAIL, CaseDelta, Verdict
from evalgate.results import CaseResult, CaseStats, _case_stats, aggregate

CASE_STATUSES = ("failed", "error", "passed", "skipped", "pending")
_EPS = 1e-9
_SHARED_BASES = 4096  # equal baseline figures held once per view, at most this many


@dataclass(frozen=True)
class BaseCase:
    """A case's figures in the baseline the run was compared with."""

    score: float | None
    pass_rate: float | None
    answer: str | None = None  # the baseline's answer, when the verdict kept it


@dataclass(frozen=True, slots=True, eq=False)
class CaseRow:
    """One golden case over all its repeats, with its baseline figures when known.

    Its figures over the repeats (``case_id``, ``dataset``, ``file``, ``line``, ``tags``,
    ``score``, ``pass_rate``, ``n``, ``passes``, ``errors``) are read from ``figures``, the
    case's :class:`~evalgate.results.CaseStats` the run already holds, not copied per row;
    ``figures`` None (a single repeat whose figures nobody held): from that repeat, as
    :func:`~evalgate.results.aggregate` makes them, with no figures object per row."""

    figures: CaseStats | None
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

    def __eq__(self, other: object) -> bool:
        """Rows are equal when their fields are, a row without figures comparing as if it
        held those :func:`~evalgate.results.aggregate` makes of its repeat."""
        if not isinstance(other, CaseRow):
            return NotImplemented
        return self._fields() == other._fields()

    def _fields(self) -> tuple[object, ...]:
        f = self.figures
        if f is None:
            r = self._single
            f = _case_stats(r.case_id, [r], {}, {})
        return (f, self.status, self.latency_ms, self.held, self.base, self.compare, self.blocking)

    @property
    def _single(self) -> CaseResult:
        """The row's one repeat (a row without figures has exactly one)."""
        held = self.held
        return held if type(held) is not tuple else held[0]  # type: ignore[return-value]

    @property
    def case_id(self) -> str:
        f = self.figures
        return f.case_id if f is not None else self._single.case_id

    @property
    def dataset(self) -> str:
        f = self.figures
        return f.dataset if f is not None else self._single.dataset

    @property
    def file(self) -> str:
        f = self.figures
        return f.file if f is not None else self._single.file

    @property
    def line(self) -> int:
        f = self.figures
        return f.line if f is not None else self._single.line

    @property
    def tags(self) -> tuple[str, ...]:
        f = self.figures
        return f.tags if f is not None else self._single.tags

    @property
    def score(self) -> float | None:
        f = self.figures
        return f.score if f is not None else _single_score(self._single)

    @property
    def pass_rate(self) -> float | None:
        f = self.figures
        return f.pass_rate if f is not None else _single_pass_rate(self._single)

    @property
    def n(self) -> int:
        """Scored repeats."""
        f = self.figures
        return f.n if f is not None else _single_n(self._single)

    @property
    def passes(self) -> int:
        f = self.figures
        return f.passes if f is not None else _single_passes(self._single)

    @property
    def errors(self) -> int:
        f = self.figures
        return f.errors if f is not None else _single_errors(self._single)

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


# A single repeat's figures, each made as :func:`~evalgate.results._case_stats` makes it.
def _single_n(r: CaseResult) -> int:
    return 1 if r.status in ("passed", "failed") else 0


def _single_errors(r: CaseResult) -> int:
    return 1 if r.status == "error" else 0


def _single_passes(r: CaseResult) -> int:
    return 1 if r.status in ("passed", "failed") and r.passed else 0


def _single_score(r: CaseResult) -> float | None:
    return statistics.fmean((r.score or 0.0,)) if r.status in ("passed", "failed") else None


def _single_pass_rate(r: CaseResult) -> float | None:
    return _single_passes(r) / 1 if r.status in ("passed", "failed") else None


def _latency(reps: tuple[CaseResult, ...]) -> float:
    """A row's latency, summed over its repeats; a single repeat's own float when the sum
    is that same value (no new float per row)."""
    if len(reps) == 1:
        x = reps[0].latency_ms
        if type(x) is float and x != 0.0:  # 0 + x is x (0 + -0.0 is 0.0: left to sum)
            return x
    return sum([r.latency_ms for r in reps])


def _status(stats_passed: bool | None, n: int, errors: int, skipped: bool) -> str:
    if skipped:
        return "skipped"
    if n == 0:
        return "error" if errors else "skipped"
    return "passed" if stats_passed else "failed"


def _row_status(st: CaseStats | None, reps: tuple[CaseResult, ...]) -> str:
    """A row's status from its figures, or (None) from its single repeat."""
    if st is not None:
        return _status(st.passed, st.n, st.errors, st.skipped)
    single = reps[0]
    rate = _single_pass_rate(single)
    passed = None if rate is None else rate >= 0.5
    return _status(passed, _single_n(single), _single_errors(single), single.status == "skipped")


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
) -> Iterator[tuple[str, CaseStats | None, tuple[CaseResult, ...]]]:
    """Each case's figures and its results by repeat, in the order of ``stats`` (of
    :func:`~evalgate.results.aggregate` of ``results`` when not given).

    Ordered results are cut into runs, a case at a time: neither the figures of every case
    (when not given) nor a mapping of every case's results is built on the way; a case of
    one repeat then has no figures made (None: its row reads them from that repeat)."""
    if _ordered(results):
        runs = itertools.groupby(results, key=_case_id)
        if stats is None:  # aggregate's figures, made a case at a time as it makes them
            shared: dict[Any, Any] = {}
            numbers: dict[float, float] = {}
            for cid, group in runs:
                reps = tuple(group)
                if len(reps) == 1:
                    yield cid, None, reps
                else:
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


class _Bases:
    """One :class:`BaseCase` for equal figures without an answer (most rows of a gated run
    have the same: a baseline that passed, ``1.0`` and ``1.0``), as the run shares equal
    per-case figures; a figure is the same only when it is a float of the same value and
    sign, so what a report shows of it is too."""

    def __init__(self) -> None:
        self._made: dict[tuple[float, float, float, float], BaseCase] = {}

    def get(self, score: Any, pass_rate: Any, answer: str | None) -> BaseCase:
        if answer is not None or type(score) is not float or type(pass_rate) is not float:
            return BaseCase(score, pass_rate, answer)
        key = (score, pass_rate, math.copysign(1.0, score), math.copysign(1.0, pass_rate))
        found = self._made.get(key)
        if found is None:
            found = BaseCase(score, pass_rate)
            if len(self._made) < _SHARED_BASES:
                self._made[key] = found
        return found


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
        bases = _Bases()
        for cid, st, reps in _cases(self.results, self.stats):
            d = deltas.get(cid)
            base = None
            # the baseline's answer comes from the verdict alone, so a report written later
            # from the run folder shows the same as the one written at the end of the run
            answer = d.base_answer if d is not None else None
            if baseline is not None and cid in baseline:
                b = baseline[cid]
                base = bases.get(b.get("score"), b.get("pass_rate"), answer)
            elif d is not None and d.status == "shared":
                base = bases.get(d.base_score, d.base_pass_rate, answer)
            elif answer is not None:  # a changed case: its old answer, not its figures
                base = BaseCase(None, None, answer)
            rows.append(
                CaseRow(
                    figures=st,
                    status=_row_status(st, reps),
                    latency_ms=_latency(reps),
                    held=reps[0] if len(reps) == 1 else reps,
                    base=base,
                    compare=d.status if d else None,
                    blocking=tuple(dict.fromkeys(blocking[cid])) if cid in blocking else (),
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
