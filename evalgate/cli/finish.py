"""The end of every command that produces a run: gate, reports, summary, terminal, baseline.

Shared by ``run``, ``merge``, ``rescore`` and ``compare`` so they judge and report alike.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalgate.config.model import Config
from evalgate.errors import ConfigError, ExitCode
from evalgate.gate.baseline import Baseline, baseline_from_run
from evalgate.gate.verdict import Verdict
from evalgate.judge import judge, store_for
from evalgate.pipeline import RunOutput, summarize
from evalgate.results import CaseResult
from evalgate.summary import build_summary
from evalgate.textsafe import terminal_line


@dataclass(frozen=True)
class Presentation:
    quiet: bool = False
    as_json: bool = False
    reports: bool = True
    write: bool = True  # False: judge and print only (the run folder is left as it is)


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


def finish(
    cfg: Config,
    out: RunOutput,
    verdict: Verdict | None,
    baseline: Baseline | None,
    pres: Presentation,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Write reports and summary, print the outcome; return the summary."""
    from evalgate.report import RunView, write_reports
    from evalgate.report.github import write_github
    from evalgate.report.markdown import render_markdown
    from evalgate.report.terminal import make_console, print_report

    env = os.environ if environ is None else environ
    summary = build_summary(out.results, out.meta, verdict)
    view = RunView.build(
        out.results,
        summary,
        baseline=base_cases(baseline),
        run_dir=out.run_dir,
        details=out.run_dir if out.compact else None,
    )
    written: dict[str, Path] = {}
    if pres.reports and pres.write:
        paths = report_paths(cfg, out.run_dir)
        written = write_reports(
            view, junit=paths["junit"], markdown=paths["markdown"], html=paths["html"]
        )
    if pres.write:
        summary = summarize(out, verdict, {k: str(v) for k, v in written.items()})
        written["summary"] = out.run_dir / "summary.json"
    if pres.reports:
        # stderr: stdout carries only what was asked for (the --json summary). The Actions
        # runner reads workflow commands from both streams.
        write_github(view, render_markdown(view, env), environ=env, out=sys.stderr)
    if pres.as_json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    print_report(
        view,
        console=make_console(env),
        quiet=pres.quiet or pres.as_json,
        reports=written,
    )
    return summary


def exit_code(
    verdict: Verdict | None,
    summary: Mapping[str, Any],
    cfg: Config,
    results: Sequence[CaseResult] = (),
) -> int:
    from evalgate.judge import SCORER_ERROR, scorer_error_reason

    if verdict is not None:
        if any(r.kind == SCORER_ERROR for r in verdict.reasons):
            return ExitCode.USAGE  # a scorer bug: the run could not be judged
        return verdict.exit_code
    # not gated: a scorer bug is still a usage error, and an unusable run is inconclusive
    reason = scorer_error_reason([r for r in results if not r.confirmation])
    if reason is not None:
        sys.stderr.write(f"error: {terminal_line(reason.message, 1000)}\n")
        return ExitCode.USAGE
    if summary.get("aborted"):
        return ExitCode.INCONCLUSIVE
    if (summary["totals"].get("error_rate") or 0.0) > cfg.gate.max_error_rate:
        return ExitCode.INCONCLUSIVE
    return ExitCode.OK


def record_baseline(
    cfg: Config,
    results: list[CaseResult],
    summary: Mapping[str, Any],
    version: str | None,
    promote: bool = False,
) -> Baseline:
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
    sys.stderr.write(
        f"recorded baseline {baseline.prompt_version!r} ({len(baseline.cases)} cases) in {path}"
        f" ({grown.samples} of at most {cfg.gate.baseline_samples} runs in its history)\n"
    )
    if promote:
        store.promote(baseline.prompt_version)
    return baseline


def gate(
    cfg: Config, results: list[CaseResult], baseline: Baseline | None, requested: str | None
) -> Verdict:
    return judge(cfg, results, baseline, requested)
