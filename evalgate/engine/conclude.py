"""The end of every run, new or stored: report files, summary, exit status, baseline.

Nothing here prints: what a run wrote and decided is returned, and the caller (the command
line, the Python API, the pytest plugin) shows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from evalgate.config.model import Config
from evalgate.engine.execution import RunOutput
from evalgate.errors import ConfigError, ExitCode
from evalgate.fsutil import ordered_writes
from evalgate.gate.answers import redactor
from evalgate.gate.apply import SCORER_ERROR, scorer_error_reason, store_for
from evalgate.gate.baseline import Baseline, baseline_from_run
from evalgate.gate.verdict import Reason, Verdict
from evalgate.lazydoc import LazyMap
from evalgate.report.view import RunView
from evalgate.results import RESULTS_FILE, CaseResult, CaseStats, aggregate, iter_results
from evalgate.run_summary import RunSummary
from evalgate.summary import build_run_summary, write_summary


def report_paths(cfg: Config, run_dir: Path) -> dict[str, Path | None]:
    def where(name: str | None) -> Path | None:
        if not name:
            return None
        p = Path(name)
        return p if p.is_absolute() else run_dir / p

    return {
        "junit": where(cfg.reports.junit),
        "markdown": where(cfg.reports.markdown),
        "html": where(cfg.reports.html),
    }


def base_cases(baseline: Baseline | None) -> Mapping[str, dict[str, Any]] | None:
    """The baseline's figures by case id, each built when read (not held per case)."""
    if baseline is None:
        return None
    return LazyMap(baseline.cases, _base_figures)


def _base_figures(c: Any) -> dict[str, Any]:
    return {"score": c.score, "pass_rate": c.pass_rate}


@dataclass(frozen=True)
class Concluded:
    """What :func:`conclude` wrote: the summary, the view reporters read, the files."""

    summary: dict[str, Any]  # as written, its per-case parts built when read (lazydoc)
    view: RunView
    written: dict[str, Path]
    typed: RunSummary  # the same summary, typed (built once, not parsed back)


def conclude(
    cfg: Config,
    out: RunOutput,
    verdict: Verdict | None,
    baseline: Baseline | None,
    *,
    write: bool = True,
    write_reports: bool = True,
    stats: Mapping[str, CaseStats] | None = None,
) -> Concluded:
    """Write the report files (``write_reports``) and ``summary.json`` (``write``).

    With ``write`` False the run folder is left as it is (``compare`` without ``--out``).
    ``stats``: ``aggregate`` of the results without confirmation repeats, when known.
    """
    from evalgate.report import write_reports as write_report_files

    # aggregated once: the summary and the view's rows read the same per-case figures (the
    # view counts confirmation repeats in, so it shares them only when there are none)
    same = not any(r.confirmation for r in out.results)
    if stats is None:
        stats = aggregate(r for r in out.results if not r.confirmation)
    typed = build_run_summary(out.results, out.meta, verdict, stats)
    # the document, its per-case parts built when read: the view reads its header only
    summary = typed.to_document()
    view = RunView.build(
        out.results,
        summary,
        baseline=base_cases(baseline),
        run_dir=out.run_dir,
        details=out.run_dir if out.compact else None,
        stats=stats if same else None,
        verdict=verdict,
    )
    written: dict[str, Path] = {}
    # each file's fsync overlaps the making of the next; all are in place, in this order
    # (the reports, then the summary naming them), when the block ends
    with ordered_writes():
        if write_reports and write:
            paths = report_paths(cfg, out.run_dir)
            written = write_report_files(
                view, junit=paths["junit"], markdown=paths["markdown"], html=paths["html"]
            )
        if write:
            # the document the view shows, with the report files it names
            reports = {k: str(v) for k, v in written.items()}
            summary = {**summary, "reports": reports}
            typed = replace(typed, reports=reports)
            write_summary(out.run_dir, typed)
            written["summary"] = out.run_dir / "summary.json"
    return Concluded(summary, view, written, typed)


@dataclass(frozen=True)
class Status:
    """A run's exit status and, when it is not the verdict's own, the reason why."""

    code: ExitCode
    note: str | None = None  # a line for the user (already in the verdict when gated)


@dataclass(frozen=True)
class ExportOutcome:
    """How pushing a judged run elsewhere (``run --langfuse``) went."""

    lost: bool  # the export failed, or some of the run did not arrive
    strict: bool = False  # --langfuse-strict: a lost export may not pass


def exit_status(
    verdict: Verdict | None,
    summary: RunSummary,
    cfg: Config,
    results: Sequence[CaseResult] = (),
    *,
    unfinished: bool = False,
    export: ExportOutcome | None = None,
) -> Status:
    """The one place a run's exit status is decided (see docs/exit-codes.md).

    ``unfinished``: a stored run that did not finish lacks cases, so what is there may be
    judged, never passed. ``export``: an export failure never changes the gate's exit,
    unless ``strict``, where it turns a pass (0) into inconclusive (3) and leaves any other.
    """
    status = _status(verdict, summary, cfg, results)
    if unfinished and status.code == ExitCode.OK:
        return Status(
            ExitCode.INCONCLUSIVE,
            "inconclusive: the stored run did not finish (interrupted or killed), so cases are"
            " missing and it cannot pass; finish it with 'evalgate run --resume DIR' first",
        )
    if export is not None and export.lost and export.strict and status.code == ExitCode.OK:
        return Status(ExitCode.INCONCLUSIVE, "--langfuse-strict: the export was incomplete; exit 3")
    return status


def _status(
    verdict: Verdict | None,
    summary: RunSummary,
    cfg: Config,
    results: Sequence[CaseResult],
) -> Status:
    if verdict is not None:
        if any(r.kind == SCORER_ERROR for r in verdict.reasons):
            return Status(ExitCode.USAGE)  # a scorer bug: the run could not be judged
        return Status(ExitCode(verdict.exit_code))
    # not gated: a scorer bug is still a usage error, and an unusable run is inconclusive
    reason = scorer_error_reason([r for r in results if not r.confirmation])
    if reason is not None:
        return Status(ExitCode.USAGE, f"error: {reason.message}")
    if summary.aborted:
        return Status(ExitCode.INCONCLUSIVE)
    if summary.totals.error_rate > cfg.gate.max_error_rate:
        return Status(ExitCode.INCONCLUSIVE)
    return Status(ExitCode.OK)


def scorer_failure(results: Sequence[CaseResult]) -> Reason | None:
    """The reason a run's results could not all be scored (a scorer failed), if any."""
    return scorer_error_reason([r for r in results if not r.confirmation])


def record_baseline(
    cfg: Config,
    results: Sequence[CaseResult],
    summary: RunSummary,
    version: str | None,
    promote: bool = False,
    run_dir: Path | None = None,
) -> tuple[Baseline, Path]:
    """Save the run as the baseline of its prompt version (and mark it production).

    ``run_dir``: the run folder, whose ``results.jsonl`` holds the answers the baseline keeps
    (``results`` may be compact ones, without the answers' text)."""
    store = store_for(cfg)
    full = run_dir is not None and (run_dir / RESULTS_FILE).is_file()
    baseline = baseline_from_run(
        [r for r in results if not r.confirmation],
        summary,
        prompt_version=version,
        redact=redactor(cfg.redact.patterns),
        answers_from=iter_results(run_dir) if full and run_dir is not None else None,
    )
    if not baseline.cases:
        raise ConfigError(
            "not recording a baseline: no case of this run was scored (every case was skipped"
            " or errored), so there is nothing to compare later runs with"
        )
    version = baseline.prompt_version
    given = [baseline]  # handed over: its cases let go as the file's history grows
    del baseline
    path, grown = store.record_handed(given, cfg.gate.baseline_samples)
    if promote:
        store.promote(version)
    return grown, path
