"""Where latency and token references come from, and what a baseline entry must offer.

The canary compares scores with the baseline, and latency/tokens with a reference: a reference
run's results (by default the run that recorded the baseline), the median of recent healthy
canary runs (see :func:`evalgate.canary.history.reference_from_history`), or per-case
``latency_p95_ms`` / ``mean_tokens`` values a baseline may carry.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Protocol

from evalgate.canary.report import Reference
from evalgate.results import CaseResult, percentile


class BaselineCaseLike(Protocol):
    """What the canary needs from one baseline case (``CaseStats`` and baseline entries fit).

    Optional attributes, read when present: ``content_hash`` (a changed case is not compared),
    ``latency_p95_ms`` and ``mean_tokens`` (a latency/token reference when no reference run
    is given).
    """

    @property
    def score(self) -> float | None: ...

    @property
    def pass_rate(self) -> float | None: ...


def result_tokens(r: CaseResult) -> int | None:
    """Total tokens of one case repeat (all turns), or None when the response had no usage."""
    responses = r.responses
    totals = [resp.total_tokens for resp in responses if resp.total_tokens is not None]
    return sum(totals) if totals else None


def successful(results: Sequence[CaseResult]) -> list[CaseResult]:
    """Scored results whose call succeeded: the ones with meaningful latency and tokens."""
    return [r for r in results if r.status in ("passed", "failed") and r.outcome == "success"]


def reference_from_results(
    results: Sequence[CaseResult], case_ids: set[str] | None = None, source: str = "reference run"
) -> Reference:
    """p95 latency and mean tokens of a run, restricted to ``case_ids`` when given."""
    ok = [r for r in successful(results) if case_ids is None or r.case_id in case_ids]
    tokens = [t for t in (result_tokens(r) for r in ok) if t is not None]
    return Reference(
        latency_p95_ms=percentile([r.latency_ms for r in ok], 95),
        mean_tokens=statistics.fmean(tokens) if tokens else None,
        source=source,
    )


def reference_from_baseline(
    baseline: Mapping[str, BaselineCaseLike], case_ids: set[str]
) -> Reference:
    """From per-case ``latency_p95_ms`` / ``mean_tokens`` when the baseline stores them.

    The p95 over per-case p95s approximates the run's p95; good enough for a drift alarm.
    """
    lat: list[float] = []
    tok: list[float] = []
    for cid in sorted(case_ids & set(baseline)):
        b = baseline[cid]
        if (v := getattr(b, "latency_p95_ms", None)) is not None:
            lat.append(float(v))
        if (t := getattr(b, "mean_tokens", None)) is not None:
            tok.append(float(t))
    return Reference(percentile(lat, 95), statistics.fmean(tok) if tok else None, "baseline")


def same_content(entry: BaselineCaseLike, content_hash: str) -> bool:
    """A case edited since the baseline is not compared (unknown hashes count as the same)."""
    base_hash = getattr(entry, "content_hash", "") or ""
    return not base_hash or not content_hash or base_hash == content_hash
