"""Builders for gate tests: per-case statistics and baselines without a real run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.results import CaseStats


def stats(
    case_id: str,
    outcomes: Sequence[bool] = (True,),
    *,
    scores: Sequence[float] | None = None,
    errors: int = 0,
    tags: Iterable[str] = (),
    dataset: str = "ds",
    content_hash: str | None = None,
    scorer_pass: Mapping[str, tuple[int, int]] | None = None,
    skipped: bool = False,
) -> CaseStats:
    """A case's statistics from its repeat outcomes (score = 1/0 per repeat unless given)."""
    vals = list(scores) if scores is not None else [1.0 if o else 0.0 for o in outcomes]
    n = len(outcomes)
    passes = sum(1 for o in outcomes if o)
    return CaseStats(
        case_id=case_id,
        dataset=dataset,
        content_hash=content_hash if content_hash is not None else f"h-{case_id}",
        tags=tuple(tags),
        file="goldens/x.yaml",
        line=1,
        n=n,
        errors=errors,
        skipped=skipped,
        score=sum(vals) / n if n else None,
        pass_rate=passes / n if n else None,
        passes=passes,
        scorer_pass=dict(scorer_pass or {}),
    )


def run(*cases: CaseStats) -> dict[str, CaseStats]:
    return {c.case_id: c for c in cases}


def baseline_of(
    candidate: Mapping[str, CaseStats],
    version: str = "v1",
    recorded_at: str = "2026-01-01T00:00:00Z",
) -> Baseline:
    """A baseline holding exactly these case statistics."""
    return Baseline(
        prompt_version=version,
        recorded_at=recorded_at,
        cases={
            cid: BaselineCase(
                content_hash=s.content_hash,
                score=s.score if s.score is not None else 0.0,
                pass_rate=s.pass_rate if s.pass_rate is not None else 0.0,
                n=s.n,
                passes=s.passes,
                tags=s.tags,
                dataset=s.dataset,
                scorer_pass=dict(s.scorer_pass),
            )
            for cid, s in candidate.items()
            if s.n
        },
        run_id="run-1",
        evalgate_version="0.1.0",
        git_sha="abc123",
        config_hash="cfg",
    )


def grown(candidate: Mapping[str, CaseStats], runs: int, version: str = "v1") -> Baseline:
    """A baseline that recorded these case statistics ``runs`` times (its history)."""
    from evalgate.gate.history import grow

    base: Baseline | None = None
    for _ in range(runs):
        base = grow(base, baseline_of(candidate, version), runs)
    assert base is not None
    return base
