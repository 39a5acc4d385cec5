"""``evalgate canary``: run the canary cases against production, exit 1 on drift, 3 when down.

Quiet by design, for cron: the JSON summary goes to stdout, nothing to stderr unless the canary
drifted, is down, or ``--verbose`` asks for it. The run itself is an ordinary run folder (kept
under ``<reports.dir>/canary/``, the newest few) so it can be inspected with the usual commands.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from evalgate.cli.common import CONFIG_OPTION, config_path, load_checked_project
from evalgate.errors import ExitCode, UsageError
from evalgate.project import Project
from evalgate.textsafe import show_controls

if TYPE_CHECKING:
    from evalgate.canary import CanaryReport
    from evalgate.results import CaseResult
    from evalgate.run_summary import RunSummary

KEEP_RUNS = 24
"""Run folders kept under ``<reports.dir>/canary/`` (a day of hourly canaries)."""
RUNS_SUBDIR = "canary"


@dataclass(frozen=True)
class CanaryOptions:
    """What ``evalgate canary`` was asked to do (beyond the config)."""

    tags: tuple[str, ...] = ()
    case_ids: tuple[str, ...] = ()
    baseline: str | None = None
    log_json: str | None = None
    webhook: str | None = None
    out: Path | None = None
    verbose: bool = False


def register(app: typer.Typer) -> None:
    @app.command("canary")
    def canary(
        config: Path | None = CONFIG_OPTION,
        tag: list[str] | None = typer.Option(
            None, "--tag", "-t", help="Cases to run (default: canary.tag, 'canary')."
        ),
        case: list[str] | None = typer.Option(None, "--case", help="Only this case id."),
        baseline: str | None = typer.Option(
            None, "--baseline", help="Compare with this promptVersion's baseline."
        ),
        log_json: str | None = typer.Option(
            None, "--log-json", help="One JSON line per model call to FILE (- for stderr)."
        ),
        webhook: str | None = typer.Option(
            None, "--webhook", help="POST an alert here on drift or outage (default: config)."
        ),
        out: Path | None = typer.Option(
            None, "--out", "-o", help="Write the run to this folder (kept, never pruned)."
        ),
        history: bool = typer.Option(False, "--history", help="Show recent canary runs and exit."),
        limit: int = typer.Option(24, "--limit", min=1, help="With --history: how many runs."),
        verbose: bool = typer.Option(
            False, "--verbose", "-v", help="Progress and the report on stderr, even when ok."
        ),
    ) -> int:
        """Run the canary cases, compare latency, tokens and scores with the baseline."""
        project = load_checked_project(config_path(config))
        if history:
            from evalgate.canary import read_history, render_history

            cfg = project.config
            rows = read_history(cfg.resolve(cfg.canary.history), limit)
            sys.stdout.write(render_history(rows) + "\n")
            return ExitCode.OK
        opts = CanaryOptions(
            tuple(tag or ()), tuple(case or ()), baseline, log_json, webhook, out, verbose
        )
        return run_canary(project, opts)


def run_canary(
    project: Project, opts: CanaryOptions, environ: Mapping[str, str] | None = None
) -> int:
    """Run, compare, record the history, alert, print the JSON summary; return the exit code."""
    from evalgate.canary import append_history
    from evalgate.cli.telemetry import Telemetry
    from evalgate.engine.core import Hooks, RunOptions, run_eval
    from evalgate.engine.selection import Selection, select

    env = os.environ if environ is None else environ
    cfg = project.config
    sel = Selection(opts.tags or (() if opts.case_ids else (cfg.canary.tag,)), opts.case_ids)
    if not select(project.goldens.cases, sel)[0]:
        what = f"tagged {' or '.join(repr(t) for t in sel.tags)}" if sel.tags else "selected"
        raise UsageError(
            f"no case {what} to run; tag the cases to watch with"
            f" {cfg.canary.tag!r} or pass --tag / --case"
        )
    runs_dir = cfg.resolve(cfg.reports.dir) / RUNS_SUBDIR
    # the default run folder is <reports.dir>/canary/<run id>, named by the run itself
    run_cfg = cfg if opts.out else replace(cfg, reports=replace(cfg.reports, dir=str(runs_dir)))
    hist_path = cfg.resolve(cfg.canary.history)
    canary_project = replace(project, config=run_cfg)
    options = RunOptions(selection=sel, out=opts.out, gate=False, write_reports=False)
    with Telemetry(cfg, opts.log_json, env) as tel:
        hooks = Hooks(
            on_call=tel.call_listeners(), on_case=tel.case_listeners(quiet=not opts.verbose)
        )
        output = run_eval(canary_project, options=options, hooks=hooks)
        summary = output.run_summary
        if output.interrupted:
            tel.run_finished(summary, command="canary")
            sys.stderr.write(
                f"interrupted: canary not judged; partial results in {output.run_dir}\n"
            )
            return ExitCode.INTERRUPTED
        broken = output.scorer_error
        if broken is not None:  # a scorer bug, not the endpoint: the canary is not judged
            tel.run_finished(summary, command="canary")
            sys.stderr.write(f"error: {broken.message}\n")
            return ExitCode.USAGE
        report, base_version = _judge(project, opts, output.results, summary, hist_path)
        verdict = {
            "status": report.status,
            "reasons": [f.to_dict() for f in report.blocking],
            "baseline_version": base_version,
        }
        tel.run_finished(summary, command="canary", verdict=verdict)
    # telemetry is flushed and closed: what follows only reports the outcome
    run_id = summary.run_id
    append_history(hist_path, report, run_id=run_id)
    url = opts.webhook or cfg.canary.webhook
    if url and report.status != "ok":
        from evalgate.integrations.webhook import post_alert

        post_alert(url, report, run_id=run_id)
    doc: dict[str, Any] = {
        "run_id": run_id,
        "run_dir": str(output.run_dir.resolve()),
        "prompt_version": summary.prompt_version,
        "baseline_version": base_version,
        "exit_code": report.exit_code,
        **report.to_dict(),
    }
    sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    if opts.verbose or report.status != "ok":
        for line in report.lines():
            sys.stderr.write(show_controls(line) + "\n")
    if opts.out is None:
        prune_runs(runs_dir, KEEP_RUNS, output.run_dir)
    return report.exit_code


def _judge(
    project: Project,
    opts: CanaryOptions,
    results: list[CaseResult],
    summary: RunSummary,
    hist_path: Path,
) -> tuple[CanaryReport, str | None]:
    """The canary report and the baseline version it was compared with."""
    from evalgate.canary import (
        compare_canary,
        read_history,
        reference_from_baseline,
        reference_from_history,
    )
    from evalgate.gate.apply import store_for

    cfg = project.config
    version = summary.prompt_version
    base = store_for(cfg).resolve(opts.baseline or cfg.gate.baseline, version)
    cases = base.cases if base is not None else {}
    ref = reference_from_baseline(cases, {r.case_id for r in results})
    if ref.latency_p95_ms is None and ref.mean_tokens is None:
        ref = reference_from_history(read_history(hist_path)) or ref
    report = compare_canary(
        results,
        cases,
        cfg.canary,
        reference=ref,
        max_error_rate=cfg.gate.max_error_rate,
        prompt_version=str(version) if version else None,
        baseline_version=base.prompt_version if base else None,
    )
    return report, (base.prompt_version if base else None)


def prune_runs(folder: Path, keep: int, current: Path | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` run folders; return the removed.

    Run ids start with the second they began, then a random suffix: runs of the same second
    are ordered by when their ``run.json`` was written, not by the suffix. Only folders that
    hold a ``run.json`` are touched (anything else a user put there stays), and never
    ``current`` (the run just made).
    """
    if not folder.is_dir():
        return []
    runs = sorted(
        (p for p in folder.iterdir() if p.is_dir() and (p / "run.json").is_file()), key=_started
    )
    removed = [p for p in runs[: max(len(runs) - keep, 0)] if p != current]
    for p in removed:
        shutil.rmtree(p, ignore_errors=True)
    return removed


def _started(run: Path) -> tuple[str, int, str]:
    """A run folder's place in time: the second in its id, then its ``run.json``'s stamp."""
    try:
        stamp = (run / "run.json").stat().st_mtime_ns
    except OSError:
        stamp = 0
    return (run.name[:15], stamp, run.name)
