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


def content_hash(case: Mapping[str, Any]) -> str:
    """A hash of what defines a case's behaviour: a changed case is not compared with its past."""
    canon = json.dumps(case, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:16]
