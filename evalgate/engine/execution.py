"""Executing a run: select cases, prepare (or resume) the run folder, call and score.

:func:`execute` takes a :class:`RunRequest` and returns a :class:`RunOutput`: every finished
result, appended to the run folder's ``results.jsonl`` as it finishes, is kept when the run is
interrupted or stops early. Gating and reporting are the caller's
(:func:`evalgate.engine.core.run_eval`).
"""

from __future__ import annotations

import asyncio
import secrets as _random
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping, Sequence, Sized
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from evalgate import guard, masking
from evalgate.config.model import Config
from evalgate.engine.budget import CostMeter
from evalgate.engine.selection import Selection, select
from evalgate.errors import ConfigError, UsageError
from evalgate.events import CallListener, CaseListener
from evalgate.fsutil import atomic_write_json
from evalgate.gate.verdict import Verdict
from evalgate.llmjudge.drift import check as judge_drift
from evalgate.llmjudge.session import open_judge
from evalgate.model import Case
from evalgate.outage import error_budget
from evalgate.results import RESULTS_FILE, CaseResult, iter_results
from evalgate.results_compact import CompactResults
from evalgate.results_writer import FLUSH_S, ResultsWriter
from evalgate.resume import check_config, check_results, read_run_file
from evalgate.run_summary import RunSummary
from evalgate.runlock import hold_run_dir
from evalgate.runner import Runner, WorkItem, count_work_items, work_items
from evalgate.summary import RunMeta, build_run_summary, git_info, write_summary
from evalgate.target import TargetClient

RUN_FILE = "run.json"


@dataclass(frozen=True)
class RunRequest:
    config: Config
    cases: tuple[Case, ...]
    selection: Selection = field(default_factory=Selection)
    out_dir: Path | None = None
    resume: bool = False
    concurrency: int | None = None
    prompt_version: str | None = None
    transport: httpx.AsyncBaseTransport | None = None
    on_call: Sequence[CallListener] = ()
    on_case: Sequence[CaseListener] = ()
    # the run's time budget: calls stop at this time.monotonic() value (None: no limit)
    deadline: float | None = None
    budget_s: float | None = None  # the budget the deadline came from, for the message
    judge_cache: bool = True  # False: every judge verdict is asked again
    cost: CostMeter | None = None  # the run's cost budget: no case starts once it is reached


@dataclass(frozen=True)
class RunOutput:
    run_dir: Path
    run_id: str
    results: list[CaseResult]
    meta: RunMeta
    interrupted: bool
    # results without requests and answers (evalgate.results_compact); reports re-read
    # what they show
    compact: bool = False
    judge_drift: str | None = None  # the LLM judge no longer agrees with its calibration
    # the run's results as they are written (confirmation runs add to them)
    kept: CompactResults | None = None


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%d-%H%M%S") + "-" + _random.token_hex(3)


def now_iso() -> str:
    """The current UTC time, to the second, as written in run files."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def prepare_dir(req: RunRequest, hold: ExitStack) -> tuple[Path, str, CompactResults, Selection]:
    """The run folder, its id, what is already done (resume: compact) and the selection to use.

    The folder's lock is taken into ``hold`` (see :mod:`evalgate.runlock`): a second process
    on the same folder stops here with exit 2, before it reads or writes anything.
    """
    cfg = req.config
    if req.resume:
        if req.out_dir is None or not (req.out_dir / RUN_FILE).exists():
            raise UsageError(
                f"{req.out_dir}: not a run folder (no {RUN_FILE}); pass the folder"
                " printed by the interrupted 'evalgate run'"
            )
        hold.enter_context(hold_run_dir(req.out_dir))
        info = read_run_file(req.out_dir / RUN_FILE)
        check_config(req.out_dir, info, cfg.config_hash)
        try:
            sel = Selection.from_dict(info["selection"])
        except (TypeError, ValueError, IndexError) as exc:
            raise ConfigError(
                f"{req.out_dir / RUN_FILE}: damaged selection ({exc}); start a new run"
            ) from None
        _truncate_torn_line(req.out_dir / "results.jsonl")
        stored = _safe_results(req.out_dir)
        check_results(req.out_dir, stored.results(), select(req.cases, sel)[0], req.cases)
        return req.out_dir, str(info["run_id"]), stored, sel
    run_id = new_run_id()
    run_dir = req.out_dir or cfg.resolve(cfg.reports.dir) / run_id
    info = {
        "selection": req.selection.to_dict(),
        "prompt_version": req.prompt_version,
        "config_hash": cfg.config_hash,
    }
    new_run_dir(run_dir, run_id, info, hold, resumable=True)
    return run_dir, run_id, CompactResults(), req.selection


def new_run_dir(
    out: Path, run_id: str, info: dict[str, Any], hold: ExitStack | None, *, resumable: bool
) -> None:
    """Create ``out`` as a new run folder with its ``run.json``, locked into ``hold`` (without
    one, the lock is only checked). A folder that already holds a run is refused."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file in the way, no permission: the user's path to fix
        raise UsageError(
            f"{out}: cannot create the run folder ({exc.strerror or exc});"
            " choose another --out folder"
        ) from None
    with ExitStack() as own:
        (hold or own).enter_context(hold_run_dir(out))
        if (out / "results.jsonl").exists():
            finish = f"use --resume {out} to finish it or " if resumable else ""
            raise UsageError(f"{out} already holds a run; {finish}choose another --out folder")
        atomic_write_json(
            out / RUN_FILE,
            {"format_version": 1, "run_id": run_id, "started_at": now_iso(), **info},
        )


def _safe_results(run_dir: Path) -> CompactResults:
    if not (run_dir / RESULTS_FILE).exists():
        return CompactResults()
    return CompactResults(iter_results(run_dir))


def _truncate_torn_line(path: Path) -> None:
    """Drop a half-written last line left by a kill, so appending starts on a fresh line."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        with open(path, "r+b") as f:
            f.truncate(cut)


def execute(req: RunRequest, hold: ExitStack | None = None) -> RunOutput:
    """Run the selected cases; returns what finished, even when interrupted.

    The run folder stays locked until ``hold`` is closed (by the caller, once the summary is
    written); without ``hold``, until this returns.
    """
    if hold is None:
        with ExitStack() as own:
            return execute(req, own)
    cfg = req.config
    if not req.resume:
        select(req.cases, req.selection)  # a selection that matches nothing writes nothing
    run_dir, run_id, kept, sel = prepare_dir(req, hold)
    done = frozenset(kept.keys())
    cases, pending = select(req.cases, sel)
    if req.cost is not None:  # a resumed run's budget counts what its folder already cost
        req.cost.start(run_dir, kept.results() if done else [])
    started = time.monotonic()
    meta = RunMeta(
        run_id=run_id,
        started_at=now_iso(),
        config_hash=cfg.config_hash,
        target_url=f"python:{cfg.target.python}"
        if cfg.target.python
        else _safe_url(cfg.target.url),
        preset=cfg.target.preset,
        requested_prompt_version=req.prompt_version,
        git=git_info(cfg.root),
        shard=f"{sel.shard[0] + 1}/{sel.shard[1]}" if sel.shard else None,
        pending_cases=tuple(c.id for c in pending),
    )
    # an iterator: a WorkItem per case and repeat is built only as the runner takes it
    total = count_work_items(cases, sel.repeat, done)
    items = work_items(cases, sel.repeat, done)
    done_items = run_items(req, run_dir, run_id, items, total, keep=kept)
    interrupted = done_items.interrupted
    drift = None
    if not interrupted and not done_items.aborted:
        drift = judge_drift(cfg, cases, run_dir, cache=req.judge_cache)
    results = kept.results()  # as read_compact would read results.jsonl back
    meta = replace(
        meta,
        finished_at=now_iso(),
        duration_s=round(time.monotonic() - started, 3),
        interrupted=interrupted,
        aborted=done_items.aborted,
    )
    return RunOutput(
        run_dir, run_id, results, meta, interrupted, compact=True, judge_drift=drift, kept=kept
    )


@dataclass(frozen=True)
class ItemsDone:
    interrupted: bool
    aborted: str | None = None  # why the run stopped early (the endpoint looked down)


def run_items(
    req: RunRequest,
    run_dir: Path,
    run_id: str,
    items: Iterable[WorkItem],
    total: int | None = None,
    *,
    keep: CompactResults | None = None,
) -> ItemsDone:
    """Call and score ``items``, appending to the run's results (and to ``keep``).

    ``total`` (for progress) defaults to ``len(items)``; pass it when ``items`` is an iterator.
    """
    count = total if total is not None else len(items) if isinstance(items, Sized) else 0
    cfg = req.config
    concurrency = req.concurrency or cfg.target.concurrency
    aborted: list[str] = []

    async def main() -> None:
        target = (
            cfg.target if req.concurrency is None else replace(cfg.target, concurrency=concurrency)
        )
        async with (
            TargetClient(target, pricing=cfg.pricing, transport=req.transport) as client,
            open_judge(cfg, req.cases, run_dir, cache=req.judge_cache) as judge,
        ):
            with ResultsWriter(run_dir, keep.add if keep is not None else None) as sink:
                async with _flushing(sink):
                    runner = Runner(
                        client,
                        sink,
                        run_id,
                        concurrency,
                        req.on_call,
                        req.on_case,
                        total=count,
                        tolerated=error_budget(cfg.gate.max_error_rate, count),
                        judge=judge,
                        budget=req.cost,
                    )
                    spent = req.cost.over(0, count) if req.cost is not None else None
                    if req.cost is not None:
                        req.cost.attach(judge.tally if judge is not None else None)
                    if spent is not None:  # the budget was used up before this part began
                        aborted.append(spent)
                    elif not await _within_budget(req, runner.run(items)):
                        aborted.append(_out_of_time(req, run_dir, runner.done, count))
                    if runner.abort_reason:
                        aborted.append(runner.abort_reason)

    interrupted = _run_interruptible(main)
    return ItemsDone(interrupted, aborted[0] if aborted else None)


@asynccontextmanager
async def _flushing(sink: ResultsWriter) -> AsyncIterator[None]:
    """Flush ``sink`` on a timer too, so a result waits at most about ``FLUSH_S`` on disk
    even when no other result follows it (a slow endpoint)."""

    async def tick() -> None:
        while True:
            await asyncio.sleep(FLUSH_S / 4)
            sink.flush_due()

    task = asyncio.create_task(tick())
    try:
        yield
    finally:
        task.cancel()


async def _within_budget(req: RunRequest, work: Coroutine[Any, Any, None]) -> bool:
    """Await ``work`` until the run's deadline; False when the deadline cut it short (or had
    passed already: then ``work`` does not start, so confirmation runs make no call)."""
    left = None if req.deadline is None else req.deadline - time.monotonic()
    if left is not None and left <= 0:
        work.close()
        return False
    budget = asyncio.timeout(left)
    try:
        async with budget:
            await work
    except TimeoutError:
        if not budget.expired():
            raise
        return False
    return True


def _out_of_time(req: RunRequest, run_dir: Path, done: int, total: int) -> str:
    budget = f"{req.budget_s:g} s " if req.budget_s is not None else ""
    return (
        f"the run's time budget {budget}(target.run_budget_s, or --run-budget) ran out with"
        f" {done} of {total} results finished; stopped early: every finished result is kept;"
        f" finish with: evalgate run --resume {run_dir}"
    )


def _run_interruptible(main: Callable[[], Any]) -> bool:
    """Run ``main`` on an event loop; SIGINT/SIGTERM cancel it (True: it was interrupted).

    The handlers are plain signal handlers, not the loop's: those only run when the loop gets
    control back, never while a custom scorer blocks it. A signal during plugin code raises
    ``CancelledError`` into that code (evalgate.guard) after cancelling the run, so the
    scorer's case is not written and every finished result is kept.
    """
    interrupted = False

    async def guarded() -> None:
        nonlocal interrupted
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def stop() -> None:
            task.cancel()

        def on_signal(signum: int, frame: Any) -> None:
            nonlocal interrupted
            interrupted = True
            if guard.in_plugin():
                # plugin code on the loop's thread, between two bytecodes: not in the loop's
                # own code, so cancelling directly is safe; then raise into the plugin (which
                # cancels its own task: the run's task needs it only when it is another one)
                if asyncio.current_task() is not task:
                    task.cancel()
            else:
                loop.call_soon_threadsafe(stop)
            guard.on_signal(signum)

        restore = guard.install_handlers(on_signal)
        previous = guard.set_interrupt(asyncio.CancelledError)
        try:
            await main()
        except asyncio.CancelledError:
            if not interrupted:
                raise
        finally:
            guard.set_interrupt(previous)
            restore()

    try:
        asyncio.run(guarded())
    except KeyboardInterrupt:
        interrupted = True
    return interrupted


def _safe_url(url: str) -> str:
    """The URL without credentials or query string, and with secrets in its path masked."""
    try:
        u = httpx.URL(url)
    except Exception:
        return "<invalid url>"
    return masking.scrub(str(u.copy_with(userinfo=b"", query=None)))


def summarize(
    out: RunOutput, verdict: Verdict | None, reports: Mapping[str, str] | None = None
) -> RunSummary:
    """Build and write the run's summary (written a case at a time)."""
    meta = replace(out.meta, reports=dict(reports or {}))
    summary = build_run_summary(out.results, meta, verdict)
    write_summary(out.run_dir, summary)
    return summary
