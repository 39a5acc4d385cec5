"""What a scorer may return, and the one line that says how a scorer failed.

Kept apart from the registry: this is what turns plugin results and plugin failures into
records (see evalgate.guard for how plugin code runs).
"""

from __future__ import annotations

import math
import numbers
from pathlib import Path
from types import CodeType

from evalgate import guard
from evalgate.model import Score


class InvalidScore(Exception):
    """A scorer returned something that is not a result (see :func:`coerce_score`)."""


def coerce_score(value: object, scorer_name: str) -> Score:
    """Turn what a scorer returned into a Score of a plain float, bool and str.

    A scorer returns a :class:`Score` (``value`` a finite number in [0, 1], ``passed`` exactly
    ``True`` or ``False``, ``reason`` a string), a bool, or a number in [0, 1] (passes at 0.5).
    Anything else raises :class:`InvalidScore` saying what was wrong: a truthy non-bool
    ``passed`` (``"no"``, ``numpy.bool_``) must not pass a case. Call it where plugin code is
    guarded: ``float()``/``str()`` on a plugin's number or string subclass is plugin code too.
    """
    if type(value) is Score:
        v, passed, reason = value.value, value.passed, value.reason
        # a built-in's result (exact types, a value in range) is already what this returns
        if type(v) is float and type(passed) is bool and type(reason) is str and 0.0 <= v <= 1.0:
            return value
    if isinstance(value, Score):
        passed, reason = value.passed, value.reason
        if not isinstance(passed, bool):
            raise InvalidScore(
                f"returned a Score whose passed is {type(passed).__name__}; use True or False"
            )
        if not isinstance(reason, str):
            raise InvalidScore(
                f"returned a Score whose reason is {type(reason).__name__}; use a string"
            )
        return Score(_score_value(value.value), passed, str(reason))
    if isinstance(value, bool):
        return Score(1.0 if value else 0.0, value, "" if value else f"{scorer_name} failed")
    if isinstance(value, numbers.Real):
        v = _score_value(value)
        return Score(v, v >= 0.5, "")
    raise InvalidScore(
        f"returned {type(value).__name__}; return a Score, a bool or a number in [0, 1]"
    )


def _score_value(v: object) -> float:
    if not isinstance(v, numbers.Real):
        raise InvalidScore(f"returned a score of type {type(v).__name__}; use a number in [0, 1]")
    f = float(v)
    if not math.isfinite(f) or not 0.0 <= f <= 1.0:
        raise InvalidScore(f"returned a score outside [0, 1]: {f!r}")
    return f


def _where(code: CodeType | None, exc: BaseException | None) -> str:
    """`` (file:line)``: the deepest frame of the scorer's own file in ``exc``'s traceback, else
    the line defining the scorer, so the fix is one click."""
    if code is None:
        return ""
    line = 0
    tb = exc.__traceback__ if exc is not None else None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == code.co_filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    line = line or code.co_firstlineno
    try:
        shown = str(Path(code.co_filename).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        shown = code.co_filename
    return f" ({shown}:{line})"


def failure_message(name: str, code: CodeType | None, failed: guard.PluginFailed) -> str:
    """One line saying which scorer failed, where, and how."""
    if failed.timed_out:
        return (
            f"scorer '{name}'{_where(code, failed.exc)} did not finish within {failed.limit:g} s;"
            " make it faster or raise scorer_timeout_s in evalgate.yaml"
        )
    exc = failed.exc
    assert exc is not None  # raised, not timed out
    if isinstance(exc, InvalidScore):
        return f"scorer '{name}'{_where(code, None)} {exc}"
    return f"scorer '{name}'{_where(code, exc)} raised {guard.describe(exc)}"
