"""How many examples the property-based oracles run.

An oracle that compares a fast path with the plain one runs the same code hundreds of times
per test; in the default run each draws a fixed, derandomized sample sized to keep the suite
within its CI budget (the explicit ``@example`` corpus always runs). For a longer hunt,
``EVALGATE_ORACLE_SCALE=8 pytest tests/config tests/scorers`` multiplies every such count.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = float(os.environ.get("EVALGATE_ORACLE_SCALE", "1"))


def oracle(examples: int, **extra: object) -> settings:
    """Settings for an oracle: ``examples`` (times the scale), same sample on every run."""
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        **extra,  # type: ignore[arg-type]
    )
