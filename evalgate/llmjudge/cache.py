"""Judge verdicts on disk, keyed by everything that can change them.

The key hashes the judge's base URL, model, sampling settings, the prompt template version, the
scorer and its parameters, the case input, the answer and the vote index: a re-run or a
``rescore`` of unchanged answers asks the judge nothing. An entry that cannot be read back
(torn, edited, another format) is a miss, and is overwritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from evalgate.errors import EvalgateError
from evalgate.fsutil import atomic_write_json

FORMAT = 1


def cache_key(parts: dict[str, Any]) -> str:
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class JudgeCache:
    def __init__(self, directory: Path | None) -> None:
        self.dir = directory  # None: caching off (--no-judge-cache)
        self.hits = 0

    def _path(self, key: str) -> Path:
        assert self.dir is not None
        return self.dir / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        if self.dir is None:
            return None
        try:
            data = json.loads(self._path(key).read_text("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
            return None
        value = data.get("value")
        if not isinstance(value, dict):
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: dict[str, Any]) -> None:
        if self.dir is None:
            return
        # a cache that cannot be written only costs a judge call next time
        with contextlib.suppress(OSError, EvalgateError):
            atomic_write_json(self._path(key), {"format": FORMAT, "key": key, "value": value})
