"""Which cases a run covers: tags, case ids, a shard, repeats (``--tag``, ``--case``,
``--shard``, ``--repeat``), and the checks that a selection matches something."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evalgate.errors import UsageError
from evalgate.model import Case
from evalgate.runner import shard_of


@dataclass(frozen=True)
class Selection:
    """Which cases a run covers."""

    tags: tuple[str, ...] = ()
    case_ids: tuple[str, ...] = ()
    shard: tuple[int, int] | None = None  # (0-based index, count)
    repeat: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "tags": list(self.tags),
            "case_ids": list(self.case_ids),
            "shard": list(self.shard) if self.shard else None,
            "repeat": self.repeat,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Selection:
        shard = d.get("shard")
        return cls(
            tuple(d.get("tags") or ()),
            tuple(d.get("case_ids") or ()),
            (int(shard[0]), int(shard[1])) if shard else None,
            d.get("repeat"),
        )


def select(cases: Sequence[Case], sel: Selection) -> tuple[list[Case], list[Case]]:
    """(cases to run, pending cases left out).

    Unknown ``--case`` ids, tags no case has, and a selection of only pending cases are usage
    errors: nothing would be judged. An empty shard is fine (a large matrix may have some).
    """
    import difflib

    known = {c.id for c in cases}
    missing = [cid for cid in sel.case_ids if cid not in known]
    if missing:
        hints = [difflib.get_close_matches(m, list(known), n=1) for m in missing]
        hint = "; did you mean " + ", ".join(repr(h[0]) for h in hints if h) if any(hints) else ""
        raise UsageError(f"no case with id {', '.join(repr(m) for m in missing)}{hint}")
    tags_in_use = {t for c in cases for t in c.tags}
    unknown_tags = [t for t in sel.tags if t not in tags_in_use]
    if sel.tags and len(unknown_tags) == len(sel.tags):
        raise UsageError(
            f"no case has tag {', '.join(repr(t) for t in unknown_tags)}; tags in use: "
            + (", ".join(sorted(tags_in_use)) or "none")
        )
    chosen = [
        c
        for c in cases
        if not (sel.case_ids and c.id not in sel.case_ids)
        and not (sel.tags and not set(sel.tags) & set(c.tags))
    ]
    if chosen and all(c.pending for c in chosen) and (sel.case_ids or sel.tags):
        raise UsageError(
            f"the selected case(s) are pending review: {', '.join(c.id for c in chosen[:5])};"
            " review them, then set 'review: approved' (or remove the key)"
        )
    if sel.shard:
        chosen = [c for c in chosen if shard_of(c.id, sel.shard[1]) == sel.shard[0]]
    return [c for c in chosen if not c.pending], [c for c in chosen if c.pending]
