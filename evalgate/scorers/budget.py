"""Budgets per call: ``max_latency_ms``, ``max_tokens``, ``max_cost_usd``.

A measurement the response does not carry is a failure whose reason names the response
mapping (or pricing entry) to add, so a budget is never passed by accident.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from evalgate.model import JSON, Case, Response, Score
from evalgate.scorers.registry import scorer

_NUMBER: dict[str, JSON] = {"type": "number", "minimum": 0}
_INT: dict[str, JSON] = {"type": "integer", "minimum": 0}
TOKENS_PARAMS: dict[str, JSON] = {
    "oneOf": [
        _INT,
        {
            "type": "object",
            "properties": {"input": _INT, "output": _INT, "total": _INT},
            "additionalProperties": False,
            "minProperties": 1,
        },
    ]
}


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        f = float(value)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


def _fmt(x: float) -> str:
    return f"{x:g}"


@scorer("max_latency_ms", params=_NUMBER)
def max_latency_ms(response: Response, params: Any, case: Case) -> Score:
    """The call took at most this many milliseconds."""
    limit = _num(params)
    got = _num(response.latency_ms)
    if limit is None:
        return Score.fail(f"max_latency_ms needs a number, got {params!r}")
    if got is None or got <= 0:
        return Score.fail("no latency was measured for this call (the response has no timing)")
    if got <= limit:
        return Score.ok(f"latency {_fmt(round(got))} ms <= {_fmt(limit)} ms")
    return Score.fail(f"latency {_fmt(round(got))} ms exceeds the budget of {_fmt(limit)} ms")


_TOKEN_FIELDS = {
    "input": "input_tokens",
    "output": "output_tokens",
    "total": "input_tokens and output_tokens",
}


def _tokens(response: Response, kind: str) -> float | None:
    inp, out = _num(response.input_tokens), _num(response.output_tokens)
    if kind == "input":
        return inp
    if kind == "output":
        return out
    return None if inp is None and out is None else (inp or 0.0) + (out or 0.0)


def _token_fix(response: Response, fields: str) -> str:
    """What to do about a missing token count: map it, or (when it is mapped and the answer
    had none) make the server send it."""
    absent = [f for f in ("input_tokens", "output_tokens") if f in response.missing]
    if not absent:
        return f"map {fields} in target.response"
    return (
        f"the answer had no {' or '.join(absent)} (target.response maps it, the server sent"
        " none; a streaming server sends usage only when asked, e.g. OpenAI's"
        " stream_options.include_usage)"
    )


@scorer("max_tokens", params=TOKENS_PARAMS)
def max_tokens(response: Response, params: Any, case: Case) -> Score:
    """Tokens used by the call stay within budget (total, or per input/output/total)."""
    limits = dict(params) if isinstance(params, Mapping) else {"total": params}
    failed: list[str] = []
    shown: list[str] = []
    for kind in ("input", "output", "total"):
        if kind not in limits:
            continue
        limit = _num(limits[kind])
        mapping = _TOKEN_FIELDS[kind]
        got = _tokens(response, kind)
        if limit is None:
            failed.append(f"max_tokens.{kind} needs a number")
        elif got is None:
            failed.append(f"no {kind} token count; {_token_fix(response, mapping)}")
        elif got > limit:
            failed.append(f"{kind} tokens {_fmt(got)} exceed the budget of {_fmt(limit)}")
        else:
            shown.append(f"{kind} {_fmt(got)} <= {_fmt(limit)}")
    if failed:
        return Score.fail("; ".join(failed))
    return Score.ok("tokens " + ", ".join(shown))


@scorer("max_cost_usd", params=_NUMBER)
def max_cost_usd(response: Response, params: Any, case: Case) -> Score:
    """The call cost at most this many US dollars."""
    limit = _num(params)
    got = _num(response.cost_usd)
    if limit is None:
        return Score.fail(f"max_cost_usd needs a number, got {params!r}")
    if got is None:
        model = response.model if isinstance(response.model, str) else None
        if model is None:
            fix = "map cost_usd, or model and input_tokens/output_tokens, in target.response"
        elif _tokens(response, "total") is None:
            fix = _token_fix(response, "input_tokens and output_tokens")
        else:
            fix = f"add a pricing entry for {model!r} in evalgate.yaml"
        return Score.fail(f"no cost for this call; {fix}")
    if got <= limit:
        return Score.ok(f"cost ${got:.6f} <= ${_fmt(limit)}")
    return Score.fail(f"cost ${got:.6f} exceeds the budget of ${_fmt(limit)}")
