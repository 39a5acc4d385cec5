"""The golden cases behind a run's results: their input and ``expect`` list, for dataset items.

Results name the golden file and line of each case; the file is read (plain YAML) to find the
case by id. When the file is gone, the request that was sent stands in for the input and the
expectations are left empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from evalgate.model import JSON
from evalgate.results import CaseResult


@dataclass(frozen=True)
class CaseSource:
    """What a dataset item needs from a golden case."""

    input: JSON
    expect: JSON
    metadata: Mapping[str, JSON] = field(default_factory=dict)
    source_trace_id: str | None = None


def _load(path: Path) -> dict[str, Mapping[str, JSON]]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    cases = doc.get("cases") if isinstance(doc, dict) else None
    return {
        str(c["id"]): c
        for c in (cases if isinstance(cases, list) else [])
        if isinstance(c, dict) and "id" in c
    }


def _from_case(case: Mapping[str, JSON], r: CaseResult) -> CaseSource:
    turns = case.get("turns")
    if isinstance(turns, list) and turns:
        inp: JSON = {"turns": [t.get("input") for t in turns if isinstance(t, dict)]}
        expect: JSON = [t.get("expect") or [] for t in turns if isinstance(t, dict)]
    else:
        inp, expect = case.get("input") or {}, case.get("expect") or []
    source = case.get("source")
    trace = source.get("langfuse_trace_id") if isinstance(source, Mapping) else None
    meta: dict[str, JSON] = {"file": r.file, "line": r.line, "tags": list(r.tags)}
    return CaseSource(inp, expect, meta, str(trace) if trace else None)


def case_sources(results: Iterable[CaseResult], root: Path) -> dict[str, CaseSource]:
    """Case id -> its source, for every case in ``results``."""
    files: dict[str, dict[str, Mapping[str, JSON]]] = {}
    out: dict[str, CaseSource] = {}
    for r in results:
        if r.case_id in out:
            continue
        case = None
        if r.file:
            if r.file not in files:
                p = Path(r.file)
                files[r.file] = _load(p if p.is_absolute() else root / p)
            case = files[r.file].get(r.case_id)
        if case is not None:
            out[r.case_id] = _from_case(case, r)
        else:
            fallback = r.request if r.request is not None else {"case_id": r.case_id}
            meta: dict[str, JSON] = {"file": r.file, "line": r.line, "tags": list(r.tags)}
            out[r.case_id] = CaseSource(fallback, [], meta)
    return out
