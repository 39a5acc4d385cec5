"""What a canary comparison produces: findings, statistics and a status (plain data)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from evalgate.errors import ExitCode

OK = "ok"
DRIFT = "drift"
DOWN = "down"
_MAX_NAMED = 5


def name_cases(cases: Sequence[str]) -> str:
    """At most five case ids, then how many more: a finding stays one readable line."""
    if not cases:
        return "-"
    shown = ", ".join(cases[:_MAX_NAMED])
    rest = len(cases) - _MAX_NAMED
    return shown + (f" (+{rest} more)" if rest > 0 else "")


@dataclass(frozen=True)
class Reference:
    """Latency and token figures the canary is compared with, and where they came from."""

    latency_p95_ms: float | None
    mean_tokens: float | None
    source: str


@dataclass(frozen=True)
class Finding:
    """One broken rule (``blocking``) or a note (not blocking), as a one-line ``message``."""

    kind: str  # down | errors | latency_p95 | mean_tokens | score | case_failed | prompt_version
    message: str
    cases: tuple[str, ...] = ()
    baseline: float | None = None
    current: float | None = None
    tolerance: str | None = None
    blocking: bool = True

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["cases"] = list(self.cases)
        return d


@dataclass(frozen=True)
class CanaryStats:
    """The canary run's own figures."""

    results: int
    cases: int
    errors: int
    error_rate: float
    latency_p95_ms: float | None
    mean_tokens: float | None
    mean_score: float | None
    base_mean_score: float | None
    outcomes: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CanaryReport:
    """``status`` is ``ok``, ``drift`` (a blocking finding) or ``down`` (most calls failed)."""

    status: str
    findings: tuple[Finding, ...]
    stats: CanaryStats
    reference: Reference | None = None

    @property
    def exit_code(self) -> int:
        """0 ok, 1 drift, 3 down (the endpoint could not be judged: infrastructure failure)."""
        return {OK: ExitCode.OK, DRIFT: ExitCode.GATE_FAILED}.get(
            self.status, ExitCode.INCONCLUSIVE
        )

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocking)

    def headline(self) -> str:
        """One line: status and the figures, for terminals, logs and alert titles."""
        s = self.stats

        def num(v: float | None, fmt: str) -> str:
            return "-" if v is None else format(v, fmt)

        return (
            f"canary {self.status}: {s.cases} cases, p95 {num(s.latency_p95_ms, ',.0f')} ms,"
            f" tokens {num(s.mean_tokens, ',.0f')}, score {num(s.mean_score, '.3f')},"
            f" errors {s.error_rate:.0%}"
        )

    def lines(self) -> list[str]:
        """The headline, then one line per finding (notes marked as such)."""
        out = [self.headline()]
        out += [f"  {'' if f.blocking else 'note: '}{f.message}" for f in self.findings]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "findings": [f.to_dict() for f in self.findings],
            "stats": asdict(self.stats) | {"outcomes": dict(self.stats.outcomes)},
            "reference": asdict(self.reference) if self.reference else None,
        }
