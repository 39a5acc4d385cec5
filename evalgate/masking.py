"""Keep secrets out of every output.

Values interpolated from the environment into the config, and values of Authorization-like
headers, are registered here when the config loads; every writer, the standard streams and the
error boundary pass text through :func:`scrub` before it leaves the process.

A secret is masked in every form it can take in an output, not only as typed: JSON-escaped
(``"`` and ``\\`` in a JSON string), HTML-escaped, URL-encoded (in a path, a query or a form),
and base64 (standard and URL-safe alphabets, padded or not, alone or as part of a longer base64
string such as the ``user:token`` of a basic-auth header).
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
_MIN_LEN = 4  # shorter values ("1", "on") would mask ordinary text and protect nothing
_MIN_B64 = 6  # a base64 fragment shorter than this is too common to mask
_secrets: set[str] = set()
_forms: dict[str, str] = {}  # every encoded form of a secret -> the secret
_labels: dict[str, str] = {}  # value -> what to show instead (e.g. "${COPILOT_URL}")
_ordered: list[str] = []  # the forms, longest first
_pattern: re.Pattern[str] | None = None
_inert = True  # every form is written as itself inside a JSON string (see inert_in_json)

SENSITIVE_HEADER = re.compile(
    r"(authorization|api[-_]?key|token|secret|password|cookie|session)", re.IGNORECASE
)


def register_named(values: Mapping[str, str]) -> None:
    """Register values read from environment variables: each is shown as ``${NAME}``.

    The name says where the value came from (useful in "could not connect to ${API_URL}/v1")
    without showing it.
    """
    for value, name in values.items():
        if isinstance(value, str) and len(value) >= _MIN_LEN:
            _labels.setdefault(value, f"${{{name}}}")
    register(values.keys())


def register(values: Iterable[str]) -> None:
    global _pattern, _inert
    added = False
    for v in values:
        if isinstance(v, str) and len(v) >= _MIN_LEN and v not in _secrets:
            _secrets.add(v)
            _add_forms(v)
            added = True
            # "Bearer abc" also protects "abc", the part that is the secret
            for part in v.split():
                if len(part) >= 8 and part not in _secrets:
                    _secrets.add(part)
                    _add_forms(part)
    if added:
        _ordered[:] = sorted(_forms, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in _ordered))
        _inert = all(json.dumps(f, ensure_ascii=False)[1:-1] == f for f in _ordered)


def _add_forms(secret: str) -> None:
    for form in encoded_forms(secret):
        if len(form) >= _MIN_LEN:
            _forms.setdefault(form, secret)


def encoded_forms(secret: str) -> set[str]:
    """``secret`` as it can appear in an output: raw, escaped, URL-encoded, base64."""
    data = _utf8(secret)
    forms = {
        secret,
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(secret, ensure_ascii=True)[1:-1],
        html.escape(secret, quote=True),
        html.escape(secret, quote=False),
        quote(data, safe=""),
        quote(data, safe="/"),
        quote(data, safe="/:@"),
        quote_plus(data, safe=""),
    }
    forms.update(f.lower() for f in list(forms) if "%" in f)  # %2f as well as %2F
    forms.update(_base64_cores(data))
    return forms


def _utf8(text: str) -> bytes:
    """The bytes of ``text``; an environment value that is not UTF-8 keeps its own bytes."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _base64_cores(data: bytes) -> set[str]:
    """The base64 characters that depend only on ``data``, for each of the three positions
    ``data`` can start at inside a longer encoded string, in both alphabets.

    Encoded alone (``base64(token)``), or after a prefix (``base64(b"user:" + token)``), the
    bytes of the secret always produce one of these three runs of characters.
    """
    out: set[str] = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data).decode("ascii")
        start = -(-8 * shift // 6)  # the first character made of secret bits only
        end = 8 * (shift + len(data)) // 6  # past the last such character
        core = encoded[start:end]
        if len(core) >= _MIN_B64:
            out.add(core)
            out.add(core.replace("+", "-").replace("/", "_"))
    return out


def clear() -> None:
    """Forget registered secrets (tests)."""
    global _pattern, _inert
    _inert = True
    _secrets.clear()
    _forms.clear()
    _ordered.clear()
    _labels.clear()
    _pattern = None


def inert_in_json() -> bool:
    """Whether every registered form is written as itself inside a JSON string (no quote,
    backslash or control character): then a string holds a form only if its JSON text does,
    and :func:`found_in` of a JSON text rules out every string in it at once."""
    return _inert


def known() -> frozenset[str]:
    return frozenset(_secrets)


def _replacement(m: re.Match[str]) -> str:
    secret = _forms.get(m.group(0), "")
    return _labels.get(secret, MASK)


def found_in(text: str) -> bool:
    """Whether ``text`` holds a registered secret in any of its forms (nothing to mask if not)."""
    if _pattern is None or len(text) < len(_ordered[-1]):
        return False  # shorter than the shortest form: most keys and small values
    # substring search (fast, in C) rather than the regular expression, whose many
    # alternatives would try a match at every position
    for form in _ordered:  # noqa: SIM110 (a plain loop: this runs on every output string)
        if form in text:
            return True
    return False


def scrub(text: str) -> str:
    # most text holds no secret: ruling that out first is much cheaper than the substitution
    if not found_in(text):
        return text
    assert _pattern is not None
    return _pattern.sub(_replacement, text)


def scrub_obj(obj: Any) -> Any:
    """Scrub every string inside a JSON-like value (dict keys included)."""
    if _pattern is None:
        return obj
    if isinstance(obj, str):
        return scrub(obj)
    if isinstance(obj, dict):
        return {scrub(str(k)): scrub_obj(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [scrub_obj(v) for v in obj]
    return obj
