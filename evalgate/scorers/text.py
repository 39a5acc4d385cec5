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
from evalgate.scorers.registry import scorer

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


def _contains(text: str, needles: list[str], fold: bool) -> Score:
    hay = text.casefold() if fold else text
    missing = [n for n in needles if (n.casefold() if fold else n) not in hay]
    value = (len(needles) - len(missing)) / len(needles) if needles else 1.0
    if not missing:
        return Score(1.0, True, f"contains {', '.join(quote(n) for n in needles)}")
    which = ", ".join(quote(n) for n in missing)
    how = " (ignoring case)" if fold else ""
    return Score(value, False, f"expected the answer to contain {which}{how}; got {excerpt(text)}")


@scorer("contains", params=STRINGS)
def contains(response: Response, params: Any, case: Case) -> Score:
    """The answer contains every given string (case-sensitive)."""
    return _contains(output_text(response), str_list(params), fold=False)


@scorer("icontains", params=STRINGS)
def icontains(response: Response, params: Any, case: Case) -> Score:
    """The answer contains every given string, ignoring case."""
    return _contains(output_text(response), str_list(params), fold=True)


@scorer("not_contains", params=STRINGS)
def not_contains(response: Response, params: Any, case: Case) -> Score:
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


@scorer("regex", params=PATTERN)
def regex(response: Response, params: Any, case: Case) -> Score:
    """The answer matches the regular expression (``re.search``)."""
    rx, shown = _compile(params)
    if rx is None:
        return Score.fail(shown)
    text = output_text(response)
    m = rx.search(text)
    if m is None:
        return Score.fail(f"expected a match for /{shown}/; got {excerpt(text)}")
    return Score.ok(f"/{shown}/ matched {excerpt(text, m.start(), m.end())}")


@scorer("not_regex", params=PATTERN)
def not_regex(response: Response, params: Any, case: Case) -> Score:
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


@scorer("equals", params=EQUALS)
def equals(response: Response, params: Any, case: Case) -> Score:
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
