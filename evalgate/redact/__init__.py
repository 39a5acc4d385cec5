"""Redaction of PII and secrets before production text becomes a golden case.

One :class:`Redactor` serves one case: each distinct value gets a typed, numbered placeholder
(``<EMAIL_1>``, ``<EMAIL_2>``, ``<API_KEY_1>``) and the same value always gets the same one, so
a redacted conversation still reads coherently. Text that already holds placeholders is left
alone, so redacting twice changes nothing. See docs/redaction.md for what is and is not caught.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from evalgate.errors import ConfigError
from evalgate.redact.detectors import BUILTIN, Detector, normalize

__all__ = ["PLACEHOLDER", "Finding", "Redactor"]

PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)_(\d+)>")
_TYPE_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_MIN_CHUNK = 32
_MAX_ROUNDS = 3  # a second round catches values whose context only appears once others are gone


@dataclass(frozen=True)
class Finding:
    """A span of text that will be replaced, with its placeholder type."""

    start: int
    end: int
    type: str


def _whole_match(m: re.Match[str]) -> tuple[int, int] | None:
    return m.span()


def _compile_custom(custom: Mapping[str, str]) -> tuple[Detector, ...]:
    detectors = []
    for name, pattern in custom.items():
        type_ = str(name).strip().upper()
        if not _TYPE_NAME.fullmatch(type_):
            raise ConfigError(
                f"redact.patterns: placeholder type {name!r} must be letters, digits and '_', "
                "starting with a letter (for example TICKET)"
            )
        if not isinstance(pattern, str):
            raise ConfigError(f"redact.patterns.{name}: the pattern must be a string (a regex)")
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ConfigError(
                f"redact.patterns.{name}: invalid regular expression {pattern!r}: {exc}; "
                "fix the pattern (YAML needs '\\\\d' inside double quotes)"
            ) from None
        if compiled.fullmatch(""):
            raise ConfigError(
                f"redact.patterns.{name}: the pattern {pattern!r} matches empty text; "
                "make it require at least one character"
            )
        detectors.append(Detector(type_, compiled, _whole_match))
    return tuple(detectors)


class Redactor:
    """Replace PII and secrets with typed placeholders, consistently within one case.

    ``custom_patterns`` maps a placeholder type (``"TICKET"``) to a regex; custom patterns run
    before the built-in detectors, so they win where both match. ``max_chunk_chars`` bounds the
    length of retrieved chunks kept by :meth:`truncate_chunk`.
    """

    def __init__(
        self, custom_patterns: Mapping[str, str] | None = None, max_chunk_chars: int = 500
    ) -> None:
        if isinstance(max_chunk_chars, bool) or not isinstance(max_chunk_chars, int):
            raise ConfigError("redact.max_chunk_chars: must be an integer number of characters")
        if max_chunk_chars < _MIN_CHUNK:
            raise ConfigError(f"redact.max_chunk_chars: must be at least {_MIN_CHUNK}")
        self.max_chunk_chars = max_chunk_chars
        self._detectors = _compile_custom(custom_patterns or {}) + BUILTIN
        self._assigned: dict[tuple[str, str], str] = {}
        self._next: dict[str, int] = {}
        self._reserved: dict[str, set[int]] = {}
        self._counts: dict[str, int] = {}

    @property
    def counts(self) -> Mapping[str, int]:
        """How many values of each type were replaced so far (occurrences, not distinct)."""
        return MappingProxyType(dict(self._counts))

    def scan(self, text: str) -> list[Finding]:
        """The spans :meth:`redact_text` would replace, in text order (no state changes)."""
        taken = bytearray(len(text))
        for m in PLACEHOLDER.finditer(text):
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
        findings: list[Finding] = []
        lowered = text.lower()
        for det in self._detectors:
            if det.needles and not any(n in lowered for n in det.needles):
                continue
            for m in det.pattern.finditer(text):
                span = det.accept(m)
                if span is None or span[0] >= span[1]:
                    continue
                start, end = span
                if 1 in taken[start:end]:
                    continue
                taken[start:end] = b"\x01" * (end - start)
                findings.append(Finding(start, end, det.type))
        findings.sort(key=lambda f: f.start)
        return findings

    def redact_text(self, text: str) -> str:
        """Return ``text`` with every detected value replaced by its placeholder."""
        for _ in range(_MAX_ROUNDS):
            redacted = self._replace_once(text)
            if redacted == text:
                break
            text = redacted
        return text

    def redact(self, value: Any) -> Any:
        """Redact every string inside a JSON-like value (dict keys are kept); returns a copy."""
        if isinstance(value, str):
            return self.redact_text(value)
        if isinstance(value, dict):
            return {k: self.redact(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.redact(v) for v in value)
        return value

    def truncate_chunk(self, text: str) -> str:
        """Redact a retrieved chunk and cut it to ``max_chunk_chars``, marking the cut.

        Redaction happens first, so a secret is never cut into a fragment that no longer
        looks like one; the cut never splits a placeholder. The result, marker included, is
        at most ``max_chunk_chars`` long, so truncating twice changes nothing.
        """
        text = self.redact_text(text)
        if len(text) <= self.max_chunk_chars:
            return text
        marker = f" […{len(text)} chars, truncated]"
        cut = self.max_chunk_chars - len(marker)
        opening = text.rfind("<", max(0, cut - 40), cut)
        if opening != -1:
            m = PLACEHOLDER.match(text, opening)
            if m is not None and m.end() > cut:
                cut = opening
        return text[:cut].rstrip() + marker

    def _replace_once(self, text: str) -> str:
        findings = self.scan(text)
        if not findings:
            return text
        for m in PLACEHOLDER.finditer(text):
            self._reserved.setdefault(m.group(1), set()).add(int(m.group(2)))
        parts: list[str] = []
        pos = 0
        for f in findings:
            parts.append(text[pos : f.start])
            parts.append(self._placeholder(f.type, text[f.start : f.end]))
            self._counts[f.type] = self._counts.get(f.type, 0) + 1
            pos = f.end
        parts.append(text[pos:])
        return "".join(parts)

    def _placeholder(self, type_: str, value: str) -> str:
        key = (type_, normalize(type_, value))
        found = self._assigned.get(key)
        if found is not None:
            return found
        n = self._next.get(type_, 1)
        reserved = self._reserved.get(type_, set())
        while n in reserved:
            n += 1
        self._next[type_] = n + 1
        placeholder = f"<{type_}_{n}>"
        self._assigned[key] = placeholder
        return placeholder
