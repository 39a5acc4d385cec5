"""The built-in detectors: one precompiled pattern per kind of secret or PII, plus a validator.

Detectors run in the order of :data:`BUILTIN`; an earlier detector's span wins over any later
one that overlaps it, so specific shapes (a PEM block, a JWT, a provider key) are listed before
the loose ones (generic ``key=value`` assignments, phone numbers). Every pattern is anchored with
look-behinds so that the regex engine gives up quickly in the middle of long tokens, which keeps
a 100 KB text well under the time budget.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

Span = tuple[int, int]
Accept = Callable[[re.Match[str]], "Span | None"]


@dataclass(frozen=True)
class Detector:
    """A kind of value to replace: its placeholder type, pattern and validator."""

    type: str
    pattern: re.Pattern[str]
    accept: Accept
    needles: tuple[str, ...] = ()  # skip the pattern unless one of these is in the lowered text


def _whole(m: re.Match[str]) -> Span | None:
    return m.span()


def _first_group(m: re.Match[str]) -> Span | None:
    for i in range(1, (m.re.groups or 0) + 1):
        if m.group(i) is not None:
            return m.span(i)
    return m.span()


def _digits(s: str) -> str:
    return "".join(c for c in s if "0" <= c <= "9")


def _secretish(value: str) -> bool:
    """Random-looking rather than an ordinary word ("expired", "reset", "forgotten")."""
    has_digit = any(c.isdigit() for c in value)
    has_upper = any(c.isupper() for c in value)
    has_lower = any(c.islower() for c in value)
    has_symbol = any(not c.isalnum() for c in value)
    return has_digit or has_symbol or (has_upper and has_lower)


# Values after "password:" that name a secret instead of being one: env references, templates.
_REFERENCE = re.compile(
    r"(?i)^(?:\$|\{|%|<|\*{3}|os\.|process\.env|getenv|env\b|null$|none$|true$|false$|"
    r"redacted$|hidden$|x{3,}$)"
)


def _assignment_value(m: re.Match[str]) -> Span | None:
    span = _first_group(m)
    if span is None:
        return None
    value = m.string[span[0] : span[1]]
    if _REFERENCE.match(value):
        return None
    quoted = m.group(1) is not None or m.group(2) is not None
    if quoted:
        return span if len(value.strip()) >= 4 else None
    return span if len(value) >= 6 and _secretish(value) else None


def _bearer_value(m: re.Match[str]) -> Span | None:
    return m.span(1) if _secretish(m.group(1)) and not _REFERENCE.match(m.group(1)) else None


def _openai_like(m: re.Match[str]) -> Span | None:
    body = m.group(0)
    # "sk-" + prose words ("sk-learn-compatible-wrapper") is not a key; keys are random
    return m.span() if any(c.isdigit() for c in body) else None


def _luhn(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(m: re.Match[str]) -> Span | None:
    digits = _digits(m.group(0))
    # issuer ranges 2-6 (Mastercard 2/5, Amex/Diners/JCB 3, Visa 4, Discover/Maestro 6)
    if 13 <= len(digits) <= 19 and digits[0] in "23456" and _luhn(digits):
        return m.span()
    return None


_VERSION_CONTEXT = re.compile(
    r"(?i)(?:\b(?:version|ver|v|build|release|firmware|fw|sdk|section|chapter|clause|step|"
    r"figure|table|rule|rev|revision)|§)\W{0,3}$"
)


def _ipv4(m: re.Match[str]) -> Span | None:
    octets = m.group(0).split(".")
    if any(int(o) > 255 or (len(o) > 1 and o[0] == "0") for o in octets):
        return None  # leading zeros: dates and numbering, not addresses
    before = m.string[max(0, m.start() - 20) : m.start()]
    return None if _VERSION_CONTEXT.search(before) else m.span()


def _ipv6(m: re.Match[str]) -> Span | None:
    start, end = m.span()
    text = m.group(0)
    if text.endswith(":") and not text.endswith("::"):
        text, end = text[:-1], end - 1  # "fe80::1: ..." ends a clause, the colon is prose
    if not any(c.isdigit() for c in text):
        return None  # "Bad::Add", "Foo::Bar" are code paths
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return None
    return start, end


def _phone_count(low: int, high: int) -> Accept:
    def accept(m: re.Match[str]) -> Span | None:
        span = _first_group(m)
        if span is None:
            return None
        digits = _digits(m.string[span[0] : span[1]])
        # "00" + country code is the international prefix dialled from Europe
        hi = high + 3 if digits.startswith("00") and digits[2:3] not in ("", "0") else high
        return span if low <= len(digits) <= hi else None

    return accept


_DATE = re.compile(r"^\(?[0-9]{1,4}\)?[ ./-][0-9]{1,2}[ ./-][0-9]{1,4}$")


def _national(m: re.Match[str]) -> Span | None:
    return None if _DATE.match(m.group(0)) else _phone_count(10, 12)(m)


def _context_phone(m: re.Match[str]) -> Span | None:
    return None if _DATE.match(m.group(1)) else _phone_count(7, 15)(m)


def _c(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


# Patterns start with a consumed character and check what precedes it afterwards
# ("[0-9](?<![\w.][0-9])"): the regex engine can then skip to candidate characters quickly
# instead of testing a look-behind at every position, roughly halving the cost per pattern.
_PRIVATE_KEY = _c(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\:,-]*)",
    re.DOTALL,
)
_JWT = _c(r"eyJ(?<![\w-]eyJ)[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_PROVIDER_KEY = _c(
    r"(?<![\w-])(?:"
    r"sk-ant-[A-Za-z0-9_-]{20,}"
    r"|sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}"
    r"|[ps]k-lf-[A-Za-z0-9-]{8,}"
    r"|(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}"
    r"|gh[pousr]_[A-Za-z0-9]{30,}"
    r"|github_pat_[A-Za-z0-9_]{30,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|xapp-[0-9]-[A-Za-z0-9-]{10,}"
    r"|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"
    r"|whsec_[A-Za-z0-9]{20,}"
    r"|AIza[0-9A-Za-z_-]{35}"
    r"|hf_[A-Za-z0-9]{30,}"
    r"|glpat-[A-Za-z0-9_-]{20,}"
    r"|npm_[A-Za-z0-9]{36}"
    r"|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"
    r")(?![\w-])"
)
_OPENAI_LEGACY = _c(r"sk-(?<![\w-]sk-)[A-Za-z0-9_-]{20,}(?![\w-])")
_URL_PASSWORD = _c(r"://[^\s:/@<>]{0,100}:([^\s@/<>]{1,200})@")
_BEARER = _c(r"(?i)\bbearer\s+([A-Za-z0-9._~+/-]{16,}=*)(?![\w.~+/=-])")
_BASIC = _c(r"(?i)\bbasic\s+([A-Za-z0-9+/]{12,}={0,2})(?![\w+/=])")
_AWS_SECRET = _c(
    r"(?i)\b(?:aws.{0,30}?secret|secret[\s_-]?(?:access[\s_-]?)?key)[\w \t]{0,20}?"
    r"\W{1,5}(?:is\W{1,3})?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
)
_KEYWORD = (
    r"(?:api[_.-]?key|apikey|api[_.-]?secret|access[_.-]?key|secret[_.-]?key|secret|token|"
    r"password|passwd|pwd|passphrase|client[_.-]?secret|private[_.-]?key|auth|credentials?)"
)
# Only the value is replaced, so the keyword may end a longer name ("aws_secret_access_key").
_ASSIGNMENT = _c(
    r"(?i)(?<![A-Za-z])" + _KEYWORD + r"(?![A-Za-z])[\"']?"
    r"(?:\s*(?::|=>|=)|\s+(?:is|was)(?:\s*:)?)\s*"
    r"(?:\"([^\"\n]{1,200})\"|'([^'\n]{1,200})'|([^\s\"'<>,;)\]}]{1,200}))"
)
_EMAIL = _c(
    r"[A-Za-z0-9](?<![\w.%+-][A-Za-z0-9])[A-Za-z0-9._%+-]*@"
    r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![\w-])"
)
_IPV6 = _c(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:.]|\.[0-9])"
)
_IPV4 = _c(r"[0-9](?<![\w.][0-9])[0-9]{0,2}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![\w]|\.[0-9])")
_CARD = _c(
    r"[0-9](?<![\w.+/-][0-9])(?:[0-9]{3}([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{1,4}(?:\1[0-9]{3})?"
    r"|[0-9]{3}([ -])[0-9]{6}\2[0-9]{4,5}"
    r"|[0-9]{12,18})(?![\w-]|[.,][0-9])"
)
_S = r"[ .-]"
_END = r"(?![\w-]|\.[0-9])"
_PHONE_INTL = _c(
    r"\+(?<![\w+]\+)[0-9]{1,3}(?:"
    + _S
    + r"?\([0-9]{1,4}\))?"
    + _S
    + r"?(?:[0-9]"
    + _S
    + r"?){4,12}"
    r"[0-9]" + _END
)
_NANP_TAIL = r"[0-9]{3}" + _S + r"[0-9]{4}" + _END
_PHONE_NANP = _c(
    r"[0-9](?<![\w+./-][0-9])(?:[0-9]{2}" + _S + r"|" + _S + r"?[0-9]{3}" + _S + r")" + _NANP_TAIL
)
_PHONE_NANP_PAREN = _c(
    r"[(1](?<![\w+./-][(1])(?:(?<=\()|" + _S + r"?\()[0-9]{3}\)" + _S + r"?" + _NANP_TAIL
)
_PHONE_NATIONAL = _c(
    r"[(0](?<![\w+./-][(0])(?:(?<=\()0[0-9]{1,4}\)|(?<=0)[0-9]{1,4})(?:[ ./-][0-9]{2,8}){1,4}"
    r"(?![\w/-]|\.[0-9])"
)
_PHONE_CONTEXT = _c(
    r"(?i)\b(?:phone|tel|telephone|mobile|cell|cellphone|landline|whatsapp|sms|fax|"
    r"call(?:ed)?\s+me|text\s+me|reach\s+me)\b(?:\s*(?:number|no\.?|#))?"
    r"(?:\s*(?::|is|at|on|=|-))?\s*(?:at\s+)?(\+?[0-9][0-9 -]{5,17}[0-9])(?![\w-]|\.[0-9])"
)

_KEY_NEEDLES = (
    "sk-", "pk-lf", "akia", "asia", "abia", "acca", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
    "github_pat_", "xox", "xapp-", "_live_", "_test_", "whsec_", "aiza", "hf_", "glpat-",
    "npm_", "sg.",
)  # fmt: skip
_PHONE_WORDS = ("phone", "tel", "mobile", "cell", "landline", "whatsapp", "sms", "fax", "me")

BUILTIN: tuple[Detector, ...] = (
    Detector("PRIVATE_KEY", _PRIVATE_KEY, _whole, ("private key",)),
    Detector("JWT", _JWT, _whole, ("eyj",)),
    Detector("API_KEY", _PROVIDER_KEY, _whole, _KEY_NEEDLES),
    Detector("API_KEY", _OPENAI_LEGACY, _openai_like, ("sk-",)),
    Detector("SECRET", _URL_PASSWORD, _first_group, ("://",)),
    Detector("TOKEN", _BEARER, _bearer_value, ("bearer",)),
    Detector("SECRET", _BASIC, _bearer_value, ("basic",)),
    Detector("SECRET", _AWS_SECRET, _first_group, ("secret",)),
    Detector(
        "SECRET",
        _ASSIGNMENT,
        _assignment_value,
        ("key", "token", "secret", "pass", "pwd", "auth", "credential"),
    ),
    Detector("EMAIL", _EMAIL, _whole, ("@",)),
    Detector("IP", _IPV6, _ipv6, ("::", ":0", ":1", ":2", ":3", ":4", ":5", ":6", ":7", ":8")),
    Detector("IP", _IPV4, _ipv4, (".",)),
    Detector("CARD", _CARD, _card),
    Detector("PHONE", _PHONE_INTL, _phone_count(8, 15), ("+",)),
    Detector("PHONE", _PHONE_NANP, _phone_count(10, 11)),
    Detector("PHONE", _PHONE_NANP_PAREN, _phone_count(10, 11), ("(",)),
    Detector("PHONE", _PHONE_NATIONAL, _national, ("0",)),
    Detector("PHONE", _PHONE_CONTEXT, _context_phone, _PHONE_WORDS),
)


def normalize(type_: str, value: str) -> str:
    """The identity of a value for numbering: the same person's email in any case is one value."""
    if type_ == "EMAIL":
        return value.lower()
    if type_ in ("PHONE", "CARD"):
        digits = _digits(value)
        return digits[1:] if type_ == "PHONE" and len(digits) == 11 and digits[0] == "1" else digits
    return value
