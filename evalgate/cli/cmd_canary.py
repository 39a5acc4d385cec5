"""``evalgate canary``: run the canary cases against production, exit 1 on drift, 3 when down."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

import typer

from evalgate.cli.common import CONFIG_OPTION, config_path, load_checked_project
from evalgate.errors import ExitCode, UsageError


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
        out: Path | None = typer.Option(None, "--out", "-o", help="Keep the run in this folder."),
        history: bool = typer.Option(False, "--history", help="Show recent canary runs and exit."),
        limit: int = typer.Option(24, "--limit", min=1, help="With --history: how many runs."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Findings on stderr too."),
    ) -> int:
        """Run the canary cases, compare latency, tokens and scores with the baseline."""
        project = load_checked_project(config_path(config))
        cfg = project.config
        hist_path = cfg.resolve(cfg.canary.history)
        from evalgate.canary import (
            append_history,
            compare_canary,
            read_history,
            reference_from_baseline,
            reference_from_history,
            render_history,
        )

        if history:
            sys.stdout.write(render_history(read_history(hist_path, limit)) + "\n")
            return ExitCode.OK
        from evalgate.cli.runflow import RunOptions, perform_run
        from evalgate.judge import store_for
        from evalgate.pipeline import Selection
        from evalgate.results import read_results

        sel = Selection(tuple(tag or ([] if case else [cfg.canary.tag])), tuple(case or ()))
        run_dir = out or Path(tempfile.mkdtemp(prefix="evalgate-canary-"))
        try:
            done = perform_run(
                project,
                RunOptions(
                    sel, run_dir, no_gate=True, quiet=True, log_json=log_json, reports=False
                ),
            )
            if done.code == ExitCode.INTERRUPTED:
                return done.code
            results = read_results(run_dir)
            if not results:
                raise UsageError(
                    f"no case tagged {cfg.canary.tag!r} to run; tag the cases to"
                    " watch with 'canary' or pass --tag / --case"
                )
            version = done.summary.get("prompt_version")
            base = store_for(cfg).resolve(baseline or cfg.gate.baseline, version)
            cases = base.cases if base is not None else {}
            ids = {r.case_id for r in results}
            ref = reference_from_baseline(cases, ids)
            if ref.latency_p95_ms is None and ref.mean_tokens is None:
                ref = reference_from_history(read_history(hist_path)) or ref
            report = compare_canary(
                results, cases, cfg.canary, reference=ref, max_error_rate=cfg.gate.max_error_rate
            )
            append_history(hist_path, report, run_id=str(done.summary.get("run_id")))
            url = webhook or cfg.canary.webhook
            if url and report.status != "ok":
                from evalgate.integrations.webhook import post_alert

                post_alert(url, report, run_id=str(done.summary.get("run_id")))
            doc = {
                "run_id": done.summary.get("run_id"),
                "prompt_version": version,
                "baseline_version": base.prompt_version if base else None,
                **report.to_dict(),
            }
            sys.stdout.write(json.dumps(doc, indent=2) + "\n")
            if verbose or report.status != "ok":
                for line in report.lines():
                    sys.stderr.write(line + "\n")
            return report.exit_code
        finally:
            if out is None:
                shutil.rmtree(run_dir, ignore_errors=True)
