"""Until evalgate.redact is merged into this branch, give the tests a minimal Redactor with the
agreed interface (emails and API keys only). Removed once evalgate/redact.py exists."""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from collections import Counter
from typing import Any

_RULES = {
    "EMAIL": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "API_KEY": re.compile(r"\b(?:sk|pk)-[A-Za-z0-9_-]{8,}\b"),
}


class Redactor:
    def __init__(self, custom_patterns: Any = None, max_chunk_chars: int = 500) -> None:
        self.rules = dict(_RULES)
        for k, v in (custom_patterns or {}).items():
            self.rules[k.upper()] = re.compile(v)
        self.max_chunk_chars = max_chunk_chars
        self.counts: Counter[str] = Counter()

    def redact_text(self, text: str) -> str:
        for name, rx in self.rules.items():
            text, n = rx.subn(f"<{name}>", text)
            if n:
                self.counts[name] += n
        return text

    def redact(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.redact_text(obj)
        if isinstance(obj, dict):
            return {k: self.redact(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.redact(v) for v in obj]
        return obj

    def truncate_chunk(self, text: str) -> str:
        return text if len(text) <= self.max_chunk_chars else text[: self.max_chunk_chars] + "…"


def install() -> None:
    if importlib.util.find_spec("evalgate.redact") is None:
        mod = types.ModuleType("evalgate.redact")
        mod.Redactor = Redactor  # type: ignore[attr-defined]
        sys.modules["evalgate.redact"] = mod
