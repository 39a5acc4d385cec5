"""Text properties of the answer: contains, not_contains, icontains, regex, not_regex, equals."""

from __future__ import annotations

import re
from typing import Any

from evalgate.model import JSON, Case, Response, Score
from evalgate.scorers._util import (
    excerpt,
    mapping,
    one_line,
    output_text,
    quote,
    regex_flags,
    str_list,
)
from evalgate.scorers.registry import Check, prepared, scorer

STRINGS: dict[str, JSON] = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
    ]
}
PATTERN: dict[str, JSON] = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "properties": {
                "pattern": {"type": "string", "minLength": 1},
                "flags": {"type": "string", "pattern": "^[imsx]*$"},
            },
            "required": ["pattern"],
            "additionalProperties": False,
        },
    ]
}
EQUALS: dict[str, JSON] = {
    "oneOf": [
        {"type": "string"},
        {
            "type": "object",
            "properties": {
                "value": {"type": "string"},
                "normalize_whitespace": {"type": "boolean"},
                "ignore_case": {"type": "boolean"},
            },
            "required": ["value"],
            "additionalProperties": False,
        },
    ]
}


def _prepare_contains(params: Any, fold: bool) -> Check:
    needles = str_list(params)
    keys = [n.casefold() for n in needles] if fold else needles
    passed = Score(1.0, True, f"contains {', '.join(quote(n) for n in needles)}")
    how = " (ignoring case)" if fold else ""

    def check(response: Response, case: Case) -> Score:
        text = output_text(response)
        hay = text.casefold() if fold else text
        for key in keys:
            if key not in hay:
                break
        else:
            return passed
        missing = [n for n, k in zip(needles, keys, strict=True) if k not in hay]
        value = (len(needles) - len(missing)) / len(needles)
        which = ", ".join(quote(n) for n in missing)
        return Score(
            value, False, f"expected the answer to contain {which}{how}; got {excerpt(text)}"
        )

    return check


def _prepare_case_sensitive(params: Any) -> Check:
    return _prepare_contains(params, fold=False)


def _prepare_ignoring_case(params: Any) -> Check:
    return _prepare_contains(params, fold=True)


@scorer("contains", params=STRINGS)
@prepared(_prepare_case_sensitive)
def contains(response: Response, params: Any, case: Case) -> Score:
    """The answer contains every given string (case-sensitive)."""
    return _prepare_case_sensitive(params)(response, case)


@scorer("icontains", params=STRINGS)
@prepared(_prepare_ignoring_case)
def icontains(response: Response, params: Any, case: Case) -> Score:
    """The answer contains every given string, ignoring case."""
    return _prepare_ignoring_case(params)(response, case)


def _prepare_not_contains(params: Any) -> Check:
    needles = str_list(params)
    passed = Score(1.0, True, f"does not contain {', '.join(quote(n) for n in needles)}")
    wanted = [n for n in needles if n]  # "" is in every text, and never counted

    def check(response: Response, case: Case) -> Score:
        text = output_text(response)
        for n in wanted:
            if n in text:
                break
        else:
            return passed
        found = [(n, text.find(n)) for n in wanted if n in text]
        n, at = found[0]
        value = 1.0 - len(found) / len(needles)
        return Score(
            value, False, f"expected no {quote(n)}; found at {excerpt(text, at, at + len(n))}"
        )

    return check


@scorer("not_contains", params=STRINGS)
@prepared(_prepare_not_contains)
def not_contains(response: Response, params: Any, case: Case) -> Score:
    """The answer contains none of the given strings (case-sensitive)."""
    return _prepare_not_contains(params)(response, case)


def _compile(params: Any) -> tuple[re.Pattern[str] | None, str]:
    m = mapping(params)
    pattern = m.get("pattern") if m else params
    if not isinstance(pattern, str):
        return None, f"regex params must be a pattern string, got {quote(pattern)}"
    try:
        return re.compile(pattern, regex_flags(m.get("flags"))), pattern
    except re.error as exc:
        return None, f"invalid regex /{pattern}/: {exc}"


def _unusable(why: str) -> Check:
    failed = Score.fail(why)

    def check(response: Response, case: Case) -> Score:
        return failed

    return check


def _prepare_regex(params: Any) -> Check:
    rx, shown = _compile(params)
    if rx is None:
        return _unusable(shown)
    search = rx.search

    def check(response: Response, case: Case) -> Score:
        text = output_text(response)
        m = search(text)
        if m is None:
            return Score.fail(f"expected a match for /{shown}/; got {excerpt(text)}")
        return Score.ok(f"/{shown}/ matched {excerpt(text, m.start(), m.end())}")

    return check


@scorer("regex", params=PATTERN)
@prepared(_prepare_regex)
def regex(response: Response, params: Any, case: Case) -> Score:
    """The answer matches the regular expression (``re.search``)."""
    return _prepare_regex(params)(response, case)


def _prepare_not_regex(params: Any) -> Check:
    rx, shown = _compile(params)
    if rx is None:
        return _unusable(shown)
    search = rx.search
    passed = Score.ok(f"no match for /{shown}/")

    def check(response: Response, case: Case) -> Score:
        text = output_text(response)
        m = search(text)
        if m is None:
            return passed
        return Score.fail(
            f"expected no match for /{shown}/; matched {excerpt(text, m.start(), m.end())}"
        )

    return check


@scorer("not_regex", params=PATTERN)
@prepared(_prepare_not_regex)
def not_regex(response: Response, params: Any, case: Case) -> Score:
    """The answer does not match the regular expression."""
    return _prepare_not_regex(params)(response, case)


def _prepare_equals(params: Any) -> Check:
    m = mapping(params)
    expected = m.get("value") if m else params
    expected = expected if isinstance(expected, str) else str(expected)
    want = expected.strip()
    spaces = bool(m.get("normalize_whitespace"))
    fold = bool(m.get("ignore_case"))
    if spaces:
        want = one_line(want)
    if fold:
        want = want.casefold()
    passed = Score.ok("equals the expected value")

    def check(response: Response, case: Case) -> Score:
        got = output_text(response).strip()
        if spaces:
            got = one_line(got)
        if fold:
            got = got.casefold()
        if got == want:
            return passed
        pairs = enumerate(zip(got, want, strict=False))
        at = next((i for i, (a, b) in pairs if a != b), min(len(got), len(want)))
        shown = excerpt(got, at, at + 1) if got else "an empty answer"
        return Score.fail(f"expected {quote(want, 60)}; got {shown} (differs at character {at})")

    return check


@scorer("equals", params=EQUALS)
@prepared(_prepare_equals)
def equals(response: Response, params: Any, case: Case) -> Score:
    """The answer equals the value (surrounding whitespace ignored; options normalise more)."""
    return _prepare_equals(params)(response, case)
