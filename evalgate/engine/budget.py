"""The run's cost budget (``target.max_cost_usd`` or ``--max-cost``): target and judge together.

:class:`CostMeter` adds up what the run spent, the target's answers (their ``cost_usd``, mapped
or priced with ``pricing:``) and the LLM judge's tokens (priced with ``judge.pricing``), from
the first part of the run on (a resumed run starts from what its folder already cost). Once
the budget is reached no new case starts: the calls in flight finish and are kept, and the run
is inconclusive (exit 3) like a run out of time; ``--resume`` with a larger budget finishes it.

:func:`estimate` is the pre-flight figure: the baseline's recorded cost per case, and the
judge's cost per call and cache hit share from the last run (``judge.cache_dir``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalgate.config.model import Config, Pricing
from evalgate.engine.selection import Selection, select
from evalgate.errors import EvalgateError, UsageError
from evalgate.gate.apply import resolve_baseline
from evalgate.gate.baseline import Baseline
from evalgate.llmjudge import JUDGE_SCORERS
from evalgate.model import Case
from evalgate.project import Project
from evalgate.results import CaseResult

if TYPE_CHECKING:
    from evalgate.llmjudge.grader import Tally

WHERE = "target.max_cost_usd, or --max-cost"
EXPENSIVE_USD = 1.0  # with no budget, an estimate this large is still printed before the run


def result_cost(r: CaseResult) -> float | None:
    """What a result's answers cost (None: none of them reported or priced a cost)."""
    costs = [x.cost_usd for x in r.responses if x.cost_usd is not None]
    total = sum(costs) if costs else None
    return total if total is not None and math.isfinite(total) else None


def _price(tally: Tally, p: Pricing) -> float:
    return (tally.input_tokens * p.input_per_mtok + tally.output_tokens * p.output_per_mtok) / 1e6


@dataclass
class CostMeter:
    limit: float
    judge_pricing: Pricing = field(default_factory=Pricing)
    run_dir: Path | None = None
    target: float = 0.0  # the target's answers, this run and the parts before a resume
    judge_before: float = 0.0  # the judge, in parts of the run before a resume
    unpriced: int = 0  # answered results whose cost nobody reported
    _tallies: list[Tally] = field(default_factory=list)

    def start(self, run_dir: Path, done: Sequence[CaseResult]) -> None:
        """Count what the run folder already cost (a resumed run)."""
        from evalgate.llmjudge.grader import Tally
        from evalgate.llmjudge.session import read_usage

        self.run_dir = run_dir
        for r in done:
            self._add(r)
        usage = read_usage(run_dir) or {}
        tin, tout = usage.get("input_tokens"), usage.get("output_tokens")
        if isinstance(tin, int) and isinstance(tout, int):
            t = Tally(input_tokens=tin, output_tokens=tout)
            self.judge_before = _price(t, self.judge_pricing)

    def attach(self, tally: Tally | None) -> None:
        """Count a judge's tokens as it spends them (each part of the run opens its own)."""
        if tally is not None:
            self._tallies.append(tally)

    @property
    def judge(self) -> float:
        return self.judge_before + sum(_price(t, self.judge_pricing) for t in self._tallies)

    @property
    def spent(self) -> float:
        return self.target + self.judge

    def _add(self, r: CaseResult) -> None:
        if r.status == "skipped":
            return
        cost = result_cost(r)
        if cost is None:
            self.unpriced += 1 if r.responses else 0
        else:
            self.target += cost

    def see(self, r: CaseResult, done: int, total: int) -> str | None:
        """Count a finished result; the reason to stop when the budget is reached."""
        self._add(r)
        return self.over(done, total)

    def over(self, done: int, total: int) -> str | None:
        if self.spent < self.limit:
            return None
        unpriced = (
            f"; {self.unpriced} answer(s) reported no cost and count $0" if self.unpriced else ""
        )
        finish = f"evalgate run --resume {self.run_dir} --max-cost USD" if self.run_dir else ""
        return (
            f"the run's cost budget ${self.limit:g} ({WHERE}) was reached: ${self.spent:.4f}"
            f" spent (target ${self.target:.4f}, judge ${self.judge:.4f}) with {done} of"
            f" {total} results finished{unpriced}; stopped early: every finished result is"
            f" kept; finish with a larger budget: {finish}"
        )


def priced(cfg: Config) -> bool:
    """Whether anything in the run can have a cost: target prices, a mapped cost, judge prices."""
    p = cfg.judge.pricing
    return bool(
        cfg.pricing or cfg.target.response.cost_usd or p.input_per_mtok or p.output_per_mtok
    )


@dataclass(frozen=True)
class Estimate:
    target: float
    judge: float | None  # None: no judge history to estimate from (or no judge scorer)
    unknown_cases: int  # selected cases the baseline has no cost for
    judge_hit_share: float | None = None

    @property
    def total(self) -> float:
        return self.target + (self.judge or 0.0)

    def describe(self) -> str:
        parts = [f"estimated cost ${self.total:.4f}: target ${self.target:.4f} (baseline)"]
        if self.judge is not None:
            hit = self.judge_hit_share or 0.0
            parts.append(f"judge ${self.judge:.4f} (last run's cost per call, {hit:.0%} cached)")
        if self.unknown_cases:
            parts.append(f"{self.unknown_cases} case(s) not in the baseline's cost (not counted)")
        return "; ".join(parts)


def estimate(
    cfg: Config,
    cases: Iterable[Case],
    repeat: int | None,
    base: Baseline | None,
    judge_cache: bool = True,
) -> Estimate | None:
    """The run's expected cost before any call, or None when nothing can be estimated."""
    target = 0.0
    unknown = 0
    verdicts = 0
    known_any = False
    for c in cases:
        if c.skip:
            continue
        n = repeat or c.repeat
        bc = base.cases.get(c.id) if base is not None else None
        mean = getattr(bc, "mean_cost_usd", None)
        if mean is None:
            unknown += 1
        else:
            known_any = True
            target += float(mean) * n
        specs = [*c.expect, *(s for t in c.turns for s in t.expect)]
        verdicts += n * sum(_votes(s.params, cfg) for s in specs if s.name in JUDGE_SCORERS)
    judge, hit = _judge_estimate(cfg, verdicts, judge_cache)
    if not known_any and judge is None:
        return None
    return Estimate(target, judge, unknown, hit)


def _votes(params: Any, cfg: Config) -> int:
    v = params.get("votes") if isinstance(params, dict) else None
    return int(v or cfg.judge.votes)


def _judge_estimate(
    cfg: Config, verdict_calls: int, judge_cache: bool
) -> tuple[float | None, float | None]:
    if not verdict_calls:
        return None, None
    from evalgate.llmjudge.grader import Tally
    from evalgate.llmjudge.session import LAST_USE_FILE

    try:
        last = json.loads((cfg.resolve(cfg.judge.cache_dir) / LAST_USE_FILE).read_text("utf-8"))
        calls, share = int(last["calls"]), float(last["hit_share"])
        tokens = (int(last["input_tokens"]), int(last["output_tokens"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None, None
    if calls <= 0:
        return None, None
    hit = min(1.0, max(0.0, share)) if judge_cache else 0.0
    per_call = _price(Tally(input_tokens=tokens[0], output_tokens=tokens[1]), cfg.judge.pricing)
    return per_call / calls * verdict_calls * (1 - hit), hit


def preflight(
    project: Project,
    max_cost_usd: float | None,
    *,
    resume: bool,
    selection: Selection,
    baseline: str | None,
    prompt_version: str | None,
    info: Callable[[str], None],
    judge_cache: bool = True,
) -> CostMeter | None:
    """The run's cost meter (None: no budget), once the pre-flight estimate is printed (with
    no budget, only when it reaches EXPENSIVE_USD); the run is refused (exit 2) when the
    estimate exceeds the budget. ``max_cost_usd`` None means target.max_cost_usd; 0 no limit.
    A resumed run is not estimated again (its meter counts what its folder already cost)."""
    cfg = project.config
    limit = cfg.target.max_cost_usd if max_cost_usd is None else max_cost_usd
    if not limit:
        if not resume and priced(cfg):
            est = _estimate(project, selection, baseline, prompt_version, judge_cache)
            if est is not None and est.total >= EXPENSIVE_USD:
                info(f"{est.describe()}; no budget (target.max_cost_usd, --max-cost)")
        return None
    if not priced(cfg):
        raise UsageError(
            f"a cost budget is set ({WHERE}) but nothing in the run has a price: add pricing:"
            " for the target's model (or map target.response.cost_usd) and judge.pricing, or"
            " drop the budget"
        )
    if not resume:
        est = _estimate(project, selection, baseline, prompt_version, judge_cache)
        if est is not None:
            info(f"{est.describe()}; budget ${limit:g}")
            if est.total > limit:
                raise UsageError(
                    f"not running: the {est.describe()}, more than the run's cost budget"
                    f" ${limit:g} ({WHERE}); raise the budget, or run fewer cases (--tag,"
                    " --case, --shard)"
                )
    return CostMeter(limit, cfg.judge.pricing)


def _estimate(
    project: Project,
    selection: Selection,
    baseline: str | None,
    prompt_version: str | None,
    judge_cache: bool,
) -> Estimate | None:
    cfg = project.config
    try:
        base = resolve_baseline(cfg, baseline, [], prompt_version)
        cases = select(project.goldens.cases, selection)[0]
    except EvalgateError:  # no baseline, or a selection the run itself will refuse
        return None
    return estimate(cfg, cases, selection.repeat, base, judge_cache)
