"""Run records and their versioned files.

A run folder holds ``results.jsonl`` (one line per case and repeat, appended as cases finish
and flushed at least every second) and ``summary.json`` (written atomically at the end). The
field names are a stable contract, described by ``evalgate schema result``.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby, pairwise
from pathlib import Path
from typing import Any

from evalgate.errors import ConfigError
from evalgate.model import JSON, Response
from evalgate.quickinit import quick_init
from evalgate.results_check import check_result_line
from evalgate.scorers.registry import ScoreRecord
from evalgate.status import Outcome, ResultStatus, as_outcome, as_status

RESULTS_FORMAT_VERSION = 1
SUMMARY_FORMAT_VERSION = 1
RESULTS_FILE = "results.jsonl"
SUMMARY_FILE = "summary.json"


@quick_init
@dataclass(frozen=True, slots=True)
class TurnRecord:
    """One turn of a multi-turn case: what was sent and what came back."""

    request: JSON
    response: Response | None
    outcome: Outcome
    latency_ms: float
    error: str | None = None

    def to_dict(self) -> dict[str, JSON]:
        return {
            "request": self.request,
            "response": self.response.to_dict() if self.response else None,
            "outcome": self.outcome,
            "latency_ms": self.latency_ms,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, JSON]) -> TurnRecord:
        r = d.get("response")
        return cls(
            request=d.get("request"),
            response=Response.from_dict(r) if isinstance(r, Mapping) else None,
            outcome=as_outcome(d.get("outcome", "success")),
            latency_ms=float(d.get("latency_ms") or 0.0),
            error=d.get("error"),
        )


@quick_init
@dataclass(frozen=True, slots=True)
class CaseResult:
    """The result of one case and one repeat.

    ``status`` is ``passed``/``failed`` (quality), ``error`` (the endpoint or a scorer failed:
    excluded from scores, counted in the error rate) or ``skipped``.
    """

    case_id: str
    dataset: str
    repeat: int
    status: ResultStatus
    outcome: Outcome
    passed: bool
    score: float | None
    scores: tuple[ScoreRecord, ...] = ()
    latency_ms: float = 0.0
    request: JSON = None
    response: Response | None = None
    turns: tuple[TurnRecord, ...] = ()
    error: str | None = None
    attempts: int = 1
    tags: tuple[str, ...] = ()
    file: str = ""
    line: int = 0
    content_hash: str = ""
    threshold: float | None = None
    weight: float = 1.0
    confirmation: bool = False  # an extra repeat run to confirm a pass->fail flip

    def to_dict(self) -> dict[str, JSON]:
        return {
            "format_version": RESULTS_FORMAT_VERSION,
            "case_id": self.case_id,
            "dataset": self.dataset,
            "repeat": self.repeat,
            "status": self.status,
            "outcome": self.outcome,
            "passed": self.passed,
            "score": self.score,
            "scores": [s.to_dict() for s in self.scores],
            "latency_ms": self.latency_ms,
            "request": self.request,
            "response": self.response.to_dict() if self.response else None,
            "turns": [t.to_dict() for t in self.turns],
            "error": self.error,
            "attempts": self.attempts,
            "tags": list(self.tags),
            "file": self.file,
            "line": self.line,
            "content_hash": self.content_hash,
            "threshold": self.threshold,
            "weight": self.weight,
            "confirmation": self.confirmation,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, JSON]) -> CaseResult:
        r = d.get("response")
        return cls(
            case_id=str(d["case_id"]),
            dataset=str(d.get("dataset", "")),
            repeat=int(d.get("repeat", 0)),
            status=as_status(d["status"]),
            outcome=as_outcome(d.get("outcome", "success")),
            passed=bool(d["passed"]),
            score=None if d.get("score") is None else float(d["score"]),
            scores=tuple(ScoreRecord.from_dict(s) for s in d.get("scores") or ()),
            latency_ms=float(d.get("latency_ms") or 0.0),
            request=d.get("request"),
            response=Response.from_dict(r) if isinstance(r, Mapping) else None,
            turns=tuple(TurnRecord.from_dict(t) for t in d.get("turns") or ()),
            error=d.get("error"),
            attempts=int(d.get("attempts", 1)),
            tags=tuple(str(t) for t in d.get("tags") or ()),
            file=str(d.get("file", "")),
            line=int(d.get("line", 0)),
            content_hash=str(d.get("content_hash", "")),
            threshold=d.get("threshold"),
            weight=float(d.get("weight", 1.0)),
            confirmation=bool(d.get("confirmation", False)),
        )

    @property
    def responses(self) -> list[Response]:
        """Every response of this result: one per answered turn for multi-turn cases."""
        if self.turns:
            return [t.response for t in self.turns if t.response is not None]
        return [self.response] if self.response is not None else []

    @property
    def is_error(self) -> bool:
        return self.status == "error"


@quick_init
@dataclass(frozen=True, slots=True)
class CaseStats:
    """A case's results over its repeats: what the gate and the baseline store work on."""

    case_id: str
    dataset: str
    content_hash: str
    tags: tuple[str, ...]
    file: str
    line: int
    n: int  # scored repeats (errors excluded)
    errors: int
    skipped: bool
    score: float | None  # mean score over scored repeats
    pass_rate: float | None  # passes / scored repeats
    passes: int = 0
    scorer_pass: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # name -> (pass, n)

    @property
    def passed(self) -> bool | None:
        """Majority verdict over repeats (None when nothing was scored)."""
        if self.pass_rate is None:
            return None
        return self.pass_rate >= 0.5


def aggregate(results: Iterable[CaseResult]) -> dict[str, CaseStats]:
    """Group results by case id (sorted) into per-case statistics.

    Results arrive ordered by case id (as a run's compact results are): each case's are then
    a run of neighbours, taken one case at a time, so no list is built per case. Results in
    another order are sorted first (stably: a case's results keep their order).
    """
    items = list(results)  # references only
    if any(a.case_id > b.case_id for a, b in pairwise(items)):
        items.sort(key=_case_id)
    out: dict[str, CaseStats] = {}
    # most cases have the same per-scorer counts: equal ones are one (read-only) mapping
    shared: dict[tuple[tuple[str, tuple[int, int]], ...], Mapping[str, tuple[int, int]]] = {}
    numbers: dict[float, float] = {}  # equal means and pass rates: one float object
    for cid, group in groupby(items, key=_case_id):
        out[cid] = _case_stats(cid, list(group), shared, numbers)
    return out


def _case_id(r: CaseResult) -> str:
    return r.case_id


def _case_stats(
    cid: str,
    rs: list[CaseResult],
    shared: dict[tuple[tuple[str, tuple[int, int]], ...], Mapping[str, tuple[int, int]]],
    numbers: dict[float, float],
) -> CaseStats:
    first = rs[0]
    scored = [r for r in rs if r.status in ("passed", "failed")]
    errors = sum(1 for r in rs if r.status == "error")
    skipped = all(r.status == "skipped" for r in rs)
    scorer_pass: dict[str, list[int]] = {}
    for r in scored:
        for s in r.scores:
            p = scorer_pass.setdefault(s.scorer, [0, 0])  # the scorer ran, whatever it said
            if s.advisory:  # an uncalibrated judge's failure: reported, never gated
                continue
            p[0] += int(s.passed)
            p[1] += 1
    passes = sum(1 for r in scored if r.passed)
    counts = {k: (v[0], v[1]) for k, v in scorer_pass.items()}
    by_scorer = shared.setdefault(tuple(counts.items()), counts)
    return CaseStats(
        case_id=cid,
        dataset=first.dataset,
        content_hash=first.content_hash,
        tags=first.tags,
        file=first.file,
        line=first.line,
        n=len(scored),
        errors=errors,
        skipped=skipped,
        score=_one(numbers, statistics.fmean(r.score or 0.0 for r in scored)) if scored else None,
        pass_rate=_one(numbers, passes / len(scored)) if scored else None,
        passes=passes,
        scorer_pass=by_scorer,
    )


def _one(numbers: dict[float, float], x: float) -> float:
    """One object for equal floats (-0.0 and NaN, equal to others or none, kept as they are)."""
    if not (x > 0.0 or (x == 0.0 and math.copysign(1.0, x) > 0.0)):
        return x
    return numbers.setdefault(x, x)


# -- files -----------------------------------------------------------------------------------
def iter_results(path: Path) -> Iterator[CaseResult]:
    """Read ``results.jsonl``.

    A torn last line (from a kill) is ignored; other damage is an error.
    """
    if path.is_dir():
        path = path / RESULTS_FILE
    if not path.exists():
        raise ConfigError(
            f"{path}: no such results file; pass a run folder written by 'evalgate run'"
        )
    with open(path, encoding="utf-8", errors="replace") as f:
        # line by line: a run's file can be far larger than what it takes to hold its results
        yield from _parse_lines(path, f)


def _parse_lines(path: Path, lines: Iterable[str]) -> Iterator[CaseResult]:
    for i, line in enumerate(lines, start=1):
        r = _parse_line(path, i, line)
        if r is _TORN:
            return
        if r is not None:
            yield r


_TORN: Any = object()  # the last line, being written when the run was killed


def _parse_line(path: Path, i: int, line: str) -> CaseResult | None:
    """Line ``i`` as a result; None for a blank line, :data:`_TORN` for a torn last line."""
    if not line.strip():
        return None
    try:
        d = json.loads(line)
        if not isinstance(d, dict):
            raise ValueError("not a JSON object")
        version = d.get("format_version", RESULTS_FORMAT_VERSION)
        if version != RESULTS_FORMAT_VERSION:
            raise ConfigError(
                f"{path}:{i}:1: results format_version {version!r} is not supported"
                f" (this evalgate reads {RESULTS_FORMAT_VERSION});"
                " re-run with a matching evalgate"
            )
        check_result_line(d)
        return CaseResult.from_dict(d)
    except ConfigError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        # RecursionError: a line nested past what the decoder can follow
        if not line.endswith("\n"):
            return _TORN  # type: ignore[no-any-return]
        raise ConfigError(
            f"{path}:{i}:1: damaged result line ({exc}); remove the line or re-run"
        ) from exc


def iter_latest(paths: Sequence[Path]) -> Iterator[CaseResult]:
    """The complete results of run folders (or files), the last written per (case, repeat),
    ordered by case id and repeat (and by ``paths`` for a key in more than one), read one
    at a time: what is held is an offset per result, not the results.

    Damage is reported as :func:`iter_results` reports it.
    """
    where: list[tuple[tuple[str, int], int, int]] = []
    files = [p / RESULTS_FILE if p.is_dir() else p for p in paths]
    for n, path in enumerate(files):
        latest: dict[tuple[str, int], int] = {}
        for offset, r in _offsets(path):
            latest[(r.case_id, r.repeat)] = offset
        where.extend((key, n, off) for key, off in latest.items())
    where.sort(key=lambda w: (w[0], w[1]))
    yield from read_at(files, where)


def read_at(
    files: Sequence[Path], where: Iterable[tuple[tuple[str, int], int, int]]
) -> Iterator[CaseResult]:
    """The results whose lines start at these offsets: ``(key, file index, offset)`` each,
    read one at a time in the order given (what :func:`iter_latest` yields, once the offsets
    are known)."""
    handles = [open(path, "rb") for path in files]  # noqa: SIM115
    try:
        for _key, n, off in where:
            f = handles[n]
            f.seek(off)
            got = _parse_line(files[n], 0, f.readline().decode("utf-8", "replace"))
            if got is not None and got is not _TORN:
                yield got
    finally:
        for f in handles:
            f.close()


class LineOffsets:
    """Each result of a ``results.jsonl`` with the byte offset of its line, read as
    :func:`iter_results` reads the file (the same results, the same errors), until a carriage
    return inside a line: a text reader ends a line there, this one would not, so it stops
    and sets ``text_lines`` (read the file with :func:`iter_results` then)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text_lines = False

    def __iter__(self) -> Iterator[tuple[int, CaseResult]]:
        path = self.path
        if not path.exists():
            raise ConfigError(
                f"{path}: no such results file; pass a run folder written by 'evalgate run'"
            )
        with open(path, "rb") as f:
            offset = 0
            for i, raw in enumerate(f, start=1):
                cr = raw.find(b"\r")
                if cr != -1 and not (cr == len(raw) - 2 and raw.endswith(b"\r\n")):
                    self.text_lines = True
                    return
                r = _parse_line(path, i, raw.decode("utf-8", "replace"))
                if r is _TORN:
                    return
                if r is not None:
                    yield offset, r
                offset += len(raw)


def _offsets(path: Path) -> Iterator[tuple[int, CaseResult]]:
    """Each result of ``path`` with the byte offset of its line."""
    if not path.exists():
        raise ConfigError(
            f"{path}: no such results file; pass a run folder written by 'evalgate run'"
        )
    with open(path, "rb") as f:
        offset = 0
        for i, raw in enumerate(f, start=1):
            r = _parse_line(path, i, raw.decode("utf-8", "replace"))
            if r is _TORN:
                return
            if r is not None:
                yield offset, r
            offset += len(raw)


def read_results(path: Path) -> list[CaseResult]:
    """All results, one per (case, repeat) keeping the last written, ordered by case id."""
    latest: dict[tuple[str, int], CaseResult] = {}
    for r in iter_results(path):
        latest[(r.case_id, r.repeat)] = r
    return [latest[k] for k in sorted(latest)]


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in [0, 100]); None for no values."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(q / 100.0 * len(s)) - 1))
    return s[k]


def load_json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except (OSError, ValueError, RecursionError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}); restore it or re-create it") from exc
