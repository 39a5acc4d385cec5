"""Cases the baseline cannot vouch for, and runs it barely covers.

A baseline vouches for a case only when it holds the same case id with the same content hash
(a *shared* case). Every other scored case, new or changed (or every case, with no baseline),
has no past to be compared with, so it is held to the rule a run without a baseline uses: it
must pass, by the majority of its repeats (confirmation re-runs included). Otherwise a reworded
case, an edit to a file's defaults, or a baseline that lost its cases would take a failing case
out of the gate altogether.

A run that shares fewer than ``gate.min_shared`` of its scored cases with its baseline cannot be
checked for regressions at all (the drop test and the critical rule only see shared cases): it
is inconclusive, with the advice to record a new baseline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from evalgate.config.model import GateConfig
from evalgate.gate.baseline import Baseline
from evalgate.gate.rules import EPS, by_id, names, passes, shared
from evalgate.gate.verdict import CASE_FAILED, CRITICAL_UNSCORED, FEW_SHARED, INFO, Reason
from evalgate.results import CaseStats


def unvouched(candidate: Mapping[str, CaseStats], baseline: Baseline | None) -> list[str]:
    """Scored cases the baseline holds no comparable result for (all of them without one)."""
    return [
        cid
        for cid, s in by_id(candidate)
        if s.n > 0 and s.score is not None and not shared(s, baseline)
    ]


def failing_unvouched(candidate: Mapping[str, CaseStats], baseline: Baseline | None) -> list[str]:
    """The unvouched cases that fail now: they block, and confirmation re-runs may clear them."""
    return [cid for cid in unvouched(candidate, baseline) if not passes(candidate[cid].pass_rate)]


def _status(cid: str, baseline: Baseline | None) -> str:
    if baseline is None:
        return ""
    return "changed" if cid in baseline.cases else "new"


def must_pass(confirmed: Mapping[str, CaseStats], baseline: Baseline | None) -> list[Reason]:
    """A blocking reason naming every new, changed or (without a baseline) any case that fails.

    ``confirmed`` holds the run's statistics merged with the confirmation re-runs.
    """
    failed = failing_unvouched(confirmed, baseline)
    if not failed:
        return []
    if baseline is None:
        return [Reason(CASE_FAILED, f"{len(failed)} cases failed: {names(failed)}", tuple(failed))]
    shown = [
        f"{cid} ({_status(cid, baseline)}, now {confirmed[cid].passes}/{confirmed[cid].n})"
        for cid in failed
    ]
    return [
        Reason(
            CASE_FAILED,
            f"{len(failed)} new or changed cases fail: {names(shown)}. The baseline has no"
            " result for them with this content, so each must pass on its own",
            tuple(failed),
        )
    ]


def shared_share(
    scored: Mapping[str, CaseStats], baseline: Baseline, cfg: GateConfig
) -> tuple[list[Reason], dict[str, float]]:
    """Inconclusive when too few of the run's scored cases can be compared with the baseline."""
    if not scored:
        return [], {}
    others = unvouched(scored, baseline)
    n_shared = len(scored) - len(others)
    share = n_shared / len(scored)
    info = {"shared_share": share, "min_shared": cfg.min_shared}
    if share + EPS >= cfg.min_shared:
        return [], info
    changed = [c for c in others if c in baseline.cases]
    new = [c for c in others if c not in baseline.cases]
    return [
        Reason(
            FEW_SHARED,
            f"only {n_shared} of {len(scored)} scored cases ({share:.0%}) are in baseline"
            f" {baseline.prompt_version!r} with the same content (gate.min_shared"
            f" {cfg.min_shared:.0%}): {_counted(changed, 'changed')}, {_counted(new, 'new')}."
            " Regressions cannot be measured against this baseline; record a new baseline for"
            " this promptVersion from a run of the main branch (evalgate run --no-gate"
            " --record-baseline, or evalgate baseline record RUN). A baseline recorded by an"
            " older evalgate may hash cases differently: record it again",
            tuple(others),
        )
    ], info


def _counted(cases: Sequence[str], what: str) -> str:
    return f"{len(cases)} {what}" + (f" ({names(cases)})" if cases else "")


def no_expectations(scored: Mapping[str, CaseStats]) -> list[Reason]:
    """A note naming the cases that pass whatever the answer: they have no scorer."""
    empty = [cid for cid, s in by_id(scored) if s.n > 0 and not s.scorer_pass]
    if not empty:
        return []
    return [
        Reason(
            INFO,
            f"{len(empty)} cases have no expectations and pass whatever the answer:"
            f" {names(empty)}; add 'expect' to them ('evalgate validate --strict' refuses them)",
            tuple(empty),
            blocking=False,
        )
    ]


def unscored_critical(candidate: Mapping[str, CaseStats], cfg: GateConfig) -> list[Reason]:
    """Critical cases whose every repeat errored: nothing shows they still pass (inconclusive).

    The error rate tolerates a few errors across a run; a critical case that could not be
    scored at all would otherwise drop out of every rule.
    """
    critical = set(cfg.critical_tags)
    hit = [
        cid
        for cid, s in by_id(candidate)
        if s.n == 0 and s.errors > 0 and critical.intersection(s.tags)
    ]
    if not hit:
        return []
    shown = [
        f"{cid} ({candidate[cid].errors} error{'s' * (candidate[cid].errors > 1)})" for cid in hit
    ]
    return [
        Reason(
            CRITICAL_UNSCORED,
            f"critical cases could not be scored, every repeat errored: {names(shown)}; nothing"
            " shows they still pass. Check the endpoint's answer to them in results.jsonl, then"
            " re-run",
            tuple(hit),
        )
    ]


def skipped_note(candidate: Mapping[str, CaseStats], baseline: Baseline) -> list[Reason]:
    """Baseline cases this run skipped (``skip`` or ``review: pending``): not judged at all."""
    hit = [
        cid
        for cid, s in by_id(candidate)
        if s.n == 0 and s.errors == 0 and s.skipped and cid in baseline.cases
    ]
    if not hit:
        return []
    return [
        Reason(
            INFO,
            f"{len(hit)} baseline cases were skipped in this run and not judged: {names(hit)}",
            tuple(hit),
            blocking=False,
        )
    ]
