"""Stored runs, without calling the endpoint: load, merge shards, copy, use as a reference
(``compare``), present (``report``); ``engine/rescore.py`` rescores one. The engine judges
what these return (:func:`~.core.gate_stored`); :func:`present_stored` shows one as it was
judged."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from evalgate import __version__
from evalgate.engine.execution import RunOutput, new_run_dir, new_run_id, now_iso
from evalgate.engine.stored_meta import SummaryAhead, stored_meta
from evalgate.errors import ConfigError, UsageError
from evalgate.gate.answers import AnswerPicker
from evalgate.gate.baseline import Baseline, baseline_from_handed
from evalgate.gate.casetable import CaseTable
from evalgate.report.view import RunView
from evalgate.results import (
    RESULTS_FILE,
    SUMMARY_FILE,
    CaseResult,
    iter_latest,
    iter_results,
    read_at,
)
from evalgate.results_compact import CompactResults, read_compact, read_indexed
from evalgate.results_writer import ResultsWriter
from evalgate.run_summary import RunSummary, read_summary_document
from evalgate.runlock import ensure_idle
from evalgate.shards import check_merge
from evalgate.summary import RunMeta, build_summary
from evalgate.summary_outline import read_shown_typed

_NO_KEY = ("", 0)  # read_at reads the offsets only


def load_run(run_dir: Path) -> RunOutput:
    """A stored run as the pipeline's output (summary metadata kept where it exists).

    Its results are compact (:mod:`evalgate.results_compact`): what needs requests and
    answers reads them from ``results.jsonl`` (:func:`evalgate.results.iter_latest`).
    """
    return load_indexed(run_dir)[0]


def load_indexed(
    run_dir: Path,
    each: Callable[[CaseResult, int], None] | None = None,
    known: Mapping[str, str] | None = None,
    *,
    ahead: SummaryAhead | None = None,
    index: bool = True,
) -> tuple[RunOutput, list[int] | None]:
    """:func:`load_run`, and where each result's line starts in ``results.jsonl`` (in the
    results' order; None when the file must be read as text, see
    :func:`~evalgate.results_compact.read_indexed`, which also says what ``each`` gets and
    what ``known`` shares, and what ``index`` False leaves out), from the same single pass.
    ``ahead``: the run's summary, read before (:func:`~.stored_meta.summary_ahead`)."""
    meta = stored_meta(run_dir, ahead)
    results, offsets = read_indexed(run_dir, each, known, index=index)
    if isinstance(meta, ConfigError):
        raise meta
    return RunOutput(run_dir, meta.run_id, results, meta, meta.interrupted, compact=True), offsets


def _complete(
    runs: Sequence[tuple[RunOutput, list[int] | None]],
) -> Iterator[CaseResult]:
    """The complete results of these loaded runs, one at a time, in the order
    :func:`~evalgate.results.iter_latest` gives them: read at the offsets their loading found,
    or, for a run read as text, as iter_latest reads it."""
    if any(offsets is None for _, offsets in runs):
        return iter_latest([run.run_dir for run, _ in runs])
    files = [run.run_dir / RESULTS_FILE for run, _ in runs]
    if len(runs) == 1:  # in its results' order already: no table of keys and offsets
        return read_at(files, ((_NO_KEY, 0, off) for off in runs[0][1] or ()))
    where = [
        ((r.case_id, r.repeat), n, off)
        for n, (run, offsets) in enumerate(runs)
        for r, off in zip(run.results, offsets or (), strict=True)
    ]
    if len(runs) > 1:
        where.sort(key=lambda w: (w[0], w[1]))
    return read_at(files, where)


def present_stored(run_dir: Path, *, figures: bool = True) -> RunView:
    """Present these stored results: the run's results and its summary as written, for
    reporters; nothing is judged again and the folder is left as it is (``evalgate report``).

    A run killed before writing its summary is summarised from its results (not gated).
    ``figures`` False: the summary's per-case figures, which no report shows, are checked but
    not held, and its verdict's deltas are held typed only
    (:func:`~evalgate.summary_outline.read_shown_typed`).
    """
    if not run_dir.is_dir():
        raise UsageError(f"{run_dir}: not a folder; pass a run folder written by 'evalgate run'")
    ensure_idle(run_dir)
    if not (run_dir / RESULTS_FILE).is_file():
        raise ConfigError(
            f"{run_dir}: no {RESULTS_FILE} here; pass a run folder written by 'evalgate run'"
        )
    verdict = None  # typed by the view from the summary, unless read typed
    if not (run_dir / SUMMARY_FILE).is_file():
        results = read_compact(run_dir)  # requests and answers: read for the rows shown in detail
        summary = build_summary(results, RunMeta(run_id=run_dir.name, started_at=""), None)
    else:
        # the summary first: its text is let go before the results are held
        if figures:
            summary = read_summary_document(run_dir)
        else:
            summary, verdict = read_shown_typed(run_dir)
        results = read_compact(run_dir)
    return RunView.build(results, summary, run_dir=run_dir, details=run_dir, verdict=verdict)


def reference_of(run: RunOutput, answers: AnswerPicker | None = None) -> Baseline:
    """A stored run as the baseline another run is compared with (``compare``).

    ``answers``: its answers, picked while it was read (else they are read again). Its
    version is named for the run, so of a summary it takes only what the run's meta says:
    it is not summarised (which held a second set of its per-case statistics)."""
    return _reference(run, [[r for r in run.results if not r.confirmation]], answers)


def _reference(
    run: RunOutput, handed: list[list[CaseResult]], answers: AnswerPicker | None
) -> Baseline:
    """:func:`reference_of` of ``run``'s results ``handed`` over (one list, emptied as the
    reference's cases are made: see :func:`~evalgate.gate.baseline.baseline_from_handed`)."""
    meta = run.meta
    summary = RunSummary(
        run_id=meta.run_id,
        evalgate_version=__version__,
        git=dict(meta.git) if meta.git else None,
        config_hash=meta.config_hash,
    )
    full = (run.run_dir / RESULTS_FILE).is_file()
    return baseline_from_handed(
        handed,
        summary,
        prompt_version=f"run {run.run_id}",
        answers_from=iter_results(run.run_dir) if full and answers is None else None,
        answers=answers,
        table=CaseTable(),  # its cases in columns, each made when the gate reads it
    )


def load_reference(run_dir: Path) -> Baseline:
    """``reference_of(load_run(run_dir))``, reading ``results.jsonl`` once: the answers the
    reference keeps are picked in the pass that reads its figures, and its results are handed
    over, each case's let go as its reference case is made (the results and the reference are
    not held whole together)."""
    picker = AnswerPicker(run_dir / RESULTS_FILE)
    # where its lines start is not needed: no key or offset per result is held
    run, offsets = load_indexed(run_dir, picker.add, index=False)
    # read as text (offsets None): the picker saw part of the file, so the answers are read again
    picked = picker if offsets is not None else None
    del offsets
    handed = [[r for r in run.results if not r.confirmation]]
    run = replace(run, results=[])
    return _reference(run, handed, picked)


def held_texts(reference: Baseline) -> dict[str, str]:
    """The case ids and content hashes a reference holds, each mapping to itself: what the
    run compared with it shares instead of holding equal copies (``known`` of
    :func:`load_indexed`)."""
    texts = {cid: cid for cid in reference.cases}
    cases = reference.cases
    hashes = (
        cases.content_hashes()
        if isinstance(cases, CaseTable)
        else (case.content_hash for case in cases.values())
    )
    for h in hashes:
        texts.setdefault(h, h)
    return texts


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
    indexed = [load_indexed(r) for r in runs]
    loaded = [lr for lr, _ in indexed]
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
    # checked: from here on the shards' figures are not needed, only their complete results,
    # read at the offsets found while loading them
    complete = _complete(indexed)
    del indexed
    loaded = [replace(lr, results=[]) for lr in loaded]
    run_id = new_run_id()
    new_run_dir(out, run_id, {"merged_from": [str(r) for r in runs]}, hold, resumable=False)
    kept = CompactResults()
    with ResultsWriter(out, kept.add) as w:
        for r in complete:
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


def copy_run(
    src: RunOutput,
    out: Path,
    hold: ExitStack | None = None,
    offsets: list[int] | None = None,
) -> RunOutput:
    """A copy of a run's results in a new run folder (to judge it without touching the original).

    ``offsets``: where its results' lines start, when :func:`load_indexed` found them."""
    run_id = new_run_id()
    new_run_dir(out, run_id, {"copied_from": str(src.run_dir)}, hold, resumable=False)
    kept = CompactResults()
    complete: Iterable[CaseResult] = src.results
    keep: Callable[[CaseResult], None] = kept.add
    if src.compact:  # compact results lack requests and answers: read one at a time
        complete = _complete([(src, offsets)])
        # the copy's compact results are the stored ones wherever writing them again (masked
        # again) changed nothing: those objects are held, not a second set of them
        stored = iter(src.results)

        def keep(r: CaseResult) -> None:
            kept.add_like(r, next(stored, None))

    with ResultsWriter(out, keep) as w:
        for r in complete:
            w.write(r)
    meta = replace(src.meta, run_id=run_id)
    return RunOutput(out, run_id, kept.results(), meta, src.interrupted, compact=True)
