"""Tool calls: which tool was (or was not) called, with which arguments, how often, in what order.

Argument matching rules are in :mod:`evalgate.scorers._match` (subset match; literals,
``/regex/`` strings and ``{schema: {...}}`` JSON Schemas; numbers vs numeric strings).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from evalgate.model import JSON, Case, Response, Score, ToolCall
from evalgate.scorers._match import match, render
from evalgate.scorers._util import one_line
from evalgate.scorers.registry import Check, prepared, scorer

PERMISSIONS = ("allowed", "denied", "needs_confirmation")
_KEPT = 256  # passing scores kept per expect item
_NAMES: dict[str, JSON] = {"type": "array", "items": {"type": "string", "minLength": 1}}
PARAMS: dict[str, JSON] = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "called": {"type": "boolean"},
                "arguments": {"type": "object"},
                "strict": {"type": "boolean"},
                "permission": {"enum": list(PERMISSIONS)},
                "times": {"type": "integer", "minimum": 0},
                "order": {**_NAMES, "minItems": 1},
                "sequence": {**_NAMES},
            },
            "additionalProperties": False,
            "anyOf": [
                {"required": ["name"]},
                {"required": ["order"]},
                {"required": ["sequence"]},
                {"required": ["called"], "properties": {"called": {"const": False}}},
            ],
        },
    ]
}


def arguments_of(call: ToolCall) -> Mapping[str, Any]:
    """A call's arguments as a mapping; JSON-string arguments (OpenAI style) are decoded."""
    args: Any = call.arguments
    if isinstance(args, (str, bytes)):
        try:
            args = json.loads(args)
        except ValueError:
            return {}
    return args if isinstance(args, Mapping) else {}


def describe(call: ToolCall, width: int = 80) -> str:
    """``name(key="value", ...)`` for a reason line."""
    args = ", ".join(f"{one_line(str(k))}={render(v, 30)}" for k, v in arguments_of(call).items())
    s = f"{one_line(str(call.name))}({args})"
    return s if len(s) <= width else s[: width - 2] + "…)"


def _called(calls: Sequence[ToolCall]) -> str:
    if not calls:
        return "no tools were called"
    shown = ", ".join(describe(c, 60) for c in calls[:4])
    return f"called {shown}{', …' if len(calls) > 4 else ''}"


def _is_subsequence(want: Sequence[str], got: Sequence[str]) -> bool:
    it = iter(got)
    return all(any(g == w for g in it) for w in want)


def _prepare(params: Any) -> Check:
    p: Mapping[str, Any] = {"name": params} if isinstance(params, str) else params
    if not isinstance(p, Mapping):
        failed = Score.fail(f"tool_call params must be a tool name or a mapping, got {render(p)}")
        return lambda response, case: failed
    name = p.get("name")
    raw_args = p.get("arguments")
    times = p.get("times")
    if (
        isinstance(name, str)
        and p.get("called", True) is not False
        and not (isinstance(raw_args, Mapping) and raw_args)
        and not isinstance(p.get("permission"), str)
        and not (isinstance(times, int) and not isinstance(times, bool))
        and not isinstance(p.get("order"), list)
        and not isinstance(p.get("sequence"), list)
    ):
        return _called_by_name(name, p)
    return partial(_score, p)


def _called_by_name(name: str, p: Mapping[str, Any]) -> Check:
    """``{name: x}`` alone: passes on the first call to ``x`` (any arguments match none)."""

    passes: dict[str, Score] = {}  # one passing score per reason

    def check(response: Response, case: Case) -> Score:
        for c in response.tool_calls:
            if isinstance(c, ToolCall) and c.name == name:
                reason = f"called {describe(c)}"
                score = passes.get(reason)
                if score is None:
                    if len(passes) >= _KEPT:
                        passes.clear()
                    score = passes[reason] = Score.ok(reason)
                return score
        return _score(p, response, case)

    return check


@scorer("tool_call", params=PARAMS)
@prepared(_prepare)
def tool_call(response: Response, params: Any, case: Case) -> Score:
    """A tool was (or was not) called, with matching arguments, permission, count and order."""
    return _prepare(params)(response, case)


def _score(p: Mapping[str, Any], response: Response, case: Case) -> Score:
    calls = tuple(c for c in response.tool_calls if isinstance(c, ToolCall))
    checks: list[tuple[bool, str]] = []
    name = p.get("name")
    if isinstance(name, str):
        checks.extend(_name_checks(name, p, calls))
    order = p.get("order")
    sequence = p.get("sequence")
    # the names called, for the checks that read them (a name alone does not)
    names = (
        [one_line(str(c.name)) for c in calls]
        if isinstance(order, list) or isinstance(sequence, list) or not checks
        else []
    )
    if isinstance(order, list) and order:
        ok = _is_subsequence([str(o) for o in order], names)
        checks.append((ok, f"expected calls in order {' → '.join(map(str, order))}; {_seq(names)}"))
    if isinstance(sequence, list):
        ok = names == [str(s) for s in sequence]
        want = " → ".join(map(str, sequence)) or "no calls"
        checks.append((ok, f"expected exactly {want}; {_seq(names)}"))
    if not checks and p.get("called") is False:  # {called: false} alone: no tool at all
        checks.append((not names, f"expected no tool calls; {_seq(names)}"))
    if not checks:
        return Score.fail("tool_call needs a name, order or sequence")
    failed = [why for ok, why in checks if not ok]
    value = (len(checks) - len(failed)) / len(checks)
    if failed:
        return Score(value, False, "; ".join(w for w in failed if w))
    if isinstance(name, str) and p.get("called", True) is False:
        return Score.ok(f"{name} was not called")
    if isinstance(name, str):
        raw = p.get("arguments")
        expected = raw if isinstance(raw, Mapping) else {}
        strict = bool(p.get("strict", False))
        hit = next(
            (
                c
                for c in calls
                if c.name == name and match(expected, arguments_of(c), strict) is None
            ),
            None,
        )
        return Score.ok(f"called {describe(hit)}" if hit is not None else f"called {name}")
    return Score.ok(_seq(names))


def _differs(diff: str | None) -> str:
    path, _, detail = (diff or "").partition(" (")
    return f"{path} differs: {detail[:-1]}" if detail else f"{path} differs"


def _seq(names: Sequence[str]) -> str:
    return f"called {' → '.join(names)}" if names else "no tools were called"


def _name_checks(
    name: str, p: Mapping[str, Any], calls: Sequence[ToolCall]
) -> list[tuple[bool, str]]:
    same = [c for c in calls if c.name == name]
    strict = bool(p.get("strict", False))
    raw_args = p.get("arguments")
    expected_args: Mapping[str, Any] = raw_args if isinstance(raw_args, Mapping) else {}
    has_args = bool(expected_args)
    if p.get("called", True) is False:
        if has_args:  # "never called *with these arguments*"
            bad = [c for c in same if match(expected_args, arguments_of(c), strict) is None]
            return [(not bad, f"expected no call {describe(bad[0])}" if bad else "")]
        return [(not same, f"expected no call to {name}; {_called(same)}")]
    if not same:
        # one reason, not one per sub-check: what was wanted, and what was called instead
        want = describe(ToolCall(name, dict(expected_args))) if has_args else name
        extra = (
            f" with permission {p['permission']}" if isinstance(p.get("permission"), str) else ""
        )
        n_checks = (
            1 + has_args + isinstance(p.get("permission"), str) + isinstance(p.get("times"), int)
        )
        return [(False, f"expected a call to {want}{extra}; {_called(calls)}")] + [(False, "")] * (
            n_checks - 1
        )
    checks: list[tuple[bool, str]] = [(True, "")]
    chosen = same[0]
    # (a reason is only written for a check that fails: only those are shown)
    if has_args:
        hit: ToolCall | None = None
        first: tuple[ToolCall, str] | None = None  # the first call's difference
        for c in same:
            diff = match(expected_args, arguments_of(c), strict)
            if diff is None:
                hit = c
                break
            if first is None:
                first = (c, diff)
        if hit is not None:
            chosen = hit
            checks.append((True, ""))
        else:
            want = describe(ToolCall(name, dict(expected_args)))
            if first is not None:
                c, d = first
                checks.append((False, f"expected {want}; called {describe(c)} — {_differs(d)}"))
            else:
                checks.append((False, f"expected {want}; {_called(calls)}"))
    permission = p.get("permission")
    if isinstance(permission, str):
        got = chosen.permission
        why = (
            ""
            if got == permission
            else f"expected {name} with permission {permission}; got"
            f" {got or 'no permission field'}"
            + (" (map tool_calls[].permission in the response mapping)" if got is None else "")
        )
        checks.append((got == permission, why))
    times = p.get("times")
    if isinstance(times, int) and not isinstance(times, bool):
        n = len(same)
        why = "" if n == times else f"expected {name} called {times} time(s); called {n} time(s)"
        checks.append((n == times, why))
    return checks
