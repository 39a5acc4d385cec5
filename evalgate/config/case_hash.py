"""What a case's content hash covers: what can change its call or its score, and nothing else."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CaseReads:
    """The case fields besides input and expectations that can change a call or its score.

    The request templates read ``case.metadata.KEY``, ``case.metadata``, ``case.tags``,
    ``case.dataset`` or the whole ``case``; a custom scorer receives the whole case. Only what
    is read goes into the content hash: a label nothing reads (a metadata key, the tags) can
    change without making the case "changed" for the gate. ``metadata_keys`` None means every
    key (the default when the templates are not known).
    """

    metadata_keys: frozenset[str] | None = None
    tags: bool = False
    dataset: bool = False

    def metadata(self, metadata: Mapping[str, Any], custom_scorer: bool) -> Mapping[str, Any]:
        if self.metadata_keys is None or custom_scorer:
            return metadata
        return {k: v for k, v in metadata.items() if k in self.metadata_keys}


ALL_METADATA = CaseReads()


# the canonical JSON text: keys sorted, no spaces, UTF-8 as is; one encoder for every call
canonical_json = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
).encode


def content_hash(case: Mapping[str, Any]) -> str:
    """A hash of what defines a case's behaviour: a changed case is not compared with its past."""
    return hash_text(canonical_json(case))


def hash_text(canon: str) -> str:
    """:func:`content_hash` of the mapping whose canonical JSON text is ``canon``."""
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:16]


class SharedJson:
    """The canonical JSON text of values shared by many cases, made once per value.

    Canonical JSON is compositional: the text of a mapping is its sorted keys' texts and its
    values' texts joined, so a case's text can be put together from the texts of its parts
    (the file's default metadata, its scorer parameters) instead of encoding them again for
    every case. Each value is held while it is remembered, so its ``id`` stays its own.
    """

    _MAX = 10_000  # values remembered (a file where every case differs gains nothing more)

    def __init__(self) -> None:
        self._texts: dict[int, tuple[Any, str]] = {}

    def text(self, value: Any) -> str:
        hit = self._texts.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        text = canonical_json(value)
        if len(self._texts) < self._MAX:
            self._texts[id(value)] = (value, text)
        return text
