"""The built-in scorers as they were before they were prepared once per expect list.

Kept verbatim as the reference for tests/scorers/test_prepared.py: every score, pass/fail and
reason of the prepared versions must be what these give, for any response and params.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evalgate.model import Case, Response, Score, ToolCall
from evalgate.scorers._match import match, render
from evalgate.scorers._util import (
    excerpt,
    mapping,
    one_line,
    output_text,
    quote,
    regex_flags,
    str_list,
)
from evalgate.scorers.citation import _FOOTNOTE_DEF, _MARKERS_NEED, _SPLIT


def _contains(text: str, needles: list[str], fold: bool) -> Score:
    hay = text.casefold() if fold else text
    missing = [n for n in needles if (n.casefold() if fold else n) not in hay]
    value = (len(needles) - len(missing)) / len(needles) if needles else 1.0
    if not missing:
        return Score(1.0, True, f"contains {', '.join(quote(n) for n in needles)}")
    which = ", ".join(quote(n) for n in missing)
    how = " (ignoring case)" if fold else ""
    return Score(value, False, f"expected the answer to contain {which}{how}; got {excerpt(text)}")


def plain_contains(response: Response, params: Any, case: Case) -> Score:
    """The answer contains every given string (case-sensitive)."""
    return _contains(output_text(response), str_list(params), fold=False)


def plain_icontains(response: Response, params: Any, case: Case) -> Score:
    """The answer contains every given string, ignoring case."""
    return _contains(output_text(response), str_list(params), fold=True)


def plain_not_contains(response: Response, params: Any, case: Case) -> Score:
    """The answer contains none of the given strings (case-sensitive)."""
    text = output_text(response)
    needles = str_list(params)
    found = [(n, text.find(n)) for n in needles if n and n in text]
    if not found:
        return Score(1.0, True, f"does not contain {', '.join(quote(n) for n in needles)}")
    n, at = found[0]
    value = 1.0 - len(found) / len(needles)
    return Score(value, False, f"expected no {quote(n)}; found at {excerpt(text, at, at + len(n))}")


def _compile(params: Any) -> tuple[re.Pattern[str] | None, str]:
    m = mapping(params)
    pattern = m.get("pattern") if m else params
    if not isinstance(pattern, str):
        return None, f"regex params must be a pattern string, got {quote(pattern)}"
    try:
        return re.compile(pattern, regex_flags(m.get("flags"))), pattern
    except re.error as exc:
        return None, f"invalid regex /{pattern}/: {exc}"


def plain_regex(response: Response, params: Any, case: Case) -> Score:
    """The answer matches the regular expression (``re.search``)."""
    rx, shown = _compile(params)
    if rx is None:
        return Score.fail(shown)
    text = output_text(response)
    m = rx.search(text)
    if m is None:
        return Score.fail(f"expected a match for /{shown}/; got {excerpt(text)}")
    return Score.ok(f"/{shown}/ matched {excerpt(text, m.start(), m.end())}")


def plain_not_regex(response: Response, params: Any, case: Case) -> Score:
    """The answer does not match the regular expression."""
    rx, shown = _compile(params)
    if rx is None:
        return Score.fail(shown)
    text = output_text(response)
    m = rx.search(text)
    if m is None:
        return Score.ok(f"no match for /{shown}/")
    return Score.fail(
        f"expected no match for /{shown}/; matched {excerpt(text, m.start(), m.end())}"
    )


def plain_equals(response: Response, params: Any, case: Case) -> Score:
    """The answer equals the value (surrounding whitespace ignored; options normalise more)."""
    m = mapping(params)
    expected = m.get("value") if m else params
    expected = expected if isinstance(expected, str) else str(expected)
    got = output_text(response).strip()
    want = expected.strip()
    if m.get("normalize_whitespace"):
        got, want = one_line(got), one_line(want)
    if m.get("ignore_case"):
        got, want = got.casefold(), want.casefold()
    if got == want:
        return Score.ok("equals the expected value")
    pairs = enumerate(zip(got, want, strict=False))
    at = next((i for i, (a, b) in pairs if a != b), min(len(got), len(want)))
    shown = excerpt(got, at, at + 1) if got else "an empty answer"
    return Score.fail(f"expected {quote(want, 60)}; got {shown} (differs at character {at})")


# -- citation --
@dataclass(frozen=True)
class Cited:
    """Ids cited by a response: from the citations field, from the text, and unresolved ones."""

    ids: tuple[str, ...]
    in_text: tuple[str, ...]
    unresolved: tuple[str, ...]


def _resolve(token: str, retrieved: tuple[str, ...], footnotes: dict[str, str]) -> str | None:
    if token in footnotes:
        return footnotes[token]
    if token.isdecimal():  # (isdigit took superscripts, which int() refuses)
        n = int(token)
        return retrieved[n - 1] if 1 <= n <= len(retrieved) else None
    return token


def plain_text_markers(text: str, pattern: str | None = None) -> list[str]:
    """Raw marker tokens in ``text`` in order (numbers not yet resolved)."""
    if pattern is not None:
        rx = re.compile(pattern)
        return [t for m in rx.finditer(text) for t in _SPLIT.split(_group(m).strip()) if t]
    body = _FOOTNOTE_DEF.sub("", text) if "[^" in text else text
    found: list[tuple[int, str]] = []
    for rx, needs in _MARKERS_NEED:
        if needs not in body:  # each marker starts with its own character: no scan without it
            continue
        for m in rx.finditer(body):
            found.extend((m.start(), t) for t in _SPLIT.split(m.group(1).strip()) if t)
    tokens = [t for _, t in sorted(found, key=_at)]
    return [t for t in tokens if len(t) > 1 or t.isdecimal()]


def _at(found: tuple[int, str]) -> int:
    return found[0]


def _group(m: re.Match[str]) -> str:
    return (m.group(1) if m.re.groups >= 1 else m.group(0)) or ""


def plain_cited_ids(response: Response, pattern: str | None = None) -> Cited:
    """Every id the response cites (deduplicated, in order of appearance)."""
    text = output_text(response)
    retrieved = tuple(map(str, response.retrieved))
    footnotes = (
        {m.group(1): m.group(2) for m in _FOOTNOTE_DEF.finditer(text)} if "[^" in text else {}
    )
    in_text: list[str] = []
    unresolved: list[str] = []
    for token in plain_text_markers(text, pattern):
        resolved = _resolve(token, retrieved, footnotes)
        if resolved is None:
            unresolved.append(f"[{token}]")
        else:
            in_text.append(resolved)
    ids = _dedupe([*map(str, response.citations), *in_text])
    return Cited(tuple(ids), tuple(_dedupe(in_text)), tuple(_dedupe(unresolved)))


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _ids(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else []


def _names(ids: Iterable[str]) -> str:
    return ", ".join(one_line(i)[:60] for i in ids)


_REQUIRED: Mapping[str, Any] = {"required": True}  # `citation: true`


def plain_citation(response: Response, params: Any, case: Case) -> Score:
    """The answer cites documents as required (presence, ids, retrieved, markers in text)."""
    if params is False:  # `citation: false`: the answer must not cite anything
        cited = plain_cited_ids(response)
        if cited.ids or cited.unresolved:
            return Score.fail(
                f"expected no citations; cited {_names(cited.ids + cited.unresolved)}"
            )
        return Score.ok("no citations, as expected")
    params = params if isinstance(params, Mapping) else _REQUIRED
    pattern = params.get("pattern") if isinstance(params.get("pattern"), str) else None
    try:
        cited = plain_cited_ids(response, pattern)
    except re.error as exc:
        return Score.fail(f"invalid citation pattern /{pattern}/: {exc}")
    ids = set(cited.ids)
    shown = _names(cited.ids) or "none"
    checks: list[tuple[bool, str]] = []
    if params.get("required"):
        checks.append((bool(ids), "expected at least one citation; found none"))
    if isinstance(params.get("min"), int) and params["min"] > 0:
        n = params["min"]
        ok = len(ids) >= n
        checks.append((ok, "" if ok else f"expected at least {n} cited documents; cited {shown}"))
    any_of = _ids(params.get("any_of"))
    if any_of:
        ok = any(i in ids for i in any_of)
        why = "" if ok else f"expected a citation of any of {_names(any_of)}; cited {shown}"
        checks.append((ok, why))
    all_of = _ids(params.get("all_of"))
    if all_of:
        missing = [i for i in all_of if i not in ids]
        why = f"missing citation of {_names(missing)}; cited {shown}" if missing else ""
        checks.append((not missing, why))
    none_of = _ids(params.get("none_of"))
    if none_of:
        bad = [i for i in none_of if i in ids]
        checks.append((not bad, f"cites forbidden {_names(bad)}" if bad else ""))
    if params.get("must_be_retrieved"):
        checks.append(_retrieved_check(response, cited))
    if params.get("in_text"):
        unmarked = [c for c in response.citations if str(c) not in cited.in_text]
        ok = bool(cited.in_text) and not unmarked
        why = (
            f"cited {_names(str(c) for c in unmarked)} without a marker in the answer text"
            if cited.in_text
            else "expected citation markers like [kb-id] or [1] in the answer text; found none"
        )
        checks.append((ok, why))
    # (a reason is only written for a check that fails: only those are shown)
    if not checks:
        return Score.ok(f"no citation checks configured; cited {shown}")
    failed = [why for ok, why in checks if not ok]
    value = (len(checks) - len(failed)) / len(checks)
    if failed:
        return Score(value, False, "; ".join(failed))
    return Score.ok(f"cited {shown}")


def _retrieved_check(response: Response, cited: Cited) -> tuple[bool, str]:
    retrieved = {str(r) for r in response.retrieved}
    hallucinated = [i for i in cited.ids if i not in retrieved] + list(cited.unresolved)
    if not hallucinated:
        return True, ""
    hint = " (nothing was retrieved: is the 'retrieved' response mapping set?)"
    return False, (
        f"cited {_names(hallucinated)} but {'it was' if len(hallucinated) == 1 else 'they were'}"
        " not retrieved"
        f"{hint if not retrieved else ''}; retrieved: {_names(sorted(retrieved)) or 'none'}"
    )


# -- tool_call --
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


def plain_tool_call(response: Response, params: Any, case: Case) -> Score:
    """A tool was (or was not) called, with matching arguments, permission, count and order."""
    p: Mapping[str, Any] = {"name": params} if isinstance(params, str) else params
    if not isinstance(p, Mapping):
        return Score.fail(f"tool_call params must be a tool name or a mapping, got {render(p)}")
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
