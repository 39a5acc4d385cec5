"""What the gate decides: a verdict with reasons that name their cases.

Pure data, shared by the gate (which builds it), the reporters (which show it) and
``summary.json`` (which stores it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PASS = "pass"
FAIL = "fail"
INCONCLUSIVE = "inconclusive"

# reason kinds
REGRESSION = "regression"  # mean score drop beyond max_drop and significant
CRITICAL = "critical"  # a critical case that passed in the baseline is broken now
BROKEN = "broken"  # another shared case that passed in the baseline is broken now
MIN_PASS_RATE = "min_pass_rate"  # an absolute threshold not met
ERROR_RATE = "error_rate"  # errors above max_error_rate -> inconclusive
BASELINE_MISSING = "baseline_missing"
PROMPT_VERSION = "prompt_version"  # served version differs from the one asked for, or mixed
CASE_FAILED = "case_failed"  # a case the baseline cannot vouch for (new, changed, none) fails
CRITICAL_UNSCORED = "critical_unscored"  # a critical case only errored -> inconclusive
FEW_SHARED = "few_shared"  # too few cases comparable with the baseline -> inconclusive
BASELINE_STALE = "baseline_stale"  # older than gate.baseline_max_age_days (a note)
BASELINE_LINEAGE = "baseline_lineage"  # recorded at a commit outside this one's history (a note)
INFO = "info"  # informational note, never changes the status


@dataclass(frozen=True)
class Reason:
    kind: str
    message: str
    cases: tuple[str, ...] = ()
    blocking: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "cases": list(self.cases),
            "blocking": self.blocking,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Reason:
        return cls(
            kind=str(d["kind"]),
            message=str(d["message"]),
            cases=tuple(str(c) for c in d.get("cases") or ()),
            blocking=bool(d.get("blocking", True)),
        )


@dataclass(frozen=True, slots=True)
class CaseDelta:
    """One case compared with the baseline."""

    case_id: str
    status: str  # "shared" | "new" | "changed" | "removed"
    base_score: float | None
    score: float | None
    base_pass_rate: float | None
    pass_rate: float | None
    # the baseline's answer, kept for the cases reports show side by side (gate/provenance.py)
    base_answer: str | None = None

    @property
    def delta(self) -> float | None:
        if self.base_score is None or self.score is None:
            return None
        return self.score - self.base_score

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "status": self.status,
            "base_score": self.base_score,
            "score": self.score,
            "base_pass_rate": self.base_pass_rate,
            "pass_rate": self.pass_rate,
            "delta": self.delta,
        } | ({} if self.base_answer is None else {"base_answer": self.base_answer})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CaseDelta:
        return cls(
            case_id=str(d["case_id"]),
            status=str(d["status"]),
            base_score=d.get("base_score"),
            score=d.get("score"),
            base_pass_rate=d.get("base_pass_rate"),
            pass_rate=d.get("pass_rate"),
            base_answer=None if d.get("base_answer") is None else str(d["base_answer"]),
        )


@dataclass(frozen=True)
class Verdict:
    """The gate's decision. ``status`` is ``pass``, ``fail`` or ``inconclusive``."""

    status: str
    reasons: tuple[Reason, ...] = ()
    baseline_version: str | None = None
    mean_score: float | None = None
    base_mean_score: float | None = None  # over the shared cases
    shared_mean_score: float | None = None  # candidate mean over the shared cases
    p_value: float | None = None
    test: str | None = None  # name of the paired test used
    min_detectable_drop: float | None = None  # the golden set's power, see docs/gate.md
    # a tuple, or the gate's columns (gate/deltas.py) that read as one
    deltas: Sequence[CaseDelta] = ()
    stats: Mapping[str, Any] = field(default_factory=dict)
    # where the baseline came from: kind, path, commit, recorded_at, age_days, stale...
    baseline_source: Mapping[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return {PASS: 0, FAIL: 1, INCONCLUSIVE: 3}[self.status]

    @property
    def delta(self) -> float | None:
        if self.base_mean_score is None or self.shared_mean_score is None:
            return None
        return self.shared_mean_score - self.base_mean_score

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
            "baseline_version": self.baseline_version,
            "mean_score": self.mean_score,
            "base_mean_score": self.base_mean_score,
            "shared_mean_score": self.shared_mean_score,
            "delta": self.delta,
            "p_value": self.p_value,
            "test": self.test,
            "min_detectable_drop": self.min_detectable_drop,
            "deltas": [d.to_dict() for d in self.deltas],
            "stats": dict(self.stats),
            "baseline_source": dict(self.baseline_source),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Verdict:
        return cls(
            status=str(d["status"]),
            reasons=tuple(Reason.from_dict(r) for r in d.get("reasons") or ()),
            baseline_version=d.get("baseline_version"),
            mean_score=d.get("mean_score"),
            base_mean_score=d.get("base_mean_score"),
            shared_mean_score=d.get("shared_mean_score"),
            p_value=d.get("p_value"),
            test=d.get("test"),
            min_detectable_drop=d.get("min_detectable_drop"),
            deltas=tuple(CaseDelta.from_dict(x) for x in d.get("deltas") or ()),
            stats=dict(d.get("stats") or {}),
            baseline_source=dict(d.get("baseline_source") or {}),
        )
