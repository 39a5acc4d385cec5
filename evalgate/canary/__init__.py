"""Production canaries: compare a canary run with the baseline and keep a history.

Pure logic (no CLI, no HTTP); the alert webhook is :mod:`evalgate.integrations.webhook`.
"""

from evalgate.canary.compare import DOWN_ERROR_RATE, LATENCY_RATIO_FLOOR_MS, compare_canary
from evalgate.canary.history import (
    append_history,
    history_entry,
    read_history,
    reference_from_history,
    render_history,
)
from evalgate.canary.reference import (
    BaselineCaseLike,
    reference_from_baseline,
    reference_from_results,
)
from evalgate.canary.report import DOWN, DRIFT, OK, CanaryReport, CanaryStats, Finding, Reference

__all__ = [
    "DOWN",
    "DOWN_ERROR_RATE",
    "DRIFT",
    "LATENCY_RATIO_FLOOR_MS",
    "OK",
    "BaselineCaseLike",
    "CanaryReport",
    "CanaryStats",
    "Finding",
    "Reference",
    "append_history",
    "compare_canary",
    "history_entry",
    "read_history",
    "reference_from_baseline",
    "reference_from_history",
    "reference_from_results",
    "render_history",
]
