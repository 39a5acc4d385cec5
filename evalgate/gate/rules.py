"""Rules that need no baseline: error rate, served prompt version, absolute pass rates.

Shared helpers for the messages live here too: every reason names its cases, a few in the
message and all of them in ``Reason.cases``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TypeVar

from evalgate.config.model import GateConfig
from evalgate.errors import ConfigError
from evalgate.gate.baseline import Baseline
from evalgate.gate.casetable import CaseTable
from evalgate.gate.verdict import (
    BASELINE_MISSING,
    CRITICAL_UNSCORED,
    ERROR_RATE,
    FEW_SHARED,
    INFO,
    MIN_PASS_RATE,
    PROMPT_VERSION,
    Reason,
)
from evalgate.results import CaseStats

NO_RESULTS = "no_results"  # nothing was scored: no evidence either way
INCONCLUSIVE_KINDS = frozenset(
    {ERROR_RATE, PROMPT_VERSION, BASELINE_MISSING, NO_RESULTS, FEW_SHARED, CRITICAL_UNSCORED}
)
MAX_NAMED = 5  # case ids spelled out in a message; Reason.cases keeps them all
EPS = 1e-12  # "dropped by more than 0.02" must not trigger on 0.020000000000000018


_V = TypeVar("_V")


def by_id(stats: Mapping[str, _V]) -> Iterator[tuple[str, _V]]:
    """``sorted(stats.items())`` as it is iterated: no list of every case's pair is made."""
    for cid in sorted(stats):
        yield cid, stats[cid]


def names(cases: Sequence[str], limit: int = MAX_NAMED) -> str:
    """``a, b, c and 4 more``: case ids for a message, capped."""
    shown = ", ".join(cases[:limit])
    return shown + (f" and {len(cases) - limit} more" if len(cases) > limit else "")


def passes(rate: float | None) -> bool:
    """The majority verdict over a case's scored repeats."""
    return rate is not None and rate >= 0.5


def shared(cand: CaseStats, baseline: Baseline | None) -> bool:
    """In the baseline with the same content hash: the only cases compared with it.

    A missing hash (an empty string, from a record that has none) proves nothing: such a case
    is not shared, so it is held to passing on its own.
    """
    if baseline is None or not cand.content_hash:
        return False
    cases = baseline.cases
    if isinstance(cases, CaseTable):  # its hash without making its case
        return cases.content_hash_of(cand.case_id) == cand.content_hash
    base = cases.get(cand.case_id)
    return base is not None and base.content_hash == cand.content_hash


def run_checks(
    candidate: Mapping[str, CaseStats],
    cfg: GateConfig,
    prompt_versions: Mapping[str, int],
    requested: str | None,
    total: int | None,
    errors: int | None,
) -> tuple[list[Reason], dict[str, float]]:
    """Error rate and served prompt version: the reasons a run cannot be judged."""
    reasons: list[Reason] = []
    total = sum(s.n + s.errors for s in candidate.values()) if total is None else total
    errors = sum(s.errors for s in candidate.values()) if errors is None else errors
    rate = errors / total if total else 0.0
    errored = sorted(
        (s for s in candidate.values() if s.errors), key=lambda s: (-s.errors, s.case_id)
    )
    if rate > cfg.max_error_rate + EPS:
        ids = [s.case_id for s in errored]
        reasons.append(
            Reason(
                ERROR_RATE,
                f"{errors} of {total} results were errors ({rate:.1%} > max_error_rate"
                f" {cfg.max_error_rate:.1%}); the run cannot be judged. Errored: {names(ids)}",
                tuple(ids),
            )
        )
    served = sorted(v for v, c in prompt_versions.items() if c > 0)
    if len(served) > 1:
        mix = ", ".join(f"{v} ({prompt_versions[v]})" for v in served)
        reasons.append(
            Reason(
                PROMPT_VERSION,
                f"MIXED PROMPT VERSIONS in one run: {mix}; the endpoint changed during the run"
                " or routes to several versions. Results cannot be compared; re-run against a"
                " single version",
            )
        )
    elif requested is not None and served and served != [requested]:
        reasons.append(
            Reason(
                PROMPT_VERSION,
                f"PROMPT VERSION MISMATCH: asked for {requested!r} but the endpoint served"
                f" {served[0]!r}; check the deployment or --prompt-version",
            )
        )
    elif requested is not None and not served:
        reasons.append(
            Reason(
                INFO,
                f"could not check that prompt version {requested!r} was served: the responses"
                " carry none (map response.prompt_version in evalgate.yaml)",
                blocking=False,
            )
        )
    return reasons, {"errors": errors, "total_results": total, "error_rate": rate}


def _groups(candidate: Mapping[str, CaseStats], key: str) -> dict[str, float]:
    """Per-case pass rates of the cases a ``min_pass_rate`` key covers."""
    kind, _, name = key.partition(".")
    if key != "overall" and (kind not in ("tag", "dataset", "scorer") or not name):
        raise ConfigError(
            f"gate.min_pass_rate: unknown key {key!r}; use overall, scorer.NAME, tag.TAG"
            " or dataset.NAME"
        )
    out: dict[str, float] = {}
    for cid, s in candidate.items():
        if s.n == 0 or s.pass_rate is None:
            continue
        if (
            key == "overall"
            or (kind == "tag" and name in s.tags)
            or (kind == "dataset" and s.dataset == name)
        ):
            out[cid] = s.pass_rate
        elif kind == "scorer" and name in s.scorer_pass:
            passed, n = s.scorer_pass[name]
            if n:
                out[cid] = passed / n
    return out


def absolute_checks(candidate: Mapping[str, CaseStats], cfg: GateConfig) -> list[Reason]:
    """``min_pass_rate`` thresholds over the scored cases (shared, new and changed alike)."""
    reasons = []
    for key, threshold in sorted(cfg.min_pass_rate.items()):
        rates = _groups(candidate, key)
        if not rates:
            reasons.append(
                Reason(INFO, f"min_pass_rate {key}: no scored cases; not checked", blocking=False)
            )
            continue
        rate = sum(rates.values()) / len(rates)
        if rate + EPS < threshold:
            bad = sorted((c for c, r in rates.items() if r < 1.0), key=lambda c: (rates[c], c))
            reasons.append(
                Reason(
                    MIN_PASS_RATE,
                    f"pass rate {key} is {rate:.1%} over {len(rates)} cases, below the required"
                    f" {threshold:.1%}; failing: {names(bad)}",
                    tuple(bad),
                )
            )
    return reasons
