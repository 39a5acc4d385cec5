"""Baselines: one JSON file per promptVersion under ``gate.baseline_dir``, meant to be committed.

``<version>.json`` holds the per-case summary of the runs that recorded it; ``production.json``
names the promoted version. A baseline is an estimate: each case keeps its ``history``, one
``[passes, n, score]`` per recorded run (newest last, at most ``gate.baseline_samples``), and its
totals (``n``, ``passes``, ``score``, ``pass_rate``) are over that whole history. Each case also
keeps the ``answer`` of its newest recorded run (redacted, masked and cut: ``gate/answers.py``),
so reports can show what changed; files written before answers were kept read as they are.
Format 1 files (one run, no history) are still read: each of their cases is one sample. Files are
versioned,
written atomically with sorted keys (so diffs in review stay small), and read back into frozen
records.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import groupby, pairwise
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from evalgate.errors import ConfigError, UsageError
from evalgate.gate.answers import (
    ANSWERS_BUDGET,
    AnswerPicker,
    Redact,
    case_answers,
    within_budget,
)
from evalgate.gate.baseline_check import Checked
from evalgate.results import CaseResult, _case_stats, percentile
from evalgate.run_summary import RunSummary

if TYPE_CHECKING:
    from evalgate.gate.casetable import CaseTable

BASELINE_FORMAT_VERSION = 2
READABLE_FORMAT_VERSIONS = (1, 2)
PRODUCTION_FILE = "production.json"
_MAX_STEM = 200
_HOW_TO_RECORD = (
    "record one with 'evalgate run --record-baseline' or 'evalgate baseline record RUN'"
)


@dataclass(frozen=True, slots=True)
class BaselineCase:
    """One case as the baseline run saw it (only cases with at least one scored repeat).

    Slotted: a large baseline holds one per case, each without an attribute dict."""

    content_hash: str
    score: float
    pass_rate: float
    n: int
    passes: int
    tags: tuple[str, ...] = ()
    dataset: str = ""
    scorer_pass: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    # for canaries: how fast and how long the answers were when the baseline was recorded
    latency_p95_ms: float | None = None
    mean_tokens: float | None = None
    mean_cost_usd: float | None = None  # the target's cost per repeat (pre-flight estimates)
    # one (passes, n, mean score) per recorded run, oldest first; () means one: the totals
    history: tuple[tuple[int, int, float], ...] = ()
    # the newest recorded run's answer (gate/answers.py), None when not kept
    answer: str | None = None

    @property
    def samples(self) -> tuple[tuple[int, int, float], ...]:
        """The recorded runs behind this case (at least one)."""
        return self.history or ((self.passes, self.n, self.score),)

    def to_dict(self) -> dict[str, Any]:
        return {
            "history": [[p, n, s] for p, n, s in self.samples],
            "latency_p95_ms": self.latency_p95_ms,
            "mean_tokens": self.mean_tokens,
            "mean_cost_usd": self.mean_cost_usd,
            "content_hash": self.content_hash,
            "score": self.score,
            "pass_rate": self.pass_rate,
            "n": self.n,
            "passes": self.passes,
            "tags": list(self.tags),
            "dataset": self.dataset,
            "scorer_pass": {k: [p, t] for k, (p, t) in sorted(self.scorer_pass.items())},
        } | ({} if self.answer is None else {"answer": self.answer})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> BaselineCase:
        return cls(
            content_hash=str(d["content_hash"]),
            score=float(d["score"]),
            pass_rate=float(d["pass_rate"]),
            n=int(d["n"]),
            passes=int(d["passes"]),
            tags=tuple(str(t) for t in d.get("tags") or ()),
            dataset=str(d.get("dataset", "")),
            scorer_pass={
                str(k): (int(v[0]), int(v[1])) for k, v in (d.get("scorer_pass") or {}).items()
            },
            latency_p95_ms=_opt_float(d.get("latency_p95_ms")),
            mean_tokens=_opt_float(d.get("mean_tokens")),
            mean_cost_usd=_opt_float(d.get("mean_cost_usd")),
            history=_history(d.get("history")),
            answer=None if d.get("answer") is None else str(d["answer"]),
        )


def _history(raw: Any) -> tuple[tuple[int, int, float], ...]:
    # one run is what the totals already say: kept as (), as a format 1 file reads
    hist = tuple((int(h[0]), int(h[1]), float(h[2])) for h in raw or ())
    return hist if len(hist) > 1 else ()


def _opt_float(v: Any) -> float | None:
    return None if v is None else float(v)


def _in_case_order(results: list[CaseResult]) -> list[CaseResult]:
    """``results`` by case id, as :func:`~evalgate.results.aggregate` takes them: sorted
    (stably) unless they already are."""
    if any(a.case_id > b.case_id for a, b in pairwise(results)):
        results.sort(key=_case_id)
    return results


def _case_id(r: CaseResult) -> str:
    return r.case_id


def _scored(r: CaseResult) -> bool:
    return r.status in ("passed", "failed")


def _case_figures(rs: list[CaseResult]) -> tuple[float | None, float | None, float | None]:
    """One case's p95 latency and mean total tokens (of its successful, scored calls; None
    when there are none) and the mean cost of its answered repeats that reported one."""
    lat: list[float] = []
    tok: list[float] = []
    acc: list[float] = []
    for r in rs:
        responses = r.responses
        if r.status in ("passed", "failed") and r.outcome == "success":
            lat.append(r.latency_ms)
            total = [x.total_tokens for x in responses if x.total_tokens is not None]
            if total:
                tok.append(float(sum(total)))
        costs = [x.cost_usd for x in responses if x.cost_usd is not None]
        if r.status != "skipped" and costs and all(map(math.isfinite, costs)):
            acc.append(float(sum(costs)))
    return (
        percentile(lat, 95) if lat else None,
        sum(tok) / len(tok) if lat and tok else None,
        sum(acc) / len(acc) if acc else None,
    )


@dataclass(frozen=True)
class Baseline:
    """The recorded summary of one run for one promptVersion."""

    prompt_version: str
    recorded_at: str
    cases: Mapping[str, BaselineCase]
    run_id: str = ""
    evalgate_version: str = ""
    git_sha: str | None = None
    config_hash: str = ""
    format_version: int = BASELINE_FORMAT_VERSION
    samples: int = 1  # recorded runs merged into this baseline (its history's length)
    answers_dropped: tuple[str, ...] = ()  # cases whose answer did not fit the file's budget

    @property
    def mean_score(self) -> float | None:
        if not self.cases:
            return None
        return sum(c.score for c in self.cases.values()) / len(self.cases)

    def to_dict(self) -> dict[str, Any]:
        return self.document(cases={cid: c.to_dict() for cid, c in sorted(self.cases.items())})

    def document(self, cases: Mapping[str, Any]) -> dict[str, Any]:
        """The file's document with ``cases`` as its cases: :meth:`to_dict` builds them all,
        ``BaselineStore.save`` passes a view that builds each case's figures as it is written."""
        return {
            "format_version": BASELINE_FORMAT_VERSION,
            "samples": self.samples,
            "prompt_version": self.prompt_version,
            "recorded_at": self.recorded_at,
            "run_id": self.run_id,
            "evalgate_version": self.evalgate_version,
            "git_sha": self.git_sha,
            "config_hash": self.config_hash,
            "cases": cases,
        } | self._dropped_doc()

    def _dropped_doc(self) -> dict[str, Any]:
        if not self.answers_dropped:
            return {}
        why = (
            f"the answers of these cases were dropped: with them the file's answers would pass"
            f" {ANSWERS_BUDGET} characters (the largest are dropped first)"
        )
        return {"answers_dropped": {"cases": list(self.answers_dropped), "why": why}}

    def with_answers_capped(self, budget: int = ANSWERS_BUDGET) -> Baseline:
        """This baseline with its answers within ``budget`` characters (largest dropped), and
        ``answers_dropped`` naming every case whose answer is missing for that reason. Only
        the cases with an answer are looked at (most of a large baseline's have none), and
        the cases are copied only when an answer is dropped."""
        import dataclasses

        answers, dropped = within_budget(
            {c: b.answer for c, b in self.cases.items() if b.answer}, budget
        )
        cases = self.cases
        gone = tuple(
            sorted(
                c for c in {*self.answers_dropped, *dropped} if c in cases and not answers.get(c)
            )
        )
        if not dropped and gone == self.answers_dropped:
            return self
        lost = set(dropped)
        cases = {
            cid: dataclasses.replace(b, answer=None) if cid in lost else b
            for cid, b in cases.items()
        }
        return dataclasses.replace(self, cases=cases, answers_dropped=gone)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Baseline:
        return cls(
            format_version=int(d["format_version"]),
            prompt_version=str(d["prompt_version"]),
            recorded_at=str(d["recorded_at"]),
            run_id=str(d.get("run_id") or ""),
            evalgate_version=str(d.get("evalgate_version") or ""),
            git_sha=None if d.get("git_sha") is None else str(d["git_sha"]),
            config_hash=str(d.get("config_hash") or ""),
            samples=int(d.get("samples") or 1),
            cases={
                str(k): v.value if isinstance(v, Checked) else BaselineCase.from_dict(v)
                for k, v in d["cases"].items()
            },
            answers_dropped=tuple(
                str(c) for c in (d.get("answers_dropped") or {}).get("cases") or ()
            ),
        )


def version_file_stem(version: str) -> str:
    """A safe, reversible file name for a promptVersion (no separators, no leading dot).

    Anything outside ``[A-Za-z0-9_.-]`` is percent-encoded, so ``../x`` or ``a/b`` cannot leave
    the folder and two different versions never share a file.
    """
    if not version or not version.strip():
        raise UsageError("a prompt version must not be empty")
    stem = quote(version, safe="-_.")
    if stem.startswith("."):
        stem = "%2E" + stem[1:]
    if stem.lower() == PRODUCTION_FILE.removesuffix(".json"):
        stem = "%" + format(ord(stem[0]), "02X") + stem[1:]  # keep production.json ours
    if len(stem) > _MAX_STEM:
        raise UsageError(f"prompt version {version[:40]!r}... is too long to store (max ~200)")
    return stem


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def baseline_from_run(
    results: Iterable[CaseResult],
    summary: RunSummary,
    *,
    prompt_version: str | None = None,
    recorded_at: str | None = None,
    redact: Redact | None = None,
    answers_from: Iterable[CaseResult] | None = None,
    answers: AnswerPicker | None = None,
) -> Baseline:
    """Build a baseline from a run's results and its summary.

    The version is ``prompt_version`` if given, else the one the endpoint served. Cases without
    a scored repeat (all errors, or skipped) are left out: there is nothing to compare with.
    Each case keeps its answer (``gate/answers.py``), passed through ``redact`` when given,
    read from ``answers_from`` when given (the complete results, when ``results`` are compact
    ones without the answers' text, e.g. ``iter_results(run_dir)``), or picked already from
    them by ``answers`` (fed while the run was read, with the same ``redact``).
    """
    return baseline_from_handed(
        [list(results)],
        summary,
        prompt_version=prompt_version,
        recorded_at=recorded_at,
        redact=redact,
        answers_from=answers_from,
        answers=answers,
    )


def baseline_from_handed(
    handed: list[list[CaseResult]],
    summary: RunSummary,
    *,
    prompt_version: str | None = None,
    recorded_at: str | None = None,
    redact: Redact | None = None,
    answers_from: Iterable[CaseResult] | None = None,
    answers: AnswerPicker | None = None,
    table: CaseTable | None = None,
) -> Baseline:
    """:func:`baseline_from_run` for a caller that hands its results over: ``handed`` (one
    list of results) is emptied, each case's results let go once its case is made, and
    ``answers`` once the answers kept are read, so the results and the baseline made from
    them are not held whole together.

    ``table``: the cases go into this empty table (``gate/casetable.py``: a reference to
    compare with, without latency, token and cost figures) instead of a dict of records."""
    version = prompt_version or summary.prompt_version
    seen = summary.prompt_versions
    if prompt_version is None and len(seen) > 1:
        raise ConfigError(
            f"run {summary.run_id or '?'} served several prompt versions"
            f" ({', '.join(sorted(map(str, seen)))}); a baseline must describe one:"
            " re-run with one version, or pass --prompt-version V to choose"
        )
    if not version:
        raise ConfigError(
            f"run {summary.run_id or '?'} has no prompt version (the endpoint did not"
            " report one); pass --prompt-version V"
        )
    # the results by case id, each case's figures made as its baseline case is: no table of
    # every case's figures is held beside the cases (a case's are aggregate's, exactly)
    items = _in_case_order(handed.pop())
    # the cases kept: those with a scored repeat (aggregate's n > 0, score and pass rate set)
    ids = [cid for cid, rs in groupby(items, key=_case_id) if any(map(_scored, rs))]
    # the file's answers within its budget before the cases are made (as with_answers_capped
    # would leave them): a large run's cases are not made twice, once with every answer; a
    # picker applies the budget before it reads any answer back
    capped: Mapping[str, str | None]
    if answers is not None:
        capped, dropped = answers.capped(ids)
        answers.clear()
    else:
        kept = case_answers(items if answers_from is None else answers_from, redact)
        capped, dropped = within_budget({cid: kept.get(cid) for cid in ids})
        del kept
    del ids
    # each case's latency, tokens and cost figured from its own results as it is made, not
    # from tables of every case's figures
    cases: dict[str, BaselineCase] = {}
    shared: dict[Any, Mapping[str, tuple[int, int]]] = {}  # equal counts: one mapping
    numbers: dict[float, float] = {}  # equal means and pass rates: one float
    items.reverse()  # taken from the end, a case at a time, each result in its order
    while items:
        cid = items[-1].case_id
        rs = [items.pop()]
        while items and items[-1].case_id == cid:
            rs.append(items.pop())
        if not any(map(_scored, rs)):
            continue
        s = _case_stats(cid, rs, shared, numbers)
        if s.score is None or s.pass_rate is None:  # as above (for the types)
            continue
        p95, tokens, cost = _case_figures(rs) if table is None else (None, None, None)
        case = BaselineCase(
            content_hash=s.content_hash,
            score=s.score,
            pass_rate=s.pass_rate,
            n=s.n,
            passes=s.passes,
            tags=s.tags,
            dataset=s.dataset,
            scorer_pass=s.scorer_pass,  # equal counts: one mapping, as aggregate shares them
            latency_p95_ms=p95,
            mean_tokens=tokens,
            mean_cost_usd=cost,
            answer=capped.get(cid),
        )
        if table is None:
            cases[cid] = case
        else:
            table.add(cid, case)
    git = summary.git
    return Baseline(
        prompt_version=str(version),
        recorded_at=recorded_at or _now(),
        cases=cases if table is None else table,
        run_id=summary.run_id,
        evalgate_version=summary.evalgate_version,
        git_sha=str(git["sha"]) if isinstance(git, Mapping) and git.get("sha") else None,
        config_hash=summary.config_hash,
        answers_dropped=dropped,
    )


__all__ = [
    "BASELINE_FORMAT_VERSION",
    "Baseline",
    "BaselineCase",
    "baseline_from_handed",
    "baseline_from_run",
    "version_file_stem",
]
