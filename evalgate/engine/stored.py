"""Stored runs, without calling the endpoint: load, merge shards, rescore, copy, use as a
reference (``compare``). The engine judges what these return (:func:`~.core.gate_stored`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import ExitStack, asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from evalgate.config.model import Config
from evalgate.engine.execution import RunOutput, new_run_dir, new_run_id, now_iso
from evalgate.errors import ConfigError, UsageError
from evalgate.gate.baseline import Baseline, baseline_from_run
from evalgate.llmjudge.grader import Judge
from evalgate.llmjudge.phase import result_fields, score_case_async
from evalgate.llmjudge.session import open_judge
from evalgate.model import Case
from evalgate.results import CaseResult, ResultsWriter, iter_latest
from evalgate.results_compact import CompactResults, read_compact
from evalgate.runlock import ensure_idle
from evalgate.shards import check_merge
from evalgate.summary import RunMeta, build_summary, read_summary


def load_run(run_dir: Path) -> RunOutput:
    """A stored run as the pipeline's output (summary metadata kept where it exists).

    Its results are compact (:mod:`evalgate.results_compact`): what needs requests and
    answers reads them from ``results.jsonl`` (:func:`evalgate.results.iter_latest`).
    """
    if not run_dir.is_dir():
        raise UsageError(f"{run_dir}: not a folder; pass a run folder written by 'evalgate run'")
    ensure_idle(run_dir)
    results = read_compact(run_dir)
    summary: dict[str, Any] = {}
    finished = (run_dir / "summary.json").exists()
    if finished:
        summary = read_summary(run_dir)
    run_id = str(summary.get("run_id") or run_dir.name)
    meta = RunMeta(
        run_id=run_id,
        started_at=str(summary.get("started_at") or now_iso()),
        finished_at=summary.get("finished_at"),
        duration_s=summary.get("duration_s"),
        config_hash=str(summary.get("config_hash") or ""),
        target_url=str((summary.get("target") or {}).get("url") or ""),
        preset=(summary.get("target") or {}).get("preset"),
        requested_prompt_version=summary.get("requested_prompt_version"),
        git=summary.get("git"),
        shard=summary.get("shard"),
        # no summary: the run was killed before its end, so cases may be missing
        interrupted=bool(summary.get("interrupted", False)) or not finished,
        pending_cases=tuple(summary.get("pending_cases") or ()),
    )
    return RunOutput(run_dir, run_id, results, meta, meta.interrupted, compact=True)


def reference_of(run: RunOutput) -> Baseline:
    """A stored run as the baseline another run is compared with (``compare``)."""
    summary = build_summary(run.results, run.meta, None)
    return baseline_from_run(
        [r for r in run.results if not r.confirmation],
        summary,
        prompt_version=f"run {run.run_id}",
    )


def merge_runs(
    runs: Sequence[Path], out: Path, allow_unsharded: bool = False, hold: ExitStack | None = None
) -> RunOutput:
    """Join shard runs into one run folder (see :func:`evalgate.shards.check_merge`).

    A case in two runs is an error (wrong --shard). ``out`` stays locked until ``hold`` closes.
    """
    if not runs:
        raise UsageError("name at least one run folder to merge")
    dupes = sorted({str(r) for r in runs if sum(x.resolve() == r.resolve() for x in runs) > 1})
    if dupes:
        raise UsageError(f"run folder named more than once: {', '.join(dupes)}")
    loaded = [load_run(r) for r in runs]
    check_merge(loaded, allow_unsharded)
    owner: dict[str, Path] = {}
    for lr in loaded:
        for cid in {r.case_id for r in lr.results}:
            if cid in owner and owner[cid] != lr.run_dir:
                raise ConfigError(
                    f"case {cid!r} is in both {owner[cid]} and {lr.run_dir};"
                    " merge runs of distinct shards (--shard i/n with the same n)"
                )
            owner[cid] = lr.run_dir
    del owner
    # checked: from here on the shards' figures are not needed, only their complete results
    loaded = [replace(lr, results=[]) for lr in loaded]
    run_id = new_run_id()
    new_run_dir(out, run_id, {"merged_from": [str(r) for r in runs]}, hold, resumable=False)
    kept = CompactResults()
    with ResultsWriter(out, kept.add) as w:
        for r in iter_latest([lr.run_dir for lr in loaded]):
            w.write(r)
    first = loaded[0].meta
    meta = replace(
        first,
        run_id=run_id,
        shard=None,
        interrupted=any(lr.interrupted for lr in loaded),
        pending_cases=tuple(sorted({p for lr in loaded for p in lr.meta.pending_cases})),
        duration_s=sum(lr.meta.duration_s or 0.0 for lr in loaded),
        finished_at=now_iso(),
    )
    return RunOutput(out, run_id, kept.results(), meta, meta.interrupted, compact=True)


def copy_run(src: RunOutput, out: Path, hold: ExitStack | None = None) -> RunOutput:
    """A copy of a run's results in a new run folder (to judge it without touching the original)."""
    run_id = new_run_id()
    new_run_dir(out, run_id, {"copied_from": str(src.run_dir)}, hold, resumable=False)
    kept = CompactResults()
    with ResultsWriter(out, kept.add) as w:
        # compact results lack requests and answers: the complete ones are read one at a time
        for r in iter_latest([src.run_dir]) if src.compact else src.results:
            w.write(r)
    meta = replace(src.meta, run_id=run_id)
    return RunOutput(out, run_id, kept.results(), meta, src.interrupted, compact=True)


def rescore_run(
    run_dir: Path,
    cases: Sequence[Case],
    out: Path,
    hold: ExitStack | None = None,
    config: Config | None = None,
) -> RunOutput:
    """Re-apply the current goldens' scorers to the responses stored in a run.

    With ``config``, judge-graded scorers ask its judge (cached verdicts cost nothing).
    """
    src = load_run(run_dir)
    by_id = {c.id: c for c in cases}
    run_id = new_run_id()
    new_run_dir(out, run_id, {"rescored_from": str(run_dir)}, hold, resumable=False)
    stored = {r.case_id for r in src.results}
    missing = sorted(stored - by_id.keys())
    judged = [by_id[cid] for cid in sorted(stored) if cid in by_id]
    src = replace(src, results=[])  # what is kept is the rescored results, not these
    del stored

    async def rescore_all(w: ResultsWriter) -> None:
        async with open_judge(config, judged, out) if config else _no_judge() as judge:
            # result by result: one stored answer at a time is held, not the whole run
            for r in iter_latest([run_dir]):
                case = by_id.get(r.case_id)
                if case is not None:
                    w.write(await _rescore(r, case, judge))

    kept = CompactResults()
    with ResultsWriter(out, kept.add) as w:
        asyncio.run(rescore_all(w))
    if missing:
        import sys

        sys.stderr.write(
            f"left out {len(missing)} case(s) no longer in the goldens: {', '.join(missing[:5])}\n"
        )
    meta = replace(src.meta, run_id=run_id, finished_at=now_iso())
    return RunOutput(out, run_id, kept.results(), meta, src.interrupted, compact=True)


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
