"""``evalgate import langfuse``: select flagged traces, map them to redacted pending cases.

Reading goes through SDK 5.x: flagged traces are found through scores
(``GET /api/public/v3/scores``), or, without a score filter, through root observations
(``GET /api/public/v2/observations``); each trace is then read as its observations.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalgate.config.model import LangfuseConfig
from evalgate.integrations.langfuse import goldenfile, mapping
from evalgate.integrations.langfuse.client import Session, api_call
from evalgate.integrations.langfuse.filters import ImportQuery
from evalgate.model import JSON

OBS_FIELDS = "core,basic,io,metadata,trace_context"
_PAGE = 100


@dataclass(frozen=True)
class Flag:
    """The score that selected a trace."""

    name: str
    value: JSON


@dataclass
class ImportReport:
    """What an import did; printed as the command's summary."""

    out: Path
    found: int = 0
    imported: list[str] = field(default_factory=list)
    duplicates: int = 0
    not_matching: int = 0
    redactions: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        red = ", ".join(f"{k} {v}" for k, v in sorted(self.redactions.items())) or "none"
        return (
            f"langfuse import: {self.found} trace(s) found, {len(self.imported)} imported"
            f" into {self.out}, {self.duplicates} skipped as already imported,"
            f" {self.not_matching} not matching the filters; redactions: {red}"
        )


def _obs(o: Any) -> mapping.Obs:
    return mapping.Obs(
        id=o.id,
        trace_id=o.trace_id or "",
        type=(o.type or "").upper(),
        name=o.name,
        parent_id=o.parent_observation_id,
        is_root=o.is_root_observation,
        start_time=o.start_time,
        input=mapping.decode(o.input),
        output=mapping.decode(o.output),
        trace_name=o.trace_name,
        tags=tuple(o.tags or ()),
        user_id=o.user_id,
        session_id=o.session_id,
        environment=o.environment,
        metadata=o.metadata if isinstance(o.metadata, dict) else {},
    )


# -- selection -------------------------------------------------------------------------------
def _flagged(s: Session, q: ImportQuery) -> Iterator[tuple[str, Flag | None]]:
    for f in q.scores:
        cursor: str | None = None
        while True:
            with api_call(s.creds, "GET /api/public/v3/scores"):
                page = s.lf.api.scores.get_many(
                    fields="subject", limit=_PAGE, cursor=cursor, from_timestamp=q.start,
                    **f.api_params(),
                )  # fmt: skip
            for score in page.data:
                subject = score.subject
                tid = getattr(subject, "trace_id", None) or (
                    subject.id if subject is not None and subject.kind == "trace" else None
                )
                if tid and score.name == f.name and f.matches(score.value):
                    yield tid, Flag(score.name, score.value)
            cursor = page.meta.cursor
            if not cursor:
                break


def _root_filter(q: ImportQuery) -> str:
    conds: list[dict[str, JSON]] = [
        {"type": "boolean", "column": "isRootObservation", "operator": "=", "value": True}
    ]
    for column, value in (("traceName", q.name), ("userId", q.user), ("sessionId", q.session)):
        if value is not None:
            conds.append({"type": "string", "column": column, "operator": "=", "value": value})
    if q.environment is not None:
        conds.append(
            {"type": "stringOptions", "column": "environment", "operator": "any of",
             "value": [q.environment]}
        )  # fmt: skip
    if q.tags:
        conds.append(
            {"type": "arrayOptions", "column": "tags", "operator": "all of", "value": list(q.tags)}
        )
    for op, t in ((">=", q.start), ("<", q.end)):
        if t is not None:
            conds.append(
                {"type": "datetime", "column": "startTime", "operator": op, "value": t.isoformat()}
            )
    return json.dumps(conds)


def _roots(s: Session, q: ImportQuery) -> Iterator[tuple[str, Flag | None]]:
    cursor: str | None = None
    while True:
        with api_call(s.creds, "GET /api/public/v2/observations"):
            page = s.lf.api.observations.get_many(
                fields="core,basic", limit=_PAGE, cursor=cursor, filter=_root_filter(q)
            )
        for o in page.data:
            if o.trace_id:
                yield o.trace_id, None
        cursor = page.meta.cursor
        if not cursor:
            break


def fetch_trace(s: Session, trace_id: str) -> list[mapping.Obs]:
    """All observations of one trace, decoded."""
    found: list[mapping.Obs] = []
    cursor: str | None = None
    while True:
        with api_call(s.creds, "GET /api/public/v2/observations"):
            page = s.lf.api.observations.get_many(
                trace_id=trace_id, fields=OBS_FIELDS, limit=1000, cursor=cursor
            )
        found.extend(_obs(o) for o in page.data)
        cursor = page.meta.cursor
        if not cursor:
            return found


def matches(root: mapping.Obs, q: ImportQuery) -> bool:
    """The non-score filters, checked on the root (the score path cannot ask the server)."""
    t = root.start_time
    return (
        (q.name is None or q.name in (root.trace_name, root.name))
        and (q.user is None or root.user_id == q.user)
        and (q.session is None or root.session_id == q.session)
        and (q.environment is None or root.environment == q.environment)
        and all(tag in root.tags for tag in q.tags)
        and (q.start is None or (t is not None and t >= q.start))
        and (q.end is None or (t is not None and t < q.end))
    )


# -- the import ------------------------------------------------------------------------------
def build_case(
    trace_id: str, obs: list[mapping.Obs], flag: Flag | None, cfg: LangfuseConfig, red: Any
) -> dict[str, JSON] | None:
    """A pending golden case for one trace (None when the trace has no observations)."""
    root = mapping.root_of(obs)
    if root is None:
        return None
    source: dict[str, JSON] = {"langfuse_trace_id": trace_id}
    if flag is not None:
        source["score"] = {"name": flag.name, "value": flag.value}
    return {
        "id": f"lf-{trace_id.replace('-', '')[:12]}",
        "input": red.redact(mapping.map_input(root.input, cfg.input_mapping)),
        "expect": mapping.suggest(flag.name if flag else None, cfg.suggest),
        "review": "pending",
        "source": source,
        "metadata": {"observed": mapping.observed(obs, root, red)},
    }


def run_import(
    s: Session,
    q: ImportQuery,
    cfg: LangfuseConfig,
    *,
    out: Path,
    dataset: str,
    known: goldenfile.Known,
    redactor_factory: Callable[[], Any],
) -> ImportReport:
    """Select, fetch, map, redact, dedupe and append; returns the counts."""
    report = ImportReport(out=out)
    cases: list[Mapping[str, JSON]] = []
    notes: list[str] = []
    seen: set[str] = set()
    selection = _flagged(s, q) if q.scores else _roots(s, q)
    for trace_id, flag in selection:
        if len(cases) >= q.limit:
            break
        if trace_id in seen:
            continue  # flagged by several scores: the first one wins
        seen.add(trace_id)
        report.found += 1
        if trace_id in known.trace_ids:
            report.duplicates += 1
            continue
        obs = fetch_trace(s, trace_id)
        root = mapping.root_of(obs)
        if root is None or not matches(root, q):
            report.not_matching += 1
            continue
        red = redactor_factory()
        case = build_case(trace_id, obs, flag, cfg, red)
        if case is None:
            continue
        key = goldenfile.input_key(case["input"])
        if key in known.inputs or case["id"] in known.case_ids:
            report.duplicates += 1
            continue
        report.redactions.update(dict(red.counts))
        known.add(case)
        cases.append(case)
        flagged = f"flagged by {flag.name}={json.dumps(flag.value)}" if flag else "selected"
        notes.append(f"Langfuse trace {trace_id}, {flagged}: review, then drop 'review: pending'")
        report.imported.append(str(case["id"]))
    goldenfile.append_cases(out, cases, notes, dataset)
    return report
