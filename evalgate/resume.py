"""What ``run --resume DIR`` may trust: only results this configuration and these cases made.

A run folder records its config hash in ``run.json`` and every result its case's content hash.
Resuming with another config, or with cases that changed since the run started (or that are
no longer in its selection), would judge answers the current setup never produced: refused
(exit 2) with the reason and what to do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from evalgate.errors import ConfigError, UsageError
from evalgate.model import Case
from evalgate.results import CaseResult

_SHOWN = 5
_FRESH = "start a new run instead (drop --resume, or pass a new --out folder)"


def read_run_file(path: Path) -> dict[str, Any]:
    """``run.json`` as a dict with a selection, or ConfigError naming the file (exit 2)."""
    try:
        info = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: damaged run file ({exc}); {_FRESH}") from None
    if (
        not isinstance(info, dict)
        or not isinstance(info.get("run_id"), str)
        or not isinstance(info.get("selection"), dict)
    ):
        raise ConfigError(f"{path}: not an evalgate run file (no run_id or selection); {_FRESH}")
    return info


def check_config(run_dir: Path, info: Mapping[str, Any], config_hash: str) -> None:
    """The folder must have been started with this very configuration."""
    recorded = info.get("config_hash")
    if recorded == config_hash:
        return
    what = (
        f"was started with another configuration (config hash {recorded}, now {config_hash}:"
        " evalgate.yaml, or a ${VAR} value it uses, differs)"
        if isinstance(recorded, str) and recorded
        else "does not record the configuration it was started with"
    )
    raise UsageError(
        f"{run_dir}: {what}; its answers may come from another endpoint, project or"
        f" settings, so they cannot be reused: {_FRESH}, or restore the evalgate.yaml the"
        " run was started with"
    )


def check_results(
    run_dir: Path,
    results: Iterable[CaseResult],
    selected: Sequence[Case],
    all_cases: Sequence[Case],
) -> None:
    """Every stored result must belong to a selected case whose content has not changed."""
    chosen = {c.id: c for c in selected}
    known = {c.id for c in all_cases}
    problems: dict[str, str] = {}
    for r in results:
        if r.case_id in problems:
            continue
        case = chosen.get(r.case_id)
        if case is None:
            problems[r.case_id] = (
                "is not selected by this run (pending review, or another --tag/--case/--shard)"
                if r.case_id in known
                else "is no longer in the goldens"
            )
        elif r.content_hash != case.content_hash:
            problems[r.case_id] = "changed since the run started (its content hash differs)"
    if not problems:
        return
    shown = [f"case {cid!r} {why}" for cid, why in sorted(problems.items())[:_SHOWN]]
    more = len(problems) - _SHOWN
    raise UsageError(
        f"{run_dir}: {len(problems)} case(s) with stored results do not match the goldens: "
        + "; ".join(shown)
        + (f"; and {more} more" if more > 0 else "")
        + f"; their answers cannot be reused: {_FRESH}"
    )
