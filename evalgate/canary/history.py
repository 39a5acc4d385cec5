"""The canary history: one JSON line per canary run, for trends, ``canary --history`` and as a
latency/token reference (the median of recent healthy runs).
"""

from __future__ import annotations

import json
import os
import statistics
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evalgate import masking
from evalgate.canary.report import OK, CanaryReport, Reference
from evalgate.errors import ConfigError
from evalgate.textsafe import ENCODE_ERRORS

HISTORY_FORMAT_VERSION = 1


def history_entry(
    report: CanaryReport, *, ts: datetime | None = None, run_id: str | None = None
) -> dict[str, Any]:
    """The history line for ``report`` (``ts`` defaults to now, UTC)."""
    when = (ts or datetime.now(UTC)).astimezone(UTC)
    s = report.stats
    return {
        "format_version": HISTORY_FORMAT_VERSION,
        "ts": when.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "run_id": run_id,
        "status": report.status,
        "latency_p95_ms": s.latency_p95_ms,
        "mean_tokens": s.mean_tokens,
        "mean_score": s.mean_score,
        "base_mean_score": s.base_mean_score,
        "error_rate": s.error_rate,
        "results": s.results,
        "findings": [f.message for f in report.blocking],
    }


def append_history(
    path: Path, report: CanaryReport, *, ts: datetime | None = None, run_id: str | None = None
) -> dict[str, Any]:
    """Append one line for ``report`` to ``path`` (created with its folder); return the entry."""
    entry = masking.scrub_obj(history_entry(report, ts=ts, run_id=run_id))
    line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if _torn(path):
            line = "\n" + line  # close a line left half-written by a killed run
        # one write of a whole line in append mode: concurrent canaries do not interleave
        with open(path, "a", encoding="utf-8", errors=ENCODE_ERRORS) as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot append to the canary history ({exc.strerror});"
            " set canary.history to a writable file"
        ) from exc
    return dict(entry)


def _torn(path: Path) -> bool:
    """Whether the file's last line lacks its newline."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            if f.tell() == 0:
                return False
            f.seek(-1, os.SEEK_END)
            return f.read(1) != b"\n"
    except FileNotFoundError:
        return False


def read_history(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The last ``limit`` entries (all when None), oldest first; [] when there is no history.

    Lines that do not parse (a run killed mid-write) are skipped: the history is advisory.
    """
    if not path.exists():
        return []
    keep: deque[dict[str, Any]] = deque(maxlen=limit if limit and limit > 0 else None)
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    row = json.loads(line)
                except (ValueError, RecursionError):
                    continue
                if isinstance(row, dict) and "status" in row:
                    keep.append(row)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the canary history ({exc.strerror})") from exc
    return list(keep)


def reference_from_history(rows: list[dict[str, Any]], window: int = 24) -> Reference | None:
    """Median p95 and tokens of the last ``window`` healthy (``ok``) runs; None without any."""
    healthy = [r for r in rows if r.get("status") == OK][-window:]
    if not healthy:
        return None
    lat = [float(r["latency_p95_ms"]) for r in healthy if r.get("latency_p95_ms") is not None]
    tok = [float(r["mean_tokens"]) for r in healthy if r.get("mean_tokens") is not None]
    return Reference(
        latency_p95_ms=statistics.median(lat) if lat else None,
        mean_tokens=statistics.median(tok) if tok else None,
        source=f"median of last {len(healthy)} ok canary runs",
    )


def _num(v: Any, fmt: str) -> str:
    return "-" if v is None else format(v, fmt)


def render_history(rows: list[dict[str, Any]]) -> str:
    """A compact text table, one run per line, newest last (for ``canary --history``)."""
    if not rows:
        return "no canary runs recorded yet"
    header = f"{'time (UTC)':<20} {'status':<6} {'p95 ms':>8} {'tokens':>7} {'score':>6} {'err':>5}"
    out = [header + "  findings"]
    for r in rows:
        findings = r.get("findings") or []
        first = findings[0] if findings else ""
        more = f" (+{len(findings) - 1})" if len(findings) > 1 else ""
        out.append(
            f"{str(r.get('ts', '?'))[:20]:<20} {r.get('status', '?')!s:<6}"
            f" {_num(r.get('latency_p95_ms'), ',.0f'):>8} {_num(r.get('mean_tokens'), ',.0f'):>7}"
            f" {_num(r.get('mean_score'), '.3f'):>6} {_num(r.get('error_rate'), '.0%'):>5}"
            f"  {first[:80]}{more}".rstrip()
        )
    return masking.scrub("\n".join(out))
