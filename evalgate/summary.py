"""``summary.json``: a run's aggregates, verdict and metadata (a stable, versioned format)."""

from __future__ import annotations

import math
import statistics
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalgate import __version__
from evalgate.fsutil import atomic_write_wide_json
from evalgate.gate.verdict import Verdict
from evalgate.lazydoc import LazyMap
from evalgate.results import (
    SUMMARY_FILE,
    SUMMARY_FORMAT_VERSION,
    CaseResult,
    CaseStats,
    aggregate,
    percentile,
)
from evalgate.run_summary import CaseFigures, Rate, RunSummary, Totals, read_summary_document
from evalgate.status import OUTCOMES


@dataclass(frozen=True)
class RunMeta:
    """What a run knows about itself besides its results."""

    run_id: str
    started_at: str
    finished_at: str | None = None
    duration_s: float | None = None
    config_hash: str = ""
    target_url: str = ""
    preset: str | None = None
    requested_prompt_version: str | None = None
    git: Mapping[str, str] | None = None
    shard: str | None = None
    interrupted: bool = False
    aborted: str | None = None
    pending_cases: tuple[str, ...] = ()
    reports: Mapping[str, str] = field(default_factory=dict)


def git_info(cwd: Path) -> dict[str, str] | None:
    """The current git sha and branch, or None outside a repository (or without git)."""
    try:  # one git process for both (each costs a few ms before the first call)
        out = subprocess.run(
            ["git", "rev-parse", "HEAD", "--abbrev-ref", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.stdout.splitlines() if out.returncode == 0 else []
    if not lines or not lines[0].strip():
        return None
    return {"sha": lines[0].strip(), "branch": lines[1].strip() if len(lines) > 1 else ""}


def build_summary(
    results: Sequence[CaseResult], meta: RunMeta, verdict: Verdict | None
) -> dict[str, Any]:
    """The summary document, as written to ``summary.json`` (see :func:`build_run_summary`)."""
    return build_run_summary(results, meta, verdict).to_dict()


def build_run_summary(
    results: Sequence[CaseResult],
    meta: RunMeta,
    verdict: Verdict | None,
    stats: Mapping[str, CaseStats] | None = None,
) -> RunSummary:
    """Aggregate results into the typed summary (see ``evalgate schema result``).

    Confirmation repeats (extra runs of cases that flipped from pass to fail) count for
    tokens, cost and latency, but not in the pass rates and scores, which describe the run.
    ``stats``: :func:`~evalgate.results.aggregate` of the results without confirmation
    repeats, when the caller has it already.
    """
    all_results = results
    if any(r.confirmation for r in all_results):
        results = [r for r in all_results if not r.confirmation]
    if stats is None:
        stats = aggregate(results)
    # counted, not listed: a large run's results are not held again in lists by status
    n_scored = passed_n = n_errors = n_skipped = 0
    for r in results:
        if r.status == "passed" or r.status == "failed":
            n_scored += 1
            passed_n += bool(r.passed)
        elif r.status == "error":
            n_errors += 1
        elif r.status == "skipped":
            n_skipped += 1
    attempted = n_scored + n_errors
    latencies = [
        r.latency_ms for r in all_results if r.status != "skipped" and r.outcome == "success"
    ]
    versions: dict[str, int] = {}
    outcomes: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
    # None until some answer reported a count: a server that sent no usage is "unknown", not 0
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost: float | None = None
    for r in all_results:
        if r.status == "skipped":
            continue
        outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
        responses = r.responses
        for resp in responses:
            if resp.prompt_version:
                versions[resp.prompt_version] = versions.get(resp.prompt_version, 0) + 1
            if resp.input_tokens is not None:
                tokens_in = (tokens_in or 0) + resp.input_tokens
            if resp.output_tokens is not None:
                tokens_out = (tokens_out or 0) + resp.output_tokens
            if resp.cost_usd is not None:
                cost = (cost or 0.0) + resp.cost_usd
    scorers: dict[str, list[int]] = {}
    tags: dict[str, list[int]] = {}
    datasets: dict[str, list[int]] = {}
    for r in results:
        if r.status != "passed" and r.status != "failed":
            continue
        for s in r.scores:
            acc = scorers.setdefault(s.scorer, [0, 0])
            acc[0] += int(s.passed)
            acc[1] += 1
        for t in r.tags:
            acc = tags.setdefault(t, [0, 0])
            acc[0] += int(r.passed)
            acc[1] += 1
        acc = datasets.setdefault(r.dataset, [0, 0])
        acc[0] += int(r.passed)
        acc[1] += 1
    case_scores = [s.score for s in stats.values() if s.score is not None]
    # case-level figures, as the gate sees them: a case passes by majority over its repeats
    judged = [st for st in stats.values() if st.pass_rate is not None]
    cases_passed = sum(1 for st in judged if st.passed)
    prompt_version = max(versions, key=lambda v: versions[v]) if versions else None
    if cost is not None and not math.isfinite(cost):
        cost = None  # costs an endpoint claimed past a float's range: no figure, not Infinity
    return RunSummary(
        format_version=SUMMARY_FORMAT_VERSION,
        run_id=meta.run_id,
        evalgate_version=__version__,
        started_at=meta.started_at,
        finished_at=meta.finished_at,
        duration_s=meta.duration_s,
        git=dict(meta.git) if meta.git else None,
        config_hash=meta.config_hash,
        target_url=meta.target_url,
        target_preset=meta.preset,
        shard=meta.shard,
        interrupted=meta.interrupted,
        aborted=meta.aborted,
        requested_prompt_version=meta.requested_prompt_version,
        prompt_version=prompt_version,
        prompt_versions=dict(sorted(versions.items())),
        datasets=tuple(sorted({r.dataset for r in results})),
        totals=Totals(
            cases=len(stats),
            results=len(results),
            confirmations=len(all_results) - len(results),
            passed=cases_passed,
            failed=len(judged) - cases_passed,
            results_passed=passed_n,
            results_failed=n_scored - passed_n,
            errors=n_errors,
            skipped=n_skipped,
            pending=len(meta.pending_cases),
            pass_rate=statistics.fmean(st.pass_rate or 0.0 for st in judged) if judged else None,
            mean_score=statistics.fmean(case_scores) if case_scores else None,
            error_rate=n_errors / attempted if attempted else 0.0,
        ),
        pending_cases=tuple(meta.pending_cases),
        outcomes=outcomes,
        latency_ms={
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "max": max(latencies) if latencies else None,
        },
        tokens={
            "input": tokens_in,
            "output": tokens_out,
            "total": None
            if tokens_in is None and tokens_out is None
            else (tokens_in or 0) + (tokens_out or 0),
        },
        cost_usd=cost,
        scorers={k: Rate(*v) for k, v in sorted(scorers.items())},
        tags={k: Rate(*v) for k, v in sorted(tags.items())},
        by_dataset={k: Rate(*v) for k, v in sorted(datasets.items())},
        cases=LazyMap(stats, _figures),
        verdict=verdict,
        reports=dict(meta.reports),
    )


def _figures(s: CaseStats) -> CaseFigures:
    """A case's figures in the summary, built from its statistics when read (a run holds
    the statistics only)."""
    return CaseFigures(
        dataset=s.dataset,
        content_hash=s.content_hash,
        file=s.file,
        line=s.line,
        tags=tuple(s.tags),
        n=s.n,
        errors=s.errors,
        skipped=s.skipped,
        score=s.score,
        pass_rate=s.pass_rate,
    )


def write_summary(run_dir: Path, summary: RunSummary | Mapping[str, Any]) -> Path:
    """The one writer of ``summary.json`` (atomic: a reader sees the old or the new file);
    of a :class:`RunSummary`, written a case at a time (never held whole)."""
    path = run_dir / SUMMARY_FILE
    doc = summary.to_document() if isinstance(summary, RunSummary) else dict(summary)
    atomic_write_wide_json(path, doc)
    return path


def read_run_summary(run_dir: Path) -> RunSummary:
    """``summary.json`` of a run folder (or the file itself), checked, as types."""
    return RunSummary.read(run_dir)


def read_summary(run_dir: Path) -> dict[str, Any]:
    """The checked document as written (see :func:`evalgate.run_summary.read_summary_document`)."""
    return read_summary_document(run_dir)
