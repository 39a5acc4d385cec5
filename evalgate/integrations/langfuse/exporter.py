"""``evalgate export langfuse RUN`` and ``run --langfuse``: a stored run as a Langfuse dataset run.

Per golden dataset: the dataset is upserted (``create_dataset``), each case becomes a dataset
item (``create_dataset_item``; item id = case id), and the run's results are recorded as one
experiment through ``run_experiment``, whose task and evaluators hand back the stored outputs
and scores (nothing is re-run). When a response carries the middleware's own trace id, the
item is linked to that trace through the deprecated ``POST /api/public/dataset-run-items``
(SDK 5.x has no call for it). The SDK drops failures with a log line, so every delivery is
counted from the server's answers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx
from langfuse import Evaluation

from evalgate.config.model import LangfuseConfig
from evalgate.errors import ConfigError, EvalgateError, InconclusiveError
from evalgate.integrations.langfuse import sources
from evalgate.integrations.langfuse.client import (
    Session,
    api_call,
    open_session,
    resolve_credentials,
)
from evalgate.model import JSON
from evalgate.results import CaseResult, read_results
from evalgate.run_summary import RunSummary

EXPERIMENT_NAME = "evalgate"


@dataclass
class ExportReport:
    """What reached Langfuse, counted from the server's answers."""

    run_name: str
    datasets: list[str] = field(default_factory=list)
    items_sent: int = 0
    items_upserted: int = 0
    results_sent: int = 0
    results_accepted: int = 0
    scores_sent: int = 0
    scores_accepted: int = 0
    links_sent: int = 0
    links_accepted: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return (
            (self.items_sent - self.items_upserted)
            + (self.results_sent - self.results_accepted)
            + max(0, self.scores_sent - self.scores_accepted)
            + (self.links_sent - self.links_accepted)
        )

    def summary(self) -> str:
        text = (
            f"langfuse export {self.run_name!r}: datasets {', '.join(self.datasets) or '-'};"
            f" items {self.items_upserted}/{self.items_sent}, results"
            f" {self.results_accepted}/{self.results_sent}, scores"
            f" {self.scores_accepted}/{self.scores_sent}, trace links"
            f" {self.links_accepted}/{self.links_sent} accepted"
        )
        if self.lost:
            text += f"\nwarning: {self.lost} item(s) did not reach Langfuse"
            text += "".join(f"\n  {p}" for p in self.problems[:10])
        return text


@dataclass
class _Item:
    """A dataset item as ``run_experiment`` reads it, carrying the stored result."""

    id: str
    dataset_id: str
    input: JSON
    expected_output: JSON
    metadata: dict[str, JSON]
    output: JSON
    evaluations: list[Evaluation]


def run_name(summary: RunSummary) -> str:
    """``<promptVersion>@<short git sha>`` (the run id when not in git)."""
    sha = (summary.git or {}).get("sha")
    pv = summary.prompt_version or "unversioned"
    return f"{pv}@{str(sha)[:7] if sha else summary.run_id or 'run'}"


def _metadata(summary: RunSummary) -> dict[str, str]:
    git = summary.git or {}
    raw = {
        "evalgate_run_id": summary.run_id or None,
        "prompt_version": summary.prompt_version,
        "git_sha": git.get("sha"),
        "git_branch": git.get("branch"),
        "started_at": summary.started_at,
        "evalgate_version": summary.evalgate_version or None,
        "config_hash": summary.config_hash or None,
    }
    return {k: str(v) for k, v in raw.items() if v is not None}


def _evaluations(r: CaseResult, red: Any) -> list[Evaluation]:
    if r.status not in ("passed", "failed"):
        return []
    evs = [
        Evaluation(
            name=s.scorer if s.turn is None else f"{s.scorer}.turn{s.turn}",
            value=float(s.score),
            comment=red.redact_text(s.reason) if s.reason else None,
            data_type="NUMERIC",
        )
        for s in r.scores
    ]
    if r.score is not None:
        evs.append(Evaluation(name="case_score", value=float(r.score), data_type="NUMERIC"))
    evs.append(Evaluation(name="case_passed", value=1.0 if r.passed else 0.0, data_type="BOOLEAN"))
    return evs


def _output(r: CaseResult) -> JSON:
    if r.response is None:
        return {"error": r.error or r.outcome}
    d = r.response.to_dict()
    return {k: d[k] for k in ("output", "citations", "retrieved", "tool_calls", "refused")}


def export_run(
    run_dir: Path,
    cfg: LangfuseConfig,
    redactor_factory: Callable[[], Any],
    *,
    strict: bool,
    environ: Mapping[str, str] | None = None,
    root: Path | None = None,
    debug: bool = False,
) -> ExportReport:
    """Push a run folder to Langfuse; raises :class:`InconclusiveError` on loss with ``strict``.

    ``root`` resolves the golden files named in the results (default: the current folder).
    """
    creds = resolve_credentials(cfg, os.environ if environ is None else environ)
    summary = RunSummary.read(run_dir)  # a damaged summary is refused, naming the file
    results = [r for r in read_results(run_dir) if r.status != "skipped"]
    report = ExportReport(run_name=run_name(summary))
    cases = sources.case_sources(results, root or Path.cwd())
    with open_session(creds, write=True, debug=debug) as s:
        for dataset in sorted({r.dataset for r in results}):
            _export_dataset(s, dataset, [r for r in results if r.dataset == dataset], cases,
                            summary, redactor_factory, report)  # fmt: skip
        s.lf.flush()
        report.scores_accepted = s.tally.scores_accepted
        report.problems.extend(f"score rejected: {e}" for e in s.tally.score_errors[:5])
    if strict and report.lost:
        raise InconclusiveError(report.summary() + "\n(--strict: a partial push fails)")
    return report


def _export_dataset(
    s: Session,
    dataset: str,
    results: list[CaseResult],
    cases: Mapping[str, sources.CaseSource],
    summary: RunSummary,
    redactor_factory: Callable[[], Any],
    report: ExportReport,
) -> None:
    with api_call(s.creds, f"POST /api/public/v2/datasets ({dataset})"):
        ds = s.lf.create_dataset(name=dataset, metadata={"created_by": "evalgate"})
    report.datasets.append(dataset)
    items: list[_Item] = []
    upserted: set[str] = set()
    for cid in sorted({r.case_id for r in results}):
        src = cases[cid]
        red = redactor_factory()
        report.items_sent += 1
        try:
            with api_call(s.creds, f"POST /api/public/dataset-items ({cid})"):
                s.lf.create_dataset_item(
                    dataset_name=dataset, id=cid, input=red.redact(src.input),
                    expected_output=red.redact(src.expect), metadata=dict(src.metadata),
                    source_trace_id=src.source_trace_id,
                )  # fmt: skip
        except ConfigError:
            raise
        except EvalgateError as exc:
            report.problems.append(f"dataset item {cid}: {exc}")
            continue
        report.items_upserted += 1
        upserted.add(cid)
    for r in results:
        if r.case_id not in upserted:
            continue
        red = redactor_factory()
        key = f"{r.case_id}#{r.repeat}"
        meta: dict[str, JSON] = {"case_id": r.case_id, "repeat": r.repeat, "status": r.status}
        items.append(
            _Item(r.case_id, ds.id, red.redact(cases[r.case_id].input), None, {**meta, "key": key},
                  red.redact(_output(r)), _evaluations(r, red))
        )  # fmt: skip
    by_key = {str(i.metadata["key"]): i for i in items}

    def task(*, item: Any, **_: Any) -> JSON:
        return item.output

    def evaluator(*, metadata: Any = None, **_: Any) -> list[Evaluation]:
        return by_key[str(metadata["key"])].evaluations

    report.results_sent += len(items)
    report.scores_sent += sum(len(i.evaluations) for i in items)
    result = s.lf.run_experiment(
        name=EXPERIMENT_NAME, run_name=report.run_name, data=cast(Any, items), task=task,
        evaluators=[evaluator], metadata=_metadata(summary), max_concurrency=8,
        description=f"evalgate run {summary.run_id}",
    )  # fmt: skip
    with s.tally.lock:
        ok, failed = set(s.tally.spans_ok), set(s.tally.spans_failed)
    for ir in result.item_results:
        if ir.trace_id in ok and ir.trace_id not in failed:
            report.results_accepted += 1
    for r in results:
        tid = r.response.trace_id if r.response else None
        if tid and r.case_id in upserted:
            _link(s, report, dataset, r.case_id, tid)


def _link(s: Session, report: ExportReport, dataset: str, case_id: str, trace_id: str) -> None:
    """Link the middleware's own trace via the deprecated dataset-run-items endpoint."""
    report.links_sent += 1
    body = {"runName": report.run_name, "datasetItemId": case_id, "traceId": trace_id,
            "runDescription": f"evalgate run {report.run_name} ({dataset})"}  # fmt: skip
    try:
        resp = s.http.post(
            f"{s.creds.base_url}/api/public/dataset-run-items",
            json=body,
            headers={"Authorization": s.creds.basic_auth},
        )
    except httpx.HTTPError as exc:
        report.problems.append(f"trace link {case_id}: {type(exc).__name__}")
        return
    if resp.status_code in (401, 403):
        raise ConfigError(
            f"Langfuse at {s.creds.base_url} rejected the API keys ({resp.status_code} on"
            " POST /api/public/dataset-run-items); check LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY"
        )
    if resp.is_success:
        report.links_accepted += 1
    elif resp.status_code == 404:
        report.problems.append(
            f"trace link {case_id}: this server no longer offers POST"
            " /api/public/dataset-run-items (404); middleware traces are not linked"
        )
    else:
        report.problems.append(f"trace link {case_id}: HTTP {resp.status_code}")
