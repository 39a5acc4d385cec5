"""Untrusted JSON (endpoint answers) made safe to keep: bounded nesting, encodable strings.

An answer is stored, scored, masked and written by code that walks it; Python's recursion
limit would end the run at roughly a thousand levels of nesting, and a lone surrogate (the
valid JSON escape ``"\\ud800"``) cannot be written to a UTF-8 file. :func:`loads` refuses the
first with :class:`TooDeep` and an integer too long to read with :class:`HugeNumber` (the call
becomes an ``invalid_response``); it replaces lone surrogates with U+FFFD, the way
undecodable bytes of a text body are replaced. Numbers no JSON file can hold (``1e400``,
``NaN``, ``Infinity``) become null, so every answer can be written back as strict JSON.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable
from typing import Any

MAX_DEPTH = 64  # far beyond any real answer, far below the recursion limit
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class Unusable(ValueError):
    """Valid JSON that evalgate cannot keep (see :class:`TooDeep`, :class:`HugeNumber`)."""


class TooDeep(Unusable):
    """The JSON nests deeper than :data:`MAX_DEPTH` levels."""

    def __init__(self) -> None:
        super().__init__(f"JSON nested deeper than {MAX_DEPTH} levels")


class HugeNumber(Unusable):
    """The JSON holds an integer longer than Python converts (4,300 digits)."""

    def __init__(self) -> None:
        super().__init__("JSON with an integer of more than 4,300 digits")


def loads(text: str | bytes) -> Any:
    """``json.loads`` for untrusted JSON; raises ``ValueError`` (``TooDeep`` included)."""
    if type(text) is bytes:
        value = _quick(text)
        if value is not _LONG_WAY:
            return value
    try:
        value = _json_loads(text)
    except RecursionError:
        raise TooDeep from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):
            raise HugeNumber from None
        raise
    if _plain(text):  # nothing for clean() to find: most answers, and the walk costs
        return value
    return clean(value)


_LONG_WAY: Any = object()
_OPENS = frozenset(b"{[")


def _quick(data: bytes) -> Any:
    """What :func:`loads` gives for ``data``, read the short way: a UTF-8 object or array with
    no ``\\u`` escape and at most :data:`MAX_DEPTH` brackets (most answers); else, or when
    it does not decode, :data:`_LONG_WAY` (and loads decides as for any text).

    A document opening with a bracket is UTF-8 to ``json.detect_encoding`` unless its second
    byte is NUL (then the decoder refuses the text here: no JSON value holds a NUL outside a
    string, nor a string one); decoded strictly, it holds no surrogate and no byte order mark.
    Nothing is then left for :func:`clean` to do, and the document is the value the decoder
    reads from its start to its end.
    """
    if not data or data[0] not in _OPENS or b"\\u" in data:
        return _LONG_WAY
    if data.count(b"[") + data.count(b"{") > MAX_DEPTH:
        return _LONG_WAY
    try:
        text = data.decode("utf-8")
        value, end = _scan(text, 0)
    except Exception:  # the long way raises what loads raises for it
        return _LONG_WAY
    return value if end == len(text) else _LONG_WAY  # more after it: the long way tells


def _plain(text: str | bytes) -> bool:
    """Whether ``text`` surely decodes to no lone surrogate and no nesting past MAX_DEPTH.

    A surrogate comes only from a ``\\u`` escape or, in bytes, from a UTF-8 sequence led by
    0xED or a UTF-16/32 document (which has NUL bytes); a value cannot nest deeper than the
    document has brackets (those inside strings count too, which only sends a few more
    answers the long way).
    """
    if isinstance(text, str):
        if "\\u" in text or (not text.isascii() and _SURROGATE.search(text)):
            return False
        return text.count("[") + text.count("{") <= MAX_DEPTH
    if b"\\u" in text or b"\xed" in text or b"\x00" in text:
        return False
    return text.count(b"[") + text.count(b"{") <= MAX_DEPTH


def finite_number(v: Any) -> bool:
    """A JSON number a float can hold: not a bool, not NaN or infinite, and an integer within
    a float's range (JSON integers have any length; ``float()`` of a longer one raises)."""
    if isinstance(v, float):
        return math.isfinite(v)
    return isinstance(v, int) and not isinstance(v, bool) and -_FLOAT_MAX <= v <= _FLOAT_MAX


_FLOAT_MAX = sys.float_info.max


def _finite(text: str) -> float | None:
    """A JSON number as a float; null when it is beyond a float's range (``1e400``)."""
    value = float(text)
    return value if math.isfinite(value) else None


def _no_constant(name: str) -> None:
    """``NaN``, ``Infinity`` and ``-Infinity`` (not JSON, but Python reads them) become null."""
    return None


def _text(s: str) -> str:
    return s if s.isascii() else _SURROGATE.sub("\ufffd", s)


def clean(value: Any) -> Any:
    """Check the depth of a decoded value and replace lone surrogates, without recursion.

    Containers are changed in place (``value`` is fresh from a decoder); the result is returned.
    """
    if isinstance(value, str):
        return _text(value)
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, list):
            if depth > MAX_DEPTH:
                raise TooDeep
            for i, item in enumerate(node):
                if isinstance(item, str):
                    node[i] = _text(item)
                elif isinstance(item, (list, dict)):
                    stack.append((item, depth + 1))
        elif isinstance(node, dict):
            if depth > MAX_DEPTH:
                raise TooDeep
            for key in [k for k in node if not k.isascii() and _SURROGATE.search(k)]:
                node[_text(key)] = node.pop(key)
            for key, item in node.items():
                if isinstance(item, str):
                    node[key] = _text(item)
                elif isinstance(item, (list, dict)):
                    stack.append((item, depth + 1))
    return value


_DECODER = json.JSONDecoder(parse_float=_finite, parse_constant=_no_constant)
_decode = _DECODER.decode
# the scanner ``_decode`` reads a value with (set by JSONDecoder.__init__, untyped)
_scan: Callable[[str, int], tuple[Any, int]] = getattr(_DECODER, "scan_once")  # noqa: B009


def _json_loads(text: str | bytes) -> Any:
    """``json.loads(text, parse_float=_finite, ...)`` without a new decoder for every call."""
    if isinstance(text, str):
        if text.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return _decode(text)
    return _decode(text.decode(json.detect_encoding(text), "surrogatepass"))
