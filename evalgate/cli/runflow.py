"""A whole ``evalgate run`` as one function, so ``run``, ``demo`` and ``canary`` share it."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from evalgate.cli.finish import Presentation, exit_code, finish, record_baseline
from evalgate.cli.telemetry import Telemetry
from evalgate.compact import read_compact
from evalgate.config.model import Config
from evalgate.errors import ConfigError, ExitCode, GateFailed, InconclusiveError, UsageError
from evalgate.gate.baseline import Baseline
from evalgate.gate.verdict import INCONCLUSIVE, Reason, Verdict
from evalgate.judge import confirmation_items, judge, resolve_baseline
from evalgate.pipeline import RunOutput, RunRequest, Selection, execute, run_items, summarize
from evalgate.project import Project
from evalgate.textsafe import terminal_line


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
    langfuse_strict: bool = False
    reports: bool = True
    transport: httpx.AsyncBaseTransport | None = None
    run_budget_s: float | None = None  # None: target.run_budget_s; 0: no limit


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
    if opts.record and opts.prompt_version is None:
        _check_version_source(cfg)  # before any call: a baseline needs a version to file under
    if opts.langfuse:
        from evalgate.cli.cmd_langfuse import check_export

        check_export(cfg)  # before any call: a missing extra or key never costs a run
    # the option wins over target.run_budget_s; 0 (or null in the config) means no limit
    budget = (cfg.target.run_budget_s if opts.run_budget_s is None else opts.run_budget_s) or None
    deadline = None if budget is None else time.monotonic() + budget
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
            deadline=deadline,
            budget_s=budget,
        )
        output = execute(req, hold)
        if output.meta.pending_cases and not opts.quiet:
            shown = terminal_line(", ".join(output.meta.pending_cases[:5]))
            more = len(output.meta.pending_cases) - 5
            sys.stderr.write(
                f"skipped {len(output.meta.pending_cases)} case(s) pending review:"
                f" {shown}{f' and {more} more' if more > 0 else ''}\n"
            )
        if output.interrupted:
            return _interrupted(output, tel)
        if output.meta.aborted:
            # the reason quotes the endpoint's error body: it must not drive the terminal
            sys.stderr.write(f"{terminal_line(output.meta.aborted, 1000)}\n")
        verdict: Verdict | None = None
        base: Baseline | None = None
        if not opts.no_gate:
            base = resolve_baseline(cfg, opts.baseline, output.results, opts.prompt_version)
            extra = confirmation_items(
                project.goldens.cases, output.results, base, cfg.gate.confirm
            )
            if extra and not output.meta.aborted:
                if not opts.quiet:
                    sys.stderr.write(
                        f"confirming {len({i.case.id for i in extra})} failing case(s)"
                        f" ({cfg.gate.confirm} more runs each)\n"
                    )
                confirmed = run_items(req, output.run_dir, output.run_id, extra)
                if confirmed.interrupted:
                    out = replace(output, results=read_compact(output.run_dir))
                    return _interrupted(out, tel)
                output = replace(output, results=read_compact(output.run_dir))
                if confirmed.aborted:
                    sys.stderr.write(f"confirmation runs: {confirmed.aborted}\n")
                    output = replace(output, meta=replace(output.meta, aborted=confirmed.aborted))
            verdict = judge(cfg, output.results, base, opts.prompt_version)
            if output.meta.aborted:
                verdict = stopped_early(verdict, output.meta.aborted)
        summary = finish(
            cfg, output, verdict, base, Presentation(opts.quiet, opts.as_json, opts.reports), env
        )
        tel.run_finished(summary)
        code = exit_code(verdict, summary, cfg, output.results)
        if opts.record:
            if code == ExitCode.USAGE:  # a scorer failed: some cases have no score to record
                raise ConfigError(
                    "not recording a baseline: a scorer failed (see above); fix it, then"
                    f" 'evalgate rescore {output.run_dir}' and record from a clean run"
                )
            if code == ExitCode.INCONCLUSIVE:
                raise InconclusiveError(
                    "not recording a baseline from an inconclusive run (see the reasons above);"
                    " fix them and run again, or, if the old baseline no longer fits the"
                    " goldens, record this run as the new reference with --no-gate"
                    " --record-baseline"
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

            code = export_after_run(cfg, output.run_dir, code, strict=opts.langfuse_strict)
        return RunDone(code, output.run_dir, summary, verdict)


STOPPED = "stopped"  # reason kind: the run stopped before every call was made


def stopped_early(verdict: Verdict, why: str) -> Verdict:
    """A run that stopped early (endpoint down, time budget used up) is inconclusive: the
    calls it did not make could have failed, so no pass (and no fail) can be trusted."""
    reason = Reason(STOPPED, f"the run did not finish: {why}")
    return replace(verdict, status=INCONCLUSIVE, reasons=(reason, *verdict.reasons))


def _check_version_source(cfg: Config) -> None:
    """A baseline is filed under a prompt version: with no --prompt-version and no mapping that
    could read one from the answers, recording is bound to fail, so say it before any call."""
    from evalgate.target.presets import apply_preset

    if apply_preset(cfg.target).response.prompt_version is not None:
        return
    preset = cfg.target.preset or "generic"
    why = (
        "the openai-chat preset maps none (OpenAI-compatible servers report no prompt version)"
        if preset == "openai-chat"
        else "target.response.prompt_version is not mapped"
    )
    raise UsageError(
        f"--record-baseline needs a prompt version to file the baseline under, and {why}; pass"
        " --prompt-version V (for example the prompt's git revision), or map"
        " target.response.prompt_version, or record a finished run later with"
        " 'evalgate baseline record RUN --prompt-version V'"
    )


def _interrupted(output: RunOutput, tel: Telemetry) -> RunDone:
    summary = summarize(output, None)
    tel.run_finished(summary)  # the log still gets its eval.run line, status "interrupted"
    sys.stderr.write(
        f"interrupted: {len(output.results)} finished result(s) kept in {output.run_dir};"
        f" finish with: evalgate run --resume {output.run_dir}\n"
    )
    return RunDone(ExitCode.INTERRUPTED, output.run_dir, summary, None)
