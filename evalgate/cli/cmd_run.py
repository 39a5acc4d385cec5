"""``evalgate run``: the main job — run goldens against the target, score, gate, report."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from evalgate.cli import process
from evalgate.cli.common import CONFIG_OPTION, config_path, load_checked_project
from evalgate.errors import UsageError

if TYPE_CHECKING:  # the engine is imported when the command runs (see process.calling)
    from evalgate.cli.present import Presentation
    from evalgate.engine.core import EvalResult, RunOptions
    from evalgate.project import Project


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(
        config: Path | None = CONFIG_OPTION,
        goldens: list[Path] | None = typer.Option(
            None, "--goldens", "-g", help="Golden files or folders to run."
        ),
        tag: list[str] | None = typer.Option(
            None, "--tag", "-t", help="Only cases with this tag (repeatable: any of them)."
        ),
        case: list[str] | None = typer.Option(
            None, "--case", help="Only this case id (repeatable: any of them)."
        ),
        repeat: int | None = typer.Option(None, "--repeat", min=1, help="Run every case N times."),
        concurrency: int | None = typer.Option(
            None,
            "--concurrency",
            "-j",
            min=1,
            help="Calls in flight (default: target.concurrency).",
        ),
        shard: str | None = typer.Option(None, "--shard", help="Run only shard i of n (e.g. 2/4)."),
        baseline: str | None = typer.Option(
            None, "--baseline", help="Compare with this promptVersion's baseline."
        ),
        no_gate: bool = typer.Option(False, "--no-gate", help="Report results without gating."),
        record: bool = typer.Option(
            False, "--record-baseline", help="Record this run as the baseline of its promptVersion."
        ),
        promote: bool = typer.Option(
            False, "--promote", help="With --record-baseline: also mark it as production."
        ),
        out: Path | None = typer.Option(None, "--out", "-o", help="Run folder to write."),
        resume: Path | None = typer.Option(
            None, "--resume", help="Finish an interrupted run in this folder."
        ),
        prompt_version: str | None = typer.Option(
            None, "--prompt-version", help="The promptVersion this run is meant to test."
        ),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the verdict line."),
        as_json: bool = typer.Option(False, "--json", help="Print the summary JSON on stdout."),
        log_json: str | None = typer.Option(
            None,
            "--log-json",
            metavar="FILE",
            help="One JSON line per model call to FILE (- for stderr).",
        ),
        langfuse: bool = typer.Option(False, "--langfuse", help="Export the run to Langfuse."),
        langfuse_strict: bool = typer.Option(
            False,
            "--langfuse-strict",
            help="With --langfuse: a failed or partial export turns exit 0 into 3.",
        ),
        run_budget: str | None = typer.Option(
            None,
            "--run-budget",
            metavar="TIME",
            help="Stop calling after this long (e.g. 900, 90s, 15m, 1h; 0 or none: no limit)"
            " and end inconclusive (exit 3), keeping what finished. Default: target.run_budget_s.",
        ),
        max_cost: str | None = typer.Option(
            None,
            "--max-cost",
            metavar="USD",
            help="Stop starting cases once the run (target and LLM judge) has spent this much"
            " (e.g. 5 or 2.50; 0 or none: no limit) and end inconclusive (exit 3), keeping what"
            " finished; refuse the run (exit 2) when the estimate is larger."
            " Default: target.max_cost_usd.",
        ),
        no_judge_cache: bool = typer.Option(
            False, "--no-judge-cache", help="Ask the LLM judge again instead of reusing verdicts."
        ),
    ) -> int:
        """Run the goldens against the target, score them, gate against the baseline, report."""
        process.calling(config_path(config))  # aiohttp's import overlaps the engine's, from here
        from evalgate.cli.cmd_judge import judge_cache_on
        from evalgate.engine.selection import Selection
        from evalgate.runner import parse_shard

        if resume is not None and out is not None and resume != out:
            raise UsageError("--resume DIR already names the run folder; drop --out")
        try:
            sel = Selection(
                tuple(tag or ()), tuple(case or ()), parse_shard(shard) if shard else None, repeat
            )
            budget = parse_duration(run_budget) if run_budget is not None else None
            cost_limit = parse_cost(max_cost) if max_cost is not None else None
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        project = load_checked_project(config_path(config), goldens)
        cfg = project.config
        export = langfuse or langfuse_strict
        if export:
            from evalgate.cli.cmd_langfuse import check_export

            check_export(cfg)  # before any call: a missing extra or key never costs a run
        from evalgate.cli.present import Presentation, to_stderr
        from evalgate.engine.core import RunOptions

        opts = RunOptions(
            selection=sel,
            out=resume or out,
            resume=resume is not None,
            concurrency=concurrency,
            gate=not no_gate,
            baseline=baseline,
            prompt_version=prompt_version,
            record_baseline=record,
            promote=promote,
            run_budget_s=budget,
            max_cost_usd=cost_limit,
            judge_cache=judge_cache_on(no_judge_cache),
        )
        handed = [project]  # the run lets the golden set go once its calls are made
        del project
        result = run_and_show(
            handed, opts, Presentation(quiet, as_json), log_json=log_json, environ=os.environ
        )
        if export and not result.interrupted:
            from evalgate.cli.cmd_langfuse import export_after_run
            from evalgate.engine.core import with_export

            lost = export_after_run(cfg, result.run_dir)
            return int(
                with_export(cfg, result, lost=lost, strict=langfuse_strict, notify=to_stderr)
            )
        return int(result.exit_code)


def run_and_show(
    project: Project | list[Project],
    options: RunOptions,
    pres: Presentation,
    *,
    log_json: str | None = None,
    environ: Mapping[str, str],
) -> EvalResult:
    """Run the eval with the terminal's hooks: progress, notes, telemetry, the report.

    ``project`` in a list is handed over (see :func:`evalgate.engine.core.run_eval_handed`)."""
    from evalgate.cli.telemetry import Telemetry
    from evalgate.engine.core import run_eval_handed

    handed = project if isinstance(project, list) else [project]
    del project
    with Telemetry(handed[0].config, log_json, environ) as tel:
        hooks = pres.hooks(
            on_call=tel.call_listeners(),
            on_case=tel.case_listeners(pres.quiet or pres.as_json),
            on_summary=tel.run_finished,
        )
        return run_eval_handed(handed, options=options, hooks=hooks)


_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """``"90"``, ``"90s"``, ``"15m"``, ``"1.5h"`` -> seconds; ``"0"``/``"none"`` -> 0 (no limit)."""
    t = text.strip().lower()
    if t in ("none", "off"):
        return 0.0
    scale = _UNITS.get(t[-1:])
    number = t[:-1] if scale is not None else t
    try:
        value = float(number) * (scale or 1.0)
    except ValueError:
        value = -1.0
    if not value >= 0.0 or value == float("inf"):
        raise ValueError(
            f"--run-budget {text!r}: expected a time such as 900, 90s, 15m or 1h (0 or none: no"
            " limit)"
        )
    return value


def parse_cost(text: str) -> float:
    """``"5"``, ``"2.50"``, ``"$3"`` -> dollars; ``"0"``/``"none"`` -> 0 (no limit)."""
    t = text.strip().lower().lstrip("$")
    if t in ("none", "off"):
        return 0.0
    try:
        value = float(t)
    except ValueError:
        value = -1.0
    if not value >= 0.0 or value == float("inf"):
        raise ValueError(
            f"--max-cost {text!r}: expected an amount in USD such as 5 or 2.50 (0 or none: no"
            " limit)"
        )
    return value
