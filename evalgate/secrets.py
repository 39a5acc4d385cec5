"""Keep secrets out of every output.

Values interpolated from the environment into the config, and values of Authorization-like
headers, are registered here when the config loads; every writer and the error boundary pass
text through :func:`scrub` before it leaves the process.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"
_MIN_LEN = 4  # shorter values ("1", "on") would mask ordinary text and protect nothing
_secrets: set[str] = set()
_labels: dict[str, str] = {}  # value -> what to show instead (e.g. "${COPILOT_URL}")
_pattern: re.Pattern[str] | None = None

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
    global _pattern
    added = False
    for v in values:
        if isinstance(v, str) and len(v) >= _MIN_LEN and v not in _secrets:
            _secrets.add(v)
            added = True
            # "Bearer abc" also protects "abc", the part that is the secret
            for part in v.split():
                if len(part) >= 8:
                    _secrets.add(part)
    if added:
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def clear() -> None:
    """Forget registered secrets (tests)."""
    global _pattern
    _secrets.clear()
    _labels.clear()
    _pattern = None


def known() -> frozenset[str]:
    return frozenset(_secrets)


def scrub(text: str) -> str:
    if _pattern is None or not text:
        return text
    return _pattern.sub(lambda m: _labels.get(m.group(0), MASK), text)


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
