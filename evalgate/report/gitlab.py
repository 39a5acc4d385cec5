"""GitLab CI reports: Code Quality JSON and an OpenMetrics metrics file, from a ``RunView``.

- Code Quality (``artifacts:reports:codequality``; format from docs.gitlab.com/ci/testing/
  code_quality, a subset of the Code Climate spec): a JSON array with one issue per failed,
  errored or regressed case, at its golden file line. Paths are relative to the repository
  root (``CI_PROJECT_DIR``), which is how GitLab places them, whatever folder evalgate ran in.
- Metrics (``artifacts:reports:metrics``; OpenMetrics text, docs.gitlab.com/ci/testing/
  metrics_reports): one ``name value`` line per figure; GitLab shows how each changed against
  the target branch. A figure that is unknown (no answer reported tokens, no pricing) is left
  out rather than written as 0.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from typing import Any

from evalgate import masking
from evalgate.fsutil import repo_path
from evalgate.report.text import one_line
from evalgate.report.view import CaseRow, RunView


def _issue(c: CaseRow, environ: Mapping[str, str]) -> dict[str, Any] | None:
    if not c.file:
        return None
    if c.status == "error":
        what, severity = "errored", "minor"
    elif c.blocking:
        what, severity = ("failed" if c.status == "failed" else "regressed"), "critical"
    elif c.status == "failed":
        what, severity = "failed", "major"
    else:
        what, severity = "regressed", "minor"
    detail = c.first_failure or (
        "named by the gate: " + ", ".join(c.blocking) if c.blocking else "score dropped"
    )
    if c.delta is not None and c.delta < 0:
        detail += f" (score {c.base.score if c.base else 0:.3f} -> {c.score or 0:.3f})"
    path = repo_path(c.file, environ)
    description = masking.scrub(one_line(f"evalgate: case {c.case_id} {what}: {detail}", 1000))
    key = f"{path}\0{c.case_id}\0{what}".encode("utf-8", "surrogateescape")
    return {
        "description": description,
        "check_name": f"evalgate/{what}",
        "fingerprint": hashlib.sha256(key).hexdigest()[:32],
        "severity": severity,
        "location": {"path": path, "lines": {"begin": max(1, c.line or 1)}},
    }


def render_codequality(view: RunView, environ: Mapping[str, str] | None = None) -> str:
    """The Code Quality report: ``[]`` when no case failed, errored or regressed."""
    env = os.environ if environ is None else environ
    issues = [i for c in view.flagged if (i := _issue(c, env)) is not None]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def render_metrics(view: RunView) -> str:
    """The metrics report, OpenMetrics text ending in ``# EOF``."""
    t, s, v = view.totals, view.summary, view.verdict
    lat, tokens = _mapping(s.get("latency_ms")), _mapping(s.get("tokens"))
    figures: list[tuple[str, str, Any]] = [
        ("evalgate_pass_rate", "share of scored cases that passed", t.get("pass_rate")),
        ("evalgate_mean_score", "mean case score", t.get("mean_score")),
        ("evalgate_cases", "golden cases run", t.get("cases")),
        ("evalgate_failed_cases", "cases that failed", t.get("failed")),
        ("evalgate_errored_results", "results the endpoint or a scorer errored", t.get("errors")),
        ("evalgate_error_rate", "share of results that errored", t.get("error_rate")),
        ("evalgate_regressed_cases", "cases that regressed", sum(c.regressed for c in view.cases)),
        ("evalgate_latency_p50_ms", "median latency (ms)", lat.get("p50")),
        ("evalgate_latency_p95_ms", "95th percentile latency (ms)", lat.get("p95")),
        ("evalgate_tokens_total", "tokens the endpoint reported", tokens.get("total")),
        ("evalgate_cost_usd", "cost of the run (USD)", s.get("cost_usd")),
    ]
    if v is not None:
        figures += [
            ("evalgate_gate_passed", "1 when the gate passed, else 0", int(v.status == "pass")),
            ("evalgate_score_delta", "mean score change on shared cases", v.delta),
        ]
    lines: list[str] = []
    for name, help_text, value in figures:
        number = _number(value)
        if number is None:
            continue
        text = str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
        lines += [f"# TYPE {name} gauge", f"# HELP {name} {help_text}", f"{name} {text}"]
    return "\n".join([*lines, "# EOF"]) + "\n"
