"""Checks a baseline must pass before the gate trusts it (on load, and before it is saved).

A baseline decides what counts as a regression, so a file that could not have come from a run
is refused (exit 2) rather than believed: duplicated JSON keys (the reader would keep one of
them silently), ``NaN``/``Infinity``, wrong types, values out of range, figures that contradict
each other (a pass rate that is not passes / n, a case that passed but scored 0), or no case at
all. Each problem names the file and the case.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, TypeGuard

from evalgate.jsonsafe import finite_number

_EPS = 1e-6


class BaselineProblem(ValueError):
    """What is wrong with a baseline document (the caller adds the file name)."""


class Checked:
    """A case's figures that passed :func:`case_problem` when they were parsed, typed already
    (``gate/baseline_read.py``). Not a mapping: anywhere but among a document's cases it
    fails every check, and the reader then reads the file whole."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise BaselineProblem(f"key {key!r} appears twice in one object")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise BaselineProblem(f"{name} is not a number a baseline can hold")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BaselineProblem(f"{text} is too large for a number a baseline can hold")
    return value


def parse_strict(text: str) -> Any:
    """JSON without duplicated keys and without NaN/Infinity (BaselineProblem otherwise)."""
    return json.loads(
        text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant, parse_float=_finite
    )


def _num(v: Any) -> bool:
    return finite_number(v)


def _int(v: Any) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def check_document(doc: Mapping[str, Any]) -> None:
    """Raise BaselineProblem for the first thing in ``doc`` a recorded baseline cannot hold."""
    for key in ("prompt_version", "recorded_at"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            raise BaselineProblem(f"{key!r} must be a non-empty string")
    for key in ("run_id", "evalgate_version", "config_hash"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            raise BaselineProblem(f"{key!r} must be a string")
    samples = doc.get("samples", 1)
    if not _int(samples) or samples < 1:
        raise BaselineProblem(f"'samples' must be an integer of at least 1, not {samples!r}")
    if doc.get("git_sha") is not None and not isinstance(doc["git_sha"], str):
        raise BaselineProblem("'git_sha' must be a string or null")
    dropped = doc.get("answers_dropped")
    if dropped is not None and (
        not isinstance(dropped, Mapping)
        or not isinstance(dropped.get("cases"), list)
        or not all(isinstance(c, str) for c in dropped["cases"])
    ):
        raise BaselineProblem("'answers_dropped' must be an object with a list of case ids")
    cases = doc.get("cases")
    if not isinstance(cases, Mapping):
        raise BaselineProblem("'cases' must be an object of case id -> figures")
    if not cases:
        raise BaselineProblem("it records no case, so there is nothing to compare with")
    if getattr(cases, "checked", False) is True:
        return  # a table of cases each checked as it was read (gate/baseline_read.py)
    for cid, case in cases.items():
        if isinstance(case, Checked):
            continue
        if not isinstance(case, Mapping):
            raise BaselineProblem(f"case {cid!r}: must be an object")
        why = case_problem(case)
        if why:
            raise BaselineProblem(f"case {cid!r}: {why}")


def case_problem(c: Mapping[str, Any]) -> str | None:
    """Why one case's figures cannot come from a run, or None."""
    if not isinstance(c.get("content_hash"), str) or not c["content_hash"]:
        return "'content_hash' must be a non-empty string"
    n, passes = c.get("n"), c.get("passes")
    if not _int(n) or n < 1:
        return f"'n' (scored repeats) must be an integer of at least 1, not {n!r}"
    if not _int(passes) or not 0 <= passes <= n:
        return f"'passes' must be an integer from 0 to n ({n}), not {passes!r}"
    for key in ("score", "pass_rate"):
        if not _num(c.get(key)) or not 0.0 <= c[key] <= 1.0:
            return f"{key!r} must be a number from 0 to 1, not {c.get(key)!r}"
    if abs(c["pass_rate"] - passes / n) > _EPS:
        return f"'pass_rate' {c['pass_rate']!r} is not passes / n ({passes}/{n})"
    if passes > 0 and c["score"] <= 0.0:
        return f"'score' is 0 although {passes} of {n} repeats passed"
    for key in ("latency_p95_ms", "mean_tokens", "mean_cost_usd"):
        v = c.get(key)
        if v is not None and (not _num(v) or v < 0):
            return f"{key!r} must be a non-negative number or null, not {v!r}"
    tags = c.get("tags", [])
    why = _history_problem(c.get("history"), n, passes)
    if why:
        return why
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        return "'tags' must be a list of strings"
    if not isinstance(c.get("dataset", ""), str):
        return "'dataset' must be a string"
    if c.get("answer") is not None and not isinstance(c["answer"], str):
        return "'answer' must be a string or null"
    return _scorer_problem(c.get("scorer_pass", {}), n, passes)


def _history_problem(h: Any, n: int, passes: int) -> str | None:
    """``history``: one ``[passes, n, score]`` per recorded run, adding up to the totals."""
    if h is None:
        return None  # format 1: the totals are one run
    if not isinstance(h, list) or not h:
        return "'history' must be a non-empty list of [passes, n, score]"
    for item in h:
        if (
            not isinstance(item, list)
            or len(item) != 3
            or not _int(item[0])
            or not _int(item[1])
            or not _num(item[2])
            or not 0 <= item[0] <= item[1]
            or item[1] < 1
            or not 0.0 <= item[2] <= 1.0
        ):
            return f"'history' entry {item!r} must be [passes, n, score] with 0 <= passes <= n"
    if sum(i[1] for i in h) != n or sum(i[0] for i in h) != passes:
        return f"'history' does not add up to n ({n}) and passes ({passes})"
    return None


def _scorer_problem(sp: Any, n: int, passes: int) -> str | None:
    if not isinstance(sp, Mapping):
        return "'scorer_pass' must be an object of scorer -> [passes, total]"
    for name, v in sp.items():
        if (
            not isinstance(v, list)
            or len(v) != 2
            or not all(_int(x) for x in v)
            or not 0 <= v[0] <= v[1]
        ):
            return f"scorer_pass[{name!r}] must be [passes, total] with 0 <= passes <= total"
        if passes == n and v[0] != v[1]:
            return (
                f"scorer_pass[{name!r}] has failures ({v[0]}/{v[1]}) although every repeat passed"
            )
    return None
