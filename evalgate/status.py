"""The closed vocabularies of a result: how a call went, and what the result counts as."""

from __future__ import annotations

from typing import Literal, get_args

# how the call went (whatever the answer was worth)
Outcome = Literal[
    "success",
    "timeout",
    "rate_limited",
    "http_error",
    "connection_error",
    "invalid_response",
    "judge_error",  # the target answered; the LLM judge could not give a verdict
]
# what a result counts as: quality (passed/failed), an error (the endpoint or a scorer
# failed), or skipped
ResultStatus = Literal["passed", "failed", "error", "skipped"]

OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
STATUSES: tuple[ResultStatus, ...] = get_args(ResultStatus)


def as_outcome(value: object) -> Outcome:
    """A stored outcome; anything this evalgate does not know is a ``ValueError``."""
    for known in OUTCOMES:
        if value == known:
            return known
    raise ValueError(f"unknown outcome {value!r} (expected one of {', '.join(OUTCOMES)})")


def as_status(value: object) -> ResultStatus:
    """A stored result status; anything else is a ``ValueError``."""
    for known in STATUSES:
        if value == known:
            return known
    raise ValueError(f"unknown status {value!r} (expected one of {', '.join(STATUSES)})")
