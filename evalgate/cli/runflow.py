"""A whole ``evalgate run`` as one function, so ``run``, ``demo`` and ``canary`` share it."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from evalgate.cli.finish import Presentation, exit_code, finish, record_baseline
from evalgate.cli.telemetry import Telemetry
from evalgate.compact import read_compact
from evalgate.errors import ExitCode, GateFailed, InconclusiveError
from evalgate.gate.baseline import Baseline
from evalgate.gate.verdict import Verdict
from evalgate.judge import confirmation_items, judge, resolve_baseline
from evalgate.pipeline import RunOutput, RunRequest, Selection, execute, run_items, summarize
from evalgate.project import Project


@dataclass(frozen=True)
class RunOptions:
    selection: Selection = field(default_factory=Selection)
    out: Path | None = None
    resume: bool = False
    concurrency: int | None = None
    baseline: str | None = None
    no_gate: bool = False
    record: bool = False
    promote: bool = False
    prompt_version: str | None = None
    quiet: bool = False
    as_json: bool = False
    log_json: str | None = None
    langfuse: bool = False
    reports: bool = True
    transport: httpx.AsyncBaseTransport | None = None


@dataclass(frozen=True)
class RunDone:
    code: int
    run_dir: Path
    summary: Mapping[str, Any]
    verdict: Verdict | None


def perform_run(
    project: Project, opts: RunOptions, environ: Mapping[str, str] | None = None
) -> RunDone:
    """Run, confirm flips, gate, report, record; return the exit code and what was written."""
    cfg = project.config
    env = os.environ if environ is None else environ
    # the run folder stays locked until its summary (and any baseline) is written
    with Telemetry(cfg, opts.log_json, env) as tel, ExitStack() as hold:
        req = RunRequest(
            cfg,
            project.goldens.cases,
            opts.selection,
            opts.out,
            opts.resume,
            opts.concurrency,
            opts.prompt_version,
            opts.transport,
            tel.call_listeners(),
            tel.case_listeners(opts.quiet or opts.as_json),
        )
        output = execute(req, hold)
        if output.meta.pending_cases and not opts.quiet:
            shown = ", ".join(output.meta.pending_cases[:5])
            more = len(output.meta.pending_cases) - 5
            sys.stderr.write(
                f"skipped {len(output.meta.pending_cases)} case(s) pending review:"
                f" {shown}{f' and {more} more' if more > 0 else ''}\n"
            )
        if output.interrupted:
            return _interrupted(output, tel)
        if output.meta.aborted:
            sys.stderr.write(f"endpoint looks down: {output.meta.aborted}\n")
        verdict: Verdict | None = None
        base: Baseline | None = None
        if not opts.no_gate:
            base = resolve_baseline(cfg, opts.baseline, output.results, opts.prompt_version)
            extra = confirmation_items(
                project.goldens.cases, output.results, base, cfg.gate.confirm
            )
            if extra:
                if not opts.quiet:
                    sys.stderr.write(
                        f"confirming {len({i.case.id for i in extra})} case(s) that"
                        f" went from pass to fail ({cfg.gate.confirm} more runs"
                        " each)\n"
                    )
                if run_items(req, output.run_dir, output.run_id, extra).interrupted:
                    out = replace(output, results=read_compact(output.run_dir))
                    return _interrupted(out, tel)
                output = replace(output, results=read_compact(output.run_dir))
            verdict = judge(cfg, output.results, base, opts.prompt_version)
        summary = finish(
            cfg, output, verdict, base, Presentation(opts.quiet, opts.as_json, opts.reports), env
        )
        tel.run_finished(summary)
        code = exit_code(verdict, summary, cfg)
        if opts.record:
            if code == ExitCode.INCONCLUSIVE:
                raise InconclusiveError(
                    "not recording a baseline from an inconclusive run;"
                    " fix the errors and run again"
                )
            if code == ExitCode.GATE_FAILED:
                raise GateFailed(
                    "not recording a baseline: this run failed the gate (see the reasons above);"
                    " to accept it as the new reference anyway, run with --no-gate"
                    " --record-baseline"
                )
            record_baseline(cfg, output.results, summary, opts.prompt_version, opts.promote)
        if opts.langfuse:
            from evalgate.cli.cmd_langfuse import export_after_run

            export_after_run(cfg, output.run_dir)
        return RunDone(code, output.run_dir, summary, verdict)


def _interrupted(output: RunOutput, tel: Telemetry) -> RunDone:
    summary = summarize(output, None)
    tel.run_finished(summary)  # the log still gets its eval.run line, status "interrupted"
    sys.stderr.write(
        f"interrupted: {len(output.results)} finished result(s) kept in {output.run_dir};"
        f" finish with: evalgate run --resume {output.run_dir}\n"
    )
    return RunDone(ExitCode.INTERRUPTED, output.run_dir, summary, None)
