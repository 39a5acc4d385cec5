"""Judging a finished run: find its baseline, confirm flips, apply the gate."""

from __future__ import annotations

from collections.abc import Sequence

from evalgate.config.model import Config
from evalgate.gate.baseline import Baseline, BaselineStore
from evalgate.gate.policy import evaluate, flipped_cases
from evalgate.gate.verdict import Verdict
from evalgate.model import Case
from evalgate.results import CaseResult, aggregate
from evalgate.runner import WorkItem


def store_for(cfg: Config) -> BaselineStore:
    return BaselineStore(cfg.resolve(cfg.gate.baseline_dir))


def versions_seen(results: Sequence[CaseResult]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for r in results:
        responses = [t.response for t in r.turns if t.response] or (
            [r.response] if r.response else []
        )
        for resp in responses:
            if resp.prompt_version:
                seen[resp.prompt_version] = seen.get(resp.prompt_version, 0) + 1
    return seen


def main_version(results: Sequence[CaseResult], requested: str | None) -> str | None:
    seen = versions_seen(results)
    if requested:
        return requested
    return max(seen, key=lambda v: seen[v]) if seen else None


def resolve_baseline(
    cfg: Config, spec: str | None, results: Sequence[CaseResult], requested: str | None
) -> Baseline | None:
    return store_for(cfg).resolve(spec or cfg.gate.baseline, main_version(results, requested))


def confirmation_items(
    cases: Sequence[Case], results: Sequence[CaseResult], baseline: Baseline | None, times: int
) -> list[WorkItem]:
    """Extra repeats for the cases that flipped from pass to fail, so one bad draw can't block."""
    if baseline is None or times <= 0:
        return []
    flipped = set(flipped_cases(aggregate(r for r in results if not r.confirmation), baseline))
    next_repeat: dict[str, int] = {}
    for r in results:
        next_repeat[r.case_id] = max(next_repeat.get(r.case_id, 0), r.repeat + 1)
    return [
        WorkItem(c, next_repeat.get(c.id, c.repeat) + k, confirmation=True)
        for c in sorted(cases, key=lambda c: c.id)
        if c.id in flipped
        for k in range(times)
    ]


def judge(
    cfg: Config, results: Sequence[CaseResult], baseline: Baseline | None, requested: str | None
) -> Verdict:
    """Apply the gate. Confirmation repeats are judged apart (see docs/gate.md)."""
    main = [r for r in results if not r.confirmation]
    extra = [r for r in results if r.confirmation]
    attempted = [r for r in main if r.status != "skipped"]
    return evaluate(
        aggregate(main),
        baseline,
        cfg.gate,
        prompt_versions=versions_seen(results),
        requested_version=requested,
        total_results=len(attempted),
        error_results=sum(1 for r in attempted if r.status == "error"),
        confirmations=aggregate(extra) if extra else None,
    )
