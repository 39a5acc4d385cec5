"""``summary.json`` as types: :class:`RunSummary` and its parts, and its one reader.

:func:`evalgate.summary.build_summary` builds the document; :meth:`RunSummary.read` is the one
reader of the file (:func:`read_summary_document` for the checked document as written):
it refuses a file that is not a summary, of another ``format_version``, or damaged (exit 2,
naming the file). :meth:`RunSummary.from_dict` turns a checked document into types (every
field may be missing from an older or hand-edited file) and :meth:`RunSummary.to_dict` writes
exactly the format on disk (``format_version`` 1, see docs/formats.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from evalgate.errors import ConfigError
from evalgate.gate.verdict import CaseDelta, Verdict
from evalgate.lazydoc import LazyList, LazyMap, plain
from evalgate.results import SUMMARY_FILE, SUMMARY_FORMAT_VERSION, load_json_file
from evalgate.results_check import check_summary


def _opt_float(v: Any) -> float | None:
    return None if v is None else float(v)


@dataclass(frozen=True)
class Totals:
    """Case-level figures (a case passes by majority over its repeats) and result counts."""

    cases: int = 0
    results: int = 0
    confirmations: int = 0
    passed: int = 0
    failed: int = 0
    results_passed: int = 0
    results_failed: int = 0
    errors: int = 0
    skipped: int = 0
    pending: int = 0
    pass_rate: float | None = None
    mean_score: float | None = None
    error_rate: float = 0.0

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Totals:
        ints = (
            *("cases", "results", "confirmations", "passed", "failed", "results_passed"),
            *("results_failed", "errors", "skipped", "pending"),
        )
        return cls(
            **{k: int(d.get(k) or 0) for k in ints},
            pass_rate=_opt_float(d.get("pass_rate")),
            mean_score=_opt_float(d.get("mean_score")),
            error_rate=float(d.get("error_rate") or 0.0),
        )

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True, slots=True)
class Rate:
    """Results passed out of total, for one scorer, tag or dataset."""

    passed: int
    total: int

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.total if self.total else None

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "total": self.total, "pass_rate": self.pass_rate}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Rate:
        return cls(int(d.get("passed") or 0), int(d.get("total") or 0))


@dataclass(frozen=True, slots=True)
class CaseFigures:
    """One case's figures over its repeats."""

    dataset: str = ""
    content_hash: str = ""
    file: str = ""
    line: int = 0
    tags: tuple[str, ...] = ()
    n: int = 0
    errors: int = 0
    skipped: bool = False
    score: float | None = None
    pass_rate: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "content_hash": self.content_hash,
            "file": self.file,
            "line": self.line,
            "tags": list(self.tags),
            "n": self.n,
            "errors": self.errors,
            "skipped": self.skipped,
            "score": self.score,
            "pass_rate": self.pass_rate,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CaseFigures:
        return cls(
            dataset=str(d.get("dataset") or ""),
            content_hash=str(d.get("content_hash") or ""),
            file=str(d.get("file") or ""),
            line=int(d.get("line") or 0),
            tags=tuple(str(t) for t in d.get("tags") or ()),
            n=int(d.get("n") or 0),
            errors=int(d.get("errors") or 0),
            skipped=bool(d.get("skipped", False)),
            score=_opt_float(d.get("score")),
            pass_rate=_opt_float(d.get("pass_rate")),
        )


def _rates(d: Any) -> dict[str, Rate]:
    return {str(k): Rate.from_dict(v) for k, v in (d or {}).items()}


@dataclass(frozen=True)
class RunSummary:
    """A run's aggregates, verdict and metadata: the typed ``summary.json``."""

    run_id: str
    format_version: int = 1
    evalgate_version: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    duration_s: float | None = None
    git: Mapping[str, str] | None = None
    config_hash: str = ""
    target_url: str = ""
    target_preset: str | None = None
    shard: str | None = None
    interrupted: bool = False
    aborted: str | None = None
    requested_prompt_version: str | None = None
    prompt_version: str | None = None
    prompt_versions: Mapping[str, int] = field(default_factory=dict)
    datasets: tuple[str, ...] = ()
    totals: Totals = field(default_factory=Totals)
    pending_cases: tuple[str, ...] = ()
    outcomes: Mapping[str, int] = field(default_factory=dict)
    latency_ms: Mapping[str, float | None] = field(default_factory=dict)
    tokens: Mapping[str, int | None] = field(default_factory=dict)  # None: not reported
    cost_usd: float | None = None
    scorers: Mapping[str, Rate] = field(default_factory=dict)
    tags: Mapping[str, Rate] = field(default_factory=dict)
    by_dataset: Mapping[str, Rate] = field(default_factory=dict)
    cases: Mapping[str, CaseFigures] = field(default_factory=dict)
    verdict: Verdict | None = None
    reports: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The document as written to ``summary.json`` (key order included)."""
        doc: dict[str, Any] = plain(self.to_document())
        return doc

    def to_document(self) -> dict[str, Any]:
        """:meth:`to_dict` with its per-case parts (``cases``, ``verdict.deltas``) built
        when read (:mod:`evalgate.lazydoc`): what a run holds and writes, a case at a time."""
        return {
            "format_version": self.format_version,
            "run_id": self.run_id,
            "evalgate_version": self.evalgate_version,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_s": self.duration_s,
            "git": dict(self.git) if self.git else None,
            "config_hash": self.config_hash,
            "target": {"url": self.target_url, "preset": self.target_preset},
            "shard": self.shard,
            "interrupted": self.interrupted,
            "aborted": self.aborted,
            "requested_prompt_version": self.requested_prompt_version,
            "prompt_version": self.prompt_version,
            "prompt_versions": dict(self.prompt_versions),
            "datasets": list(self.datasets),
            "totals": self.totals.to_dict(),
            "pending_cases": list(self.pending_cases),
            "outcomes": dict(self.outcomes),
            "latency_ms": dict(self.latency_ms),
            "tokens": dict(self.tokens),
            "cost_usd": self.cost_usd,
            "scorers": {k: v.to_dict() for k, v in self.scorers.items()},
            "tags": {k: v.to_dict() for k, v in self.tags.items()},
            "by_dataset": {k: v.to_dict() for k, v in self.by_dataset.items()},
            "cases": LazyMap(self.cases, CaseFigures.to_dict),
            "verdict": _verdict_document(self.verdict),
            "reports": dict(self.reports),
        }

    @classmethod
    def read(cls, path: Path) -> RunSummary:
        """``summary.json`` of a run folder (or the file itself), checked, as types.

        A field the check lets through but no type can hold (a list where a count belongs)
        is damage too: exit 2 naming the file, never a crash.
        """
        doc = read_summary_document(path)
        try:
            return cls.from_dict(doc)
        except (TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise _damaged(path, str(exc)) from None

    @property
    def status(self) -> str | None:
        """The verdict's status (None: not gated)."""
        return self.verdict.status if self.verdict else None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RunSummary:
        """Read a summary document (checked by ``check_summary``; missing fields default)."""
        target = d.get("target") or {}
        raw_verdict = d.get("verdict")
        return cls(
            run_id=str(d.get("run_id") or ""),
            format_version=int(d.get("format_version") or 1),
            evalgate_version=str(d.get("evalgate_version") or ""),
            started_at=d.get("started_at"),
            finished_at=d.get("finished_at"),
            duration_s=_opt_float(d.get("duration_s")),
            git=d.get("git"),
            config_hash=str(d.get("config_hash") or ""),
            target_url=str(target.get("url") or ""),
            target_preset=target.get("preset"),
            shard=d.get("shard"),
            interrupted=bool(d.get("interrupted", False)),
            aborted=d.get("aborted"),
            requested_prompt_version=d.get("requested_prompt_version"),
            prompt_version=d.get("prompt_version"),
            prompt_versions={str(k): int(v) for k, v in (d.get("prompt_versions") or {}).items()},
            datasets=tuple(str(x) for x in d.get("datasets") or ()),
            totals=Totals.from_dict(d.get("totals") or {}),
            pending_cases=tuple(str(x) for x in d.get("pending_cases") or ()),
            outcomes={str(k): int(v) for k, v in (d.get("outcomes") or {}).items()},
            latency_ms=dict(d.get("latency_ms") or {}),
            tokens=dict(d.get("tokens") or {}),
            cost_usd=_opt_float(d.get("cost_usd")),
            scorers=_rates(d.get("scorers")),
            tags=_rates(d.get("tags")),
            by_dataset=_rates(d.get("by_dataset")),
            cases={str(k): CaseFigures.from_dict(v) for k, v in (d.get("cases") or {}).items()},
            verdict=Verdict.from_dict(raw_verdict) if isinstance(raw_verdict, Mapping) else None,
            reports={str(k): str(v) for k, v in (d.get("reports") or {}).items()},
        )


def _verdict_document(verdict: Verdict | None) -> dict[str, Any] | None:
    """``verdict.to_dict()``, its deltas (one per case) built when read."""
    if verdict is None:
        return None
    doc = replace(verdict, deltas=()).to_dict()
    doc["deltas"] = LazyList(verdict.deltas, CaseDelta.to_dict)
    return doc


def read_summary_document(path: Path) -> dict[str, Any]:
    """The checked ``summary.json`` of a run folder (or the file itself), as written.

    Raises :class:`ConfigError` (exit 2) naming the file when it is missing, not JSON, not a
    summary, of a ``format_version`` this evalgate does not read, or damaged.
    """
    path = path / SUMMARY_FILE if path.is_dir() else path
    return checked_summary(path, load_json_file(path))


def checked_summary(path: Path, data: Any) -> dict[str, Any]:
    """``data`` read from ``path``, if it is a summary this evalgate reads and sound."""
    if not isinstance(data, dict) or "format_version" not in data:
        raise ConfigError(f"{path}: not an evalgate summary; pass a run folder from 'evalgate run'")
    if data["format_version"] != SUMMARY_FORMAT_VERSION:
        raise ConfigError(
            f"{path}: summary format_version {data['format_version']!r} is not supported"
            f" (this evalgate reads {SUMMARY_FORMAT_VERSION})"
        )
    try:
        check_summary(data)
    except ValueError as exc:
        raise _damaged(path, str(exc)) from None
    return data


def _damaged(path: Path, why: str) -> ConfigError:
    path = path / SUMMARY_FILE if path.is_dir() else path
    return ConfigError(
        f"{path}: damaged summary ({why}); restore it, or delete it and run"
        " 'evalgate report' to rebuild it from results.jsonl"
    )
