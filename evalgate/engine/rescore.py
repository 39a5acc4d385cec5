"""Rescoring a stored run: its answers scored again by the current scorers (and judge), into
a new run folder, without calling the endpoint."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import ExitStack, asynccontextmanager
from dataclasses import replace
from itertools import repeat
from pathlib import Path

from evalgate.config.model import Config
from evalgate.engine.execution import RunOutput, new_run_dir, new_run_id, now_iso
from evalgate.engine.stored_meta import SummaryAhead, stored_meta
from evalgate.errors import ConfigError
from evalgate.llmjudge.drift import check as judge_drift
from evalgate.llmjudge.grader import Judge
from evalgate.llmjudge.phase import result_fields, score_case_async, uses_judge
from evalgate.llmjudge.session import open_judge
from evalgate.model import Case
from evalgate.results import (
    RESULTS_FILE,
    CaseResult,
    LineOffsets,
    iter_latest,
    iter_results,
    read_at,
)
from evalgate.results_compact import CompactResults
from evalgate.results_writer import ResultsWriter


def rescore_run(
    run_dir: Path,
    cases: Sequence[Case],
    out: Path,
    hold: ExitStack | None = None,
    config: Config | None = None,
    *,
    judge_cache: bool = True,
) -> RunOutput:
    """Re-apply the current goldens' scorers to the responses stored in a run.

    With ``config``, judge-graded scorers ask its judge (cached verdicts cost nothing, unless
    ``judge_cache`` is False).
    """
    return rescore_handed([cases], run_dir, out, hold, config, judge_cache=judge_cache)


def rescore_handed(
    handed: list[Sequence[Case]],
    run_dir: Path,
    out: Path,
    hold: ExitStack | None = None,
    config: Config | None = None,
    *,
    judge_cache: bool = True,
    ahead: SummaryAhead | None = None,
) -> RunOutput:
    """:func:`rescore_run` for a caller that hands its golden set over: ``handed`` (one
    sequence of cases) is emptied, and each case is let go once its results are rescored, so
    a large golden set is not held while the rescored run is judged and reported. ``ahead``:
    the run's summary, read before the golden set was built
    (:func:`~evalgate.engine.stored_meta.summary_ahead`)."""
    by_id = {c.id: c for c in handed.pop()}
    # the stored results are not held: only which lines to read back, in their order
    src, keys, offsets = _index(run_dir, ahead)
    run_id = new_run_id()
    new_run_dir(out, run_id, {"rescored_from": str(run_dir)}, hold, resumable=False)
    stored = {cid for cid, _ in keys}
    missing = sorted(stored - by_id.keys())
    # what the judge needs, its drift check after: the cases a judge grades, in id order
    judged = [by_id[cid] for cid in sorted(stored) if cid in by_id and uses_judge(by_id[cid])]
    del stored, keys
    complete: Iterator[CaseResult]
    if offsets is None:
        complete = iter_latest([run_dir])
    else:  # read at the offsets found while indexing (read_at needs no key to read a line)
        complete = read_at([run_dir / RESULTS_FILE], zip(repeat(("", 0)), repeat(0), offsets))
    del offsets

    async def rescore_all(w: ResultsWriter) -> None:
        opened = open_judge(config, judged, out, cache=judge_cache) if config else _no_judge()
        async with opened as judge:
            # result by result: one stored answer at a time is held, not the whole run; the
            # results come by case id, so a case is let go when the next one's results begin
            case: Case | None = None
            for r in complete:
                if case is None or case.id != r.case_id:
                    case = by_id.pop(r.case_id, None)
                if case is not None:
                    w.write(await _rescore(r, case, judge))

    kept = CompactResults()
    with ResultsWriter(out, kept.add) as w:
        asyncio.run(rescore_all(w))
    by_id.clear()
    drift = None  # a judge that no longer grades as calibrated: its new verdicts are not trusted
    if config is not None:
        drift = judge_drift(config, judged, out, cache=judge_cache)
    if missing:
        import sys

        sys.stderr.write(
            f"left out {len(missing)} case(s) no longer in the goldens: {', '.join(missing[:5])}\n"
        )
    meta = replace(src.meta, run_id=run_id, finished_at=now_iso())
    return RunOutput(
        out, run_id, kept.results(), meta, src.interrupted, compact=True, judge_drift=drift
    )


@asynccontextmanager
async def _no_judge() -> AsyncIterator[None]:
    yield None


async def _rescore(r: CaseResult, case: Case, judge: Judge | None) -> CaseResult:
    base = replace(
        r,
        content_hash=case.content_hash,
        tags=case.tags,
        file=case.file,
        line=case.line,
        threshold=case.threshold,
        weight=case.weight,
    )
    if r.status in ("error", "skipped") and r.outcome != "judge_error":  # the judge: ask again
        return base
    responses = r.responses
    expected = len(case.turns) if case.turns else 1
    if len(responses) != expected:
        return replace(
            base,
            status="error",
            passed=False,
            score=None,
            scores=(),
            error=f"stored run has {len(responses)} turn(s), the case now has"
            f" {expected}; re-run it",
        )
    cs = await score_case_async(case, responses, judge)
    return replace(base, **result_fields(cs))


def _index(
    run_dir: Path, ahead: SummaryAhead | None
) -> tuple[RunOutput, list[tuple[str, int]], list[int] | None]:
    """A stored run as :func:`load_indexed` loads it (the same checks, the same errors in the
    same order), but without its results: the keys ``(case id, repeat)`` of its latest
    results in their order, and where their lines start (None when the file is read as text,
    then :func:`~evalgate.results.iter_latest` reads it again)."""
    meta = stored_meta(run_dir, ahead)
    file = run_dir / RESULTS_FILE
    where: dict[tuple[str, int], int] = {}
    indexed = LineOffsets(file)
    for offset, r in indexed:
        where[(r.case_id, r.repeat)] = offset
    offsets: list[int] | None = None
    if indexed.text_lines:
        where.clear()
        keys = sorted({(r.case_id, r.repeat) for r in iter_results(file)})
    else:
        keys = sorted(where)
        offsets = [where[k] for k in keys]
    del where
    if isinstance(meta, ConfigError):
        raise meta
    return RunOutput(run_dir, meta.run_id, [], meta, meta.interrupted, compact=True), keys, offsets
