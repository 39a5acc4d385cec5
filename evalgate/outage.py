"""When the endpoint looks down: a streak of failed calls, whatever kind of failure each was.

A call that still failed after its retries (timed out, refused, reset, 5xx, rate limited, or
any other HTTP error) is one failed call; kinds are judged together, so an endpoint that hangs
on one call and resets the next is as down as one that only refuses. The streak is broken only
by a call that got an answer (a success, or an answer that could not be mapped).

- Before the endpoint has answered at all, ``max(8, concurrency)`` failed calls in a row stop
  the run: the endpoint is down or the configuration points at the wrong place.
- Once it has answered, the run is stopped only by a streak that alone holds more errors than
  ``gate.max_error_rate`` allows for all the calls of the run: the verdict is inconclusive
  whatever the remaining calls do, so making them only costs time. A few scattered errors, or a
  short blip in a long run, never stop it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from evalgate.results import CaseResult

FAILED = frozenset({"connection_error", "http_error", "timeout", "rate_limited"})
MIN_STREAK = 8
_REFUSED = re.compile(r"\bHTTP 40[13]\b")  # the endpoint answers, but not to these credentials


def error_budget(max_error_rate: float, total: int) -> int | None:
    """Errors the gate tolerates among ``total`` calls; None when it tolerates them all."""
    if max_error_rate >= 1.0:
        return None
    return math.floor(max(0.0, max_error_rate) * total + 1e-9)


@dataclass
class OutageWatch:
    """Feed it every finished result; :attr:`reason` is set once the endpoint looks down."""

    concurrency: int = 1
    # errors the gate tolerates in this run (see error_budget); None: never stop once answered
    tolerated: int | None = None
    reason: str | None = None
    _answered: bool = False
    _streak: list[CaseResult] = field(default_factory=list)

    @property
    def needed(self) -> int | None:
        """Failed calls in a row that stop the run now (None: nothing stops it)."""
        first = max(MIN_STREAK, self.concurrency)
        if not self._answered:
            return first
        if self.tolerated is None:
            return None
        return max(first, self.tolerated + 1)

    def see(self, result: CaseResult) -> str | None:
        if self.reason is not None or result.status == "skipped":
            return self.reason
        if result.status != "error" or result.outcome not in FAILED:
            self._answered = True
            self._streak.clear()
            return None
        self._streak.append(result)
        needed = self.needed
        if needed is not None and len(self._streak) >= needed:
            self.reason = self._describe()
        return self.reason

    def _describe(self) -> str:
        n = len(self._streak)
        kinds = Counter(r.outcome for r in self._streak)
        mix = ", ".join(f"{k} ×{c}" for k, c in sorted(kinds.items(), key=lambda kc: -kc[1]))
        last = self._streak[-1]
        which = "the last" if self._answered else "the first"
        why = (
            "more errors than gate.max_error_rate allows in this run"
            if self._answered
            else "the endpoint never answered"
        )
        if all(_REFUSED.search(r.error or "") for r in self._streak):
            return (
                f"the endpoint refuses the credentials: {which} {n} calls were answered"
                f" HTTP 401/403 (last: {last.case_id}: {last.error}); check the key or token in"
                " target.headers (and that its environment variable holds the right value),"
                " then run again"
            )
        return (
            f"the endpoint looks down: {which} {n} calls all failed ({mix};"
            f" last: {last.case_id}: {last.error}); {why}; stopped early: check the endpoint,"
            " then run again"
        )
