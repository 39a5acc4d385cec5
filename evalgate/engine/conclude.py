"""The end of every run, new or stored: report files, summary, exit status, baseline.

Nothing here prints: what a run wrote and decided is returned, and the caller (the command
line, the Python API, the pytest plugin) shows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalgate.config.model import Config
from evalgate.engine.execution import RunOutput
from evalgate.errors import ConfigError, ExitCode
from evalgate.gate.apply import SCORER_ERROR, scorer_error_reason, store_for
from evalgate.gate.baseline import Baseline, baseline_from_run
from evalgate.gate.verdict import Reason, Verdict
from evalgate.report.view import RunView
from evalgate.results import CaseResult, CaseStats, aggregate
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


def base_cases(baseline: Baseline | None) -> dict[str, dict[str, Any]] | None:
    if baseline is None:
        return None
    return {cid: {"score": c.score, "pass_rate": c.pass_rate} for cid, c in baseline.cases.items()}


@dataclass(frozen=True)
class Concluded:
    """What :func:`conclude` wrote: the summary, the view reporters read, the files."""

    summary: dict[str, Any]
    view: RunView
    written: dict[str, Path]


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
    summary = build_run_summary(out.results, out.meta, verdict, stats).to_dict()
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
    if write_reports and write:
        paths = report_paths(cfg, out.run_dir)
        written = write_report_files(
            view, junit=paths["junit"], markdown=paths["markdown"], html=paths["html"]
        )
    if write:
        # the document the view shows, with the report files it names
        summary = {**summary, "reports": {k: str(v) for k, v in written.items()}}
        write_summary(out.run_dir, summary)
        written["summary"] = out.run_dir / "summary.json"
    return Concluded(summary, view, written)


@dataclass(frozen=True)
class Status:
    """A run's exit status and, when it is not the verdict's own, the reason why."""

    code: ExitCode
    note: str | None = None  # a line for the user (already in the verdict when gated)


def exit_status(
    verdict: Verdict | None,
    summary: Mapping[str, Any],
    cfg: Config,
    results: Sequence[CaseResult] = (),
    *,
    unfinished: bool = False,
) -> Status:
    """The one place a run's exit status is decided (see docs/exit-codes.md).

    ``unfinished``: a stored run that did not finish lacks cases, so what is there may be
    judged, never passed.
    """
    status = _status(verdict, summary, cfg, results)
    if unfinished and status.code == ExitCode.OK:
        return Status(
            ExitCode.INCONCLUSIVE,
            "inconclusive: the stored run did not finish (interrupted or killed), so cases are"
            " missing and it cannot pass; finish it with 'evalgate run --resume DIR' first",
        )
    return status


def _status(
    verdict: Verdict | None,
    summary: Mapping[str, Any],
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
    if summary.get("aborted"):
        return Status(ExitCode.INCONCLUSIVE)
    if (summary["totals"].get("error_rate") or 0.0) > cfg.gate.max_error_rate:
        return Status(ExitCode.INCONCLUSIVE)
    return Status(ExitCode.OK)


def scorer_failure(results: Sequence[CaseResult]) -> Reason | None:
    """The reason a run's results could not all be scored (a scorer failed), if any."""
    return scorer_error_reason([r for r in results if not r.confirmation])


def record_baseline(
    cfg: Config,
    results: Sequence[CaseResult],
    summary: Mapping[str, Any],
    version: str | None,
    promote: bool = False,
) -> tuple[Baseline, Path]:
    """Save the run as the baseline of its prompt version (and mark it production)."""
    store = store_for(cfg)
    baseline = baseline_from_run(
        [r for r in results if not r.confirmation], summary, prompt_version=version
    )
    if not baseline.cases:
        raise ConfigError(
            "not recording a baseline: no case of this run was scored (every case was skipped"
            " or errored), so there is nothing to compare later runs with"
        )
    path, grown = store.record(baseline, cfg.gate.baseline_samples)
    if promote:
        store.promote(baseline.prompt_version)
    return grown, path
