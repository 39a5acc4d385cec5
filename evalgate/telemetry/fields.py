"""How a model call is labelled in logs and metrics: feature, tenant and a hashed user id.

Logs and metrics read the same case metadata keys so that a dashboard and a log query can be
joined on ``feature`` and ``tenant_id``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evalgate.events import CallEvent

TENANT_KEYS = ("tenant", "tenantId", "tenant_id")
USER_KEYS = ("user", "userId", "user_id")
FEATURE_KEYS = ("feature",)
SALT_ENV = "EVALGATE_LOG_SALT"
"""Environment variable that holds the salt for hashing user ids (stable across runs)."""

_HASH_CHARS = 16  # 64 bits: enough to tell users apart in one tenant, too short to matter if leaked


def metadata_value(metadata: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    """The first of ``keys`` present in ``metadata`` with a scalar value, as a string."""
    for key in keys:
        value = metadata.get(key)
        if value is None or isinstance(value, (dict, list, tuple)):
            continue
        text = str(value)
        if text:
            return text
    return None


def hash_user_id(user_id: str, salt: str) -> str:
    """``u_`` + the first 16 hex digits of sha256(salt, user id): joinable, not reversible."""
    digest = hashlib.sha256(f"{salt}\x00{user_id}".encode()).hexdigest()
    return "u_" + digest[:_HASH_CHARS]


@dataclass(frozen=True)
class CallLabels:
    """The low-cardinality labels of one call (never a case id or a user id)."""

    dataset: str
    feature: str
    tenant_id: str | None
    model: str | None
    prompt_version: str | None
    outcome: str

    def attributes(self, *, with_outcome: bool = True) -> dict[str, str]:
        """As metric attributes: unknown values are left out rather than sent as empty."""
        pairs = {
            "dataset": self.dataset,
            "feature": self.feature,
            "tenant_id": self.tenant_id,
            "model": self.model,
            "prompt_version": self.prompt_version,
            "outcome": self.outcome if with_outcome else None,
        }
        return {k: v for k, v in pairs.items() if v is not None}


def labels_of(event: CallEvent, default_feature: str | None) -> CallLabels:
    """Labels for ``event``: feature is the case's metadata, else the config's, else the dataset."""
    meta = event.metadata
    resp = event.response
    return CallLabels(
        dataset=event.dataset,
        feature=metadata_value(meta, FEATURE_KEYS) or default_feature or event.dataset,
        tenant_id=metadata_value(meta, TENANT_KEYS),
        model=resp.model if resp else None,
        prompt_version=resp.prompt_version if resp else None,
        outcome=event.outcome,
    )
