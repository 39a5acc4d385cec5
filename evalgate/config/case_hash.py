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


_JSON_STR = json.encoder.encode_basestring  # the string encoder of ensure_ascii=False
_JSON_CONST = {True: "true", False: "false", None: "null"}


def canonical_json_flat(value: Any) -> str:
    """:func:`canonical_json` of ``value``, quicker for a mapping of text keys to texts,
    integers, booleans or null (a case's ``input`` mostly): the same text, put together
    here instead of by an encoder made for each call."""
    if type(value) is dict:
        parts = []
        for k in sorted(value) if all(type(k) is str for k in value) else ():
            v = value[k]
            if type(v) is str:
                text = _JSON_STR(v)
            elif type(v) is int:
                text = int.__repr__(v)
            elif v is None or type(v) is bool:
                text = _JSON_CONST[v]
            else:
                break
            parts.append(f"{_JSON_STR(k)}:{text}")
        else:
            if len(parts) == len(value):
                return "{" + ",".join(parts) + "}"
    return canonical_json(value)


def content_hash(case: Mapping[str, Any]) -> str:
    """A hash of what defines a case's behaviour: a changed case is not compared with its past."""
    return hash_text(canonical_json(case))


def hash_text(canon: str) -> str:
    """:func:`content_hash` of the mapping whose canonical JSON text is ``canon``."""
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:16]


class MetadataTexts:
    """The canonical JSON text of what the hash reads of a case's metadata, made once per
    metadata value (cases share their file's: see ``casebuild.FileLoader.share``).

    Canonical JSON is compositional: the text of a mapping is its sorted keys' texts and its
    values' texts joined, so a case's text can be put together from the texts of its parts
    instead of encoding the shared ones again for every case. Each value is held while it is
    remembered, so its ``id`` stays its own.
    """

    _MAX = 10_000  # values remembered (a file where every case differs gains nothing more)

    def __init__(self, reads: CaseReads) -> None:
        self.reads = reads
        self._texts: dict[tuple[int, bool], tuple[Any, str]] = {}

    def text(self, metadata: Mapping[str, Any], custom_scorer: bool) -> str:
        key = (id(metadata), custom_scorer)
        hit = self._texts.get(key)
        if hit is not None and hit[0] is metadata:
            return hit[1]
        text = canonical_json(self.reads.metadata(metadata, custom_scorer))
        if len(self._texts) < self._MAX:
            self._texts[key] = (metadata, text)
        return text
