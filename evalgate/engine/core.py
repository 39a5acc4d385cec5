"""The one way an eval is run and judged, whoever asks: the command line, Python, pytest.

:func:`run_eval` runs a loaded project's goldens against its target, confirms flips, gates
against the baseline, writes the run folder and records a baseline when asked; it returns an
:class:`EvalResult` and prints nothing. :func:`gate_stored` is the same tail for results that
already exist (``merge``, ``rescore``, ``compare``). What a caller wants to see while the run
goes on, or once it is judged, it attaches as :class:`Hooks`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx

from evalgate.config.model import Config
from evalgate.engine.budget import preflight
from evalgate.engine.conclude import (
    ExportOutcome,
    conclude,
    exit_status,
    record_baseline,
    scorer_failure,
)
from evalgate.engine.execution import RunOutput, RunRequest, execute, run_items
from evalgate.engine.execution import summarize as write_plain_summary
from evalgate.engine.selection import Selection
from evalgate.errors import ConfigError, ExitCode, GateFailed, InconclusiveError, UsageError
from evalgate.events import CallListener, CaseListener
from evalgate.gate.apply import apply_gate, confirmation_items, resolve_baseline
from evalgate.gate.baseline import Baseline
from evalgate.gate.verdict import INCONCLUSIVE, Reason, Verdict
from evalgate.llmjudge.phase import advisory_notes, uses_judge
from evalgate.model import Case
from evalgate.project import Project
from evalgate.report.view import RunView
from evalgate.results import CaseResult, CaseStats, aggregate
from evalgate.results_compact import read_compact
from evalgate.run_summary import RunSummary
from evalgate.runner import WorkItem
from evalgate.textsafe import terminal_line


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """How to run: which cases, where to write, what to compare with and what to record."""

    selection: Selection = field(default_factory=Selection)
    out: Path | None = None  # the run folder (default: <reports.dir>/<run id>)
    resume: bool = False  # finish the interrupted run in ``out``
    concurrency: int | None = None  # calls in flight (default: target.concurrency)
    gate: bool = True  # False: report without gating
    baseline: str | None = None  # the baseline's promptVersion (default: gate.baseline)
    prompt_version: str | None = None  # the promptVersion this run is meant to test
    record_baseline: bool = False
    promote: bool = False  # with record_baseline: also mark it as production
    write_reports: bool = True  # JUnit, markdown and HTML files as reports: configures
    run_budget_s: float | None = None  # None: target.run_budget_s; 0: no limit
    max_cost_usd: float | None = None  # None: target.max_cost_usd; 0: no limit
    judge_cache: bool = True  # False: the LLM judge is asked again (--no-judge-cache)
    transport: httpx.AsyncBaseTransport | None = None  # for tests: an in-memory endpoint


@dataclass(frozen=True)
class EvalResult:
    """A judged run: what finished, what it adds up to, the verdict and the exit status."""

    run_dir: Path
    run_id: str
    results: list[CaseResult]
    run_summary: RunSummary  # the summary as types (``summary``: as written)
    verdict: Verdict | None  # None: not gated (or interrupted)
    exit_code: ExitCode
    baseline: Baseline | None = None
    view: RunView | None = None  # what reporters show (None when interrupted)
    reports: Mapping[str, Path] = field(default_factory=dict)  # files written, by kind
    interrupted: bool = False
    scorer_error: Reason | None = None  # a scorer failed: some results have no score

    @property
    def passed(self) -> bool:
        return self.exit_code == ExitCode.OK

    @cached_property
    def summary(self) -> Mapping[str, Any]:
        """The summary as written to ``summary.json``, built when first read (a large run's
        is not held unless asked for)."""
        return self.run_summary.to_dict()


def _ignore(_: Any) -> None:
    return None


@dataclass(frozen=True, kw_only=True)
class Hooks:
    """What a caller sees of a run. Every hook is optional; without any, nothing is shown."""

    on_call: Sequence[CallListener] = ()  # each model call
    on_case: Sequence[CaseListener] = ()  # each finished case repeat (progress)
    notify: Callable[[str], None] = _ignore  # a line the user must see (the CLI: stderr)
    info: Callable[[str], None] = _ignore  # a line of progress (the CLI: stderr unless -q)
    # the final summary, once written (also when interrupted): telemetry's run line
    on_summary: Callable[[RunSummary], None] = _ignore
    # the judged run, before any baseline is recorded: the terminal, GitHub, --json
    present: Callable[[EvalResult], None] = _ignore


STOPPED = "stopped"  # reason kind: the run stopped before every call was made


def stopped_early(verdict: Verdict, why: str) -> Verdict:
    """A run that stopped early (endpoint down, time budget used up) is inconclusive: the
    calls it did not make could have failed, so no pass (and no fail) can be trusted."""
    reason = Reason(STOPPED, f"the run did not finish: {why}")
    return replace(verdict, status=INCONCLUSIVE, reasons=(reason, *verdict.reasons))


JUDGE_DRIFT = "judge_drift"  # reason kind: the LLM judge no longer matches its calibration


def judge_drifted(verdict: Verdict, why: str) -> Verdict:
    """A judge that no longer grades as it did when calibrated cannot be trusted to pass (or
    fail) anything: the run is inconclusive."""
    return replace(
        verdict, status=INCONCLUSIVE, reasons=(Reason(JUDGE_DRIFT, why), *verdict.reasons)
    )


def check_version_source(cfg: Config) -> None:
    """A baseline is filed under a prompt version: with no ``--prompt-version`` and no mapping
    that could read one from the answers, recording is bound to fail, so say it before any call."""
    from evalgate.target.presets import apply_preset

    if apply_preset(cfg.target).response.prompt_version is not None:
        return
    why = (
        "the openai-chat preset maps none (OpenAI-compatible servers report no prompt version)"
        if cfg.target.preset == "openai-chat"
        else "target.response.prompt_version is not mapped"
    )
    raise UsageError(
        f"--record-baseline needs a prompt version to file the baseline under, and {why}; pass"
        " --prompt-version V (for example the prompt's git revision), or map"
        " target.response.prompt_version, or record a finished run later with"
        " 'evalgate baseline record RUN --prompt-version V'"
    )


def run_eval(
    project: Project, *, options: RunOptions | None = None, hooks: Hooks | None = None
) -> EvalResult:
    """Run, confirm flips, gate, write the run folder, record; return the judged run."""
    return run_eval_handed([project], options=options, hooks=hooks)


def run_eval_handed(
    handed: list[Project], *, options: RunOptions | None = None, hooks: Hooks | None = None
) -> EvalResult:
    """:func:`run_eval` for a caller that hands its project over: ``handed`` (one project)
    is emptied, and the run lets the golden set go once its calls are made, so a large one
    is not held while the run is judged and reported (the command line's way)."""
    project = handed.pop()
    opts = options or RunOptions()
    hk = hooks or Hooks()
    cfg = project.config
    if opts.record_baseline and opts.prompt_version is None:
        check_version_source(cfg)  # before any call: a baseline needs a version to file under
    # the option wins over target.run_budget_s; 0 (or null in the config) means no limit
    budget = (cfg.target.run_budget_s if opts.run_budget_s is None else opts.run_budget_s) or None
    deadline = None if budget is None else time.monotonic() + budget
    # the cost budget, after the pre-flight estimate: may refuse the run (exit 2) before any call
    cost = preflight(
        project,
        opts.max_cost_usd,
        resume=opts.resume,
        selection=opts.selection,
        baseline=opts.baseline,
        prompt_version=opts.prompt_version,
        info=hk.info,
        judge_cache=opts.judge_cache,
    )
    cases = project.goldens.cases
    del project  # from here on, the cases are all the run holds of the project
    # the run folder stays locked until its summary (and any baseline) is written
    with ExitStack() as hold:
        req = RunRequest(
            cfg,
            cases,
            opts.selection,
            opts.out,
            opts.resume,
            opts.concurrency,
            opts.prompt_version,
            opts.transport,
            hk.on_call,
            hk.on_case,
            deadline=deadline,
            budget_s=budget,
            judge_cache=opts.judge_cache,
            cost=cost,
        )
        output = execute(req, hold)
        pending = output.meta.pending_cases
        if pending:
            shown = terminal_line(", ".join(pending[:5]))
            more = len(pending) - 5
            hk.info(
                f"skipped {len(pending)} case(s) pending review:"
                f" {shown}{f' and {more} more' if more > 0 else ''}"
            )
        if output.interrupted:
            return _interrupted(output, hk)
        if output.meta.aborted:
            # the reason quotes the endpoint's error body: it must not drive the terminal
            hk.notify(terminal_line(output.meta.aborted, 1000))
        verdict: Verdict | None = None
        base: Baseline | None = None
        # the calls are made but the confirmation runs': only their cases are held from here on
        # (the golden set goes, unless the caller holds it: see run_eval_handed); with none to
        # make, it goes before the per-case figures are made
        golden: Sequence[Case] = cases
        del cases
        confirming = opts.gate and cfg.gate.confirm > 0
        if not confirming:
            req = replace(req, cases=())
            golden = ()
        # per-case figures, once: confirmation repeats (below) are not counted in them
        stats = aggregate(r for r in output.results if not r.confirmation)
        extra: list[WorkItem] = []
        if opts.gate:
            base = resolve_baseline(cfg, opts.baseline, output.results, opts.prompt_version, stats)
            extra = confirmation_items(golden, output.results, base, cfg.gate.confirm, stats)
        if confirming:
            req = replace(req, cases=_confirmed_cases(extra, golden))
        del golden
        if extra and not output.meta.aborted:
            hk.info(
                f"confirming {len({i.case.id for i in extra})} failing case(s)"
                f" ({cfg.gate.confirm} more runs each)"
            )
            confirmed = run_items(req, output.run_dir, output.run_id, extra, keep=output.kept)
            results = (
                output.kept.results() if output.kept is not None else read_compact(output.run_dir)
            )
            output = replace(output, results=results)
            if confirmed.interrupted:
                return _interrupted(output, hk)
            if confirmed.aborted:
                hk.notify(f"confirmation runs: {confirmed.aborted}")
                output = replace(output, meta=replace(output.meta, aborted=confirmed.aborted))
        output = replace(output, kept=None)  # the results are read from here on
        if opts.gate:
            verdict = apply_gate(cfg, output.results, base, opts.prompt_version, stats)
            if output.meta.aborted:
                verdict = stopped_early(verdict, output.meta.aborted)
        if output.judge_drift is not None and verdict is not None:  # (the check said it)
            verdict = judge_drifted(verdict, output.judge_drift)
        if verdict is not None:  # why judge failures did not block, if some did not
            verdict = replace(verdict, reasons=(*verdict.reasons, *advisory_notes(output.results)))
        result = _judged(
            cfg, output, verdict, base, hk, write_reports=opts.write_reports, stats=stats
        )
        if opts.record_baseline:
            _record(cfg, result, opts, hk)
        return result


def _confirmed_cases(extra: Sequence[WorkItem], cases: Sequence[Case]) -> tuple[Case, ...]:
    """The cases confirmation runs need: theirs, and (so that those runs open the LLM judge
    exactly when the run did) a case that uses the judge when only others do."""
    kept = {i.case.id: i.case for i in extra}
    if kept and not any(uses_judge(c) for c in kept.values()):
        judged = next((c for c in cases if uses_judge(c)), None)
        if judged is not None:
            kept[judged.id] = judged
    return tuple(kept.values())


def gate_stored(
    cfg: Config,
    output: RunOutput,
    *,
    gate: bool = True,
    baseline: str | None = None,
    reference: Baseline | None = None,
    prompt_version: str | None = None,
    write: bool = True,
    write_reports: bool = True,
    hooks: Hooks | None = None,
) -> EvalResult:
    """Judge results that already exist (merged, rescored, or a run against another run).

    ``reference``: compare with this instead of the stored baseline ``baseline`` names.
    ``write`` False: the run folder is left as it is. A stored run that did not finish may
    be judged, never passed (exit 3).
    """
    hk = hooks or Hooks()
    verdict: Verdict | None = None
    base = reference
    stats = aggregate(r for r in output.results if not r.confirmation)
    if gate:
        if base is None:
            base = resolve_baseline(cfg, baseline, output.results, prompt_version, stats)
        verdict = apply_gate(cfg, output.results, base, prompt_version, stats)
        if output.judge_drift is not None:  # a rescore's judge (the check said it)
            verdict = judge_drifted(verdict, output.judge_drift)
        verdict = replace(verdict, reasons=(*verdict.reasons, *advisory_notes(output.results)))
    return _judged(
        cfg,
        output,
        verdict,
        base,
        hk,
        write=write,
        write_reports=write_reports,
        stored=True,
        stats=stats,
    )


def _judged(
    cfg: Config,
    output: RunOutput,
    verdict: Verdict | None,
    base: Baseline | None,
    hk: Hooks,
    *,
    write: bool = True,
    write_reports: bool = True,
    stored: bool = False,
    stats: Mapping[str, CaseStats] | None = None,
) -> EvalResult:
    done = conclude(
        cfg, output, verdict, base, write=write, write_reports=write_reports, stats=stats
    )
    typed = done.typed
    hk.on_summary(typed)
    status = exit_status(
        verdict, typed, cfg, output.results, unfinished=stored and output.interrupted
    )
    result = EvalResult(
        run_dir=output.run_dir,
        run_id=output.run_id,
        results=output.results,
        run_summary=done.typed,
        verdict=verdict,
        exit_code=status.code,
        baseline=base,
        view=done.view,
        reports=done.written,
        interrupted=output.interrupted,
        scorer_error=scorer_failure(output.results),
    )
    hk.present(result)
    if status.note:
        hk.notify(terminal_line(status.note, 1000))
    return result


def with_export(
    cfg: Config,
    result: EvalResult,
    *,
    lost: bool,
    strict: bool,
    notify: Callable[[str], None] = _ignore,
) -> ExitCode:
    """The exit status of a judged run once it was exported (``run --langfuse``): the gate's
    own, unless ``strict`` and something was lost (decided in :func:`.conclude.exit_status`;
    ``notify`` gets the line saying why the status changed)."""
    if result.interrupted:
        return result.exit_code
    outcome = ExportOutcome(lost=lost, strict=strict)
    status = exit_status(result.verdict, result.run_summary, cfg, result.results, export=outcome)
    if status.code != result.exit_code and status.note:
        notify(terminal_line(status.note, 1000))
    return status.code


def _record(cfg: Config, result: EvalResult, opts: RunOptions, hk: Hooks) -> None:
    code = result.exit_code
    if code == ExitCode.USAGE:  # a scorer failed: some cases have no score to record
        raise ConfigError(
            "not recording a baseline: a scorer failed (see above); fix it, then"
            f" 'evalgate rescore {result.run_dir}' and record from a clean run"
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
    saved, path = record_baseline(
        cfg, result.results, result.run_summary, opts.prompt_version, opts.promote, result.run_dir
    )
    hk.notify(
        f"recorded baseline {saved.prompt_version!r} ({len(saved.cases)} cases) in {path}"
        f" ({saved.samples} of at most {cfg.gate.baseline_samples} runs in its history)"
    )


def _interrupted(output: RunOutput, hk: Hooks) -> EvalResult:
    summary = write_plain_summary(output, None)
    # the log still gets its eval.run line, status "interrupted"
    hk.on_summary(summary)
    hk.notify(
        f"interrupted: {len(output.results)} finished result(s) kept in {output.run_dir};"
        f" finish with: evalgate run --resume {output.run_dir}"
    )
    return EvalResult(
        run_dir=output.run_dir,
        run_id=output.run_id,
        results=output.results,
        run_summary=summary,
        verdict=None,
        exit_code=ExitCode.INTERRUPTED,
        interrupted=True,
    )
