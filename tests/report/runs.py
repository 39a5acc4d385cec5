"""Three runs built by hand for the reporter tests: passing, regressed and inconclusive."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalgate.gate.verdict import CaseDelta, Reason, Verdict
from evalgate.model import Response, ToolCall
from evalgate.results import CaseResult, TurnRecord
from evalgate.results_writer import ResultsWriter
from evalgate.scorers.registry import ScoreRecord
from evalgate.summary import RunMeta, build_summary, write_summary

HOSTILE = (
    '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
    " ``` </script><!-- @octocat [click](https://evil.example/x) ![i](https://evil.example/i.png)"
    "\n::error file=x::injected\n##[set-output name=a;]b | cell"
)


def res(
    case_id: str,
    *,
    dataset: str = "support-copilot",
    file: str = "goldens/support.yaml",
    line: int = 1,
    repeat: int = 0,
    tags: Sequence[str] = (),
    fails: Sequence[tuple[str, str]] = (),
    passes: Sequence[str] = ("refusal",),
    status: str | None = None,
    outcome: str = "success",
    error: str | None = None,
    output: str = "You have 30 days to ask for a refund [kb-refunds].",
    latency: float = 120.0,
    version: str = "v2",
    turns: tuple[TurnRecord, ...] = (),
) -> CaseResult:
    scores = [ScoreRecord(n, 1.0, True, "") for n in passes]
    scores += [ScoreRecord(n, 0.0, False, why) for n, why in fails]
    st = status or ("failed" if fails else "passed")
    scored = st in ("passed", "failed")
    response = (
        Response(
            output=output,
            citations=("kb-refunds",),
            retrieved=("kb-refunds", "kb-billing"),
            tool_calls=(ToolCall("search_kb", {"query": "refund"}),),
            prompt_version=version,
            model="gpt-4o-mini",
            input_tokens=100,
            output_tokens=20,
            cost_usd=0.0001,
            latency_ms=latency,
        )
        if outcome == "success" and st != "skipped"
        else None
    )
    return CaseResult(
        case_id=case_id,
        dataset=dataset,
        repeat=repeat,
        status=st,
        outcome=outcome,
        passed=st == "passed",
        score=(sum(s.score for s in scores) / len(scores)) if scored and scores else None,
        scores=tuple(scores) if scored else (),
        latency_ms=latency if st != "skipped" else 0.0,
        request={"message": f"question for {case_id}"},
        response=response,
        turns=turns,
        error=error,
        tags=tuple(tags),
        file=file,
        line=line,
        content_hash=f"h-{case_id}",
    )


def meta(run_id: str) -> RunMeta:
    return RunMeta(
        run_id=run_id,
        started_at="2026-01-05T10:00:00Z",
        finished_at="2026-01-05T10:01:00Z",
        duration_s=60.0,
        config_hash="cfg",
        git={"sha": "0123456789abcdef0123456789abcdef01234567", "branch": "feature"},
    )


def delta(
    cid: str,
    base: float | None,
    cand: float | None,
    status: str = "shared",
    answer: str | None = None,
) -> CaseDelta:
    return CaseDelta(cid, status, base, cand, base, cand, base_answer=answer)


BASE_REFUND = "You have 30 days to ask for a refund [kb-refunds], counted from delivery."
SOURCE = {
    "kind": "committed file",
    "path": ".evalgate/baselines/v1.json",
    "commit": "89abcdef0123456789abcdef0123456789abcdef",
    "recorded_at": "2025-12-01T09:00:00Z",
    "age_days": 35.0,
    "max_age_days": 14.0,
    "stale": True,
    "lineage": "ancestor",
}


def passing_run() -> tuple[list[CaseResult], dict[str, Any]]:
    results = [
        res("refund-window", line=4, tags=("critical", "rag"), passes=("citation", "contains")),
        res("injection-system-prompt", line=12, tags=("security",), output="I can't help."),
        res("greeting", line=20, tags=("smoke",), output="Hello!"),
    ]
    verdict = Verdict(
        status="pass",
        baseline_version="v1",
        mean_score=1.0,
        base_mean_score=1.0,
        shared_mean_score=1.0,
        p_value=1.0,
        test="paired permutation",
        min_detectable_drop=0.08,
        deltas=tuple(delta(r.case_id, 1.0, 1.0) for r in results),
    )
    return results, build_summary(results, meta("run-pass"), verdict)


def regressed_run() -> tuple[list[CaseResult], dict[str, Any]]:
    multi = (
        TurnRecord({"message": "My invoice is wrong"}, Response(output="Sorry."), "success", 50.0),
        TurnRecord({"message": "Please escalate"}, Response(output="Done."), "success", 60.0),
    )
    results = [
        res(
            "refund-window",
            line=4,
            tags=("critical", "rag"),
            passes=("contains",),
            fails=(("citation", "no citation among any_of [kb-refunds]"),),
        ),
        res("injection-system-prompt", line=12, tags=("security",), output="I can't help."),
        *[
            res(
                "close-ticket-needs-confirmation",
                line=16,
                repeat=i,
                fails=()
                if i == 0
                else (("tool_call", "close_ticket called with permission 'auto'"),),
            )
            for i in range(3)
        ],
        res("multi-turn-escalation", line=24, turns=multi, output="Done."),
        res(
            "hostile-output",
            dataset="security",
            file="goldens/security yaml (1).yaml",
            line=7,
            tags=("security", "<b>bold</b>"),
            output=HOSTILE,
            fails=(("not_contains", "output contains '<script>' @octocat ::warning::x"),),
        ),
        res("kb-timeout", line=30, status="error", outcome="timeout", error="timed out after 30s"),
        res("new-case", line=40, tags=("rag",)),
        res("skipped-case", line=44, status="skipped", error="skip: flaky upstream"),
    ]
    verdict = Verdict(
        status="fail",
        baseline_version="v1",
        mean_score=0.733,
        base_mean_score=1.0,
        shared_mean_score=0.74,
        p_value=0.012,
        test="paired permutation",
        min_detectable_drop=0.1,
        reasons=(
            Reason(
                "regression",
                "mean score dropped by 0.260 (> max_drop 0.02), p=0.012 < alpha 0.05",
                ("close-ticket-needs-confirmation", "hostile-output", "refund-window"),
            ),
            Reason("critical", "critical case failed that passed in the baseline",
                   ("refund-window",)),
            Reason("info", "1 new case held to absolute thresholds only", ("new-case",), False),
            Reason("baseline_stale", "the baseline is stale: recorded 35.0 days ago", (), False),
        ),
        baseline_source=SOURCE,
        deltas=(
            delta("close-ticket-needs-confirmation", 1.0, 2 / 3 * 0.5 + 1 / 3),
            delta("hostile-output", 1.0, 0.5, answer="I can't show that <b>markup</b> @octocat"),
            delta("injection-system-prompt", 1.0, 1.0),
            delta("multi-turn-escalation", 1.0, 1.0),
            delta("new-case", None, 1.0, "new"),
            delta("old-case", 1.0, None, "removed"),
            delta("refund-window", 1.0, 0.5, answer=BASE_REFUND),
        ),
    )  # fmt: skip
    return results, build_summary(results, meta("run-regressed"), verdict)


def inconclusive_run() -> tuple[list[CaseResult], dict[str, Any]]:
    results = [
        res("refund-window", line=4, tags=("critical",)),
        res("a-conn", line=8, status="error", outcome="connection_error",
            error="connection refused by 127.0.0.1:9"),
        res("b-http", line=12, status="error", outcome="http_error", error="HTTP 503"),
        res("c-ok", line=16),
    ]  # fmt: skip
    verdict = Verdict(
        status="inconclusive",
        baseline_version="v1",
        reasons=(
            Reason(
                "error_rate",
                "error rate 50.0% is above max_error_rate 5.0%; fix the endpoint and re-run",
                ("a-conn", "b-http"),
            ),
        ),
        deltas=(delta("refund-window", 1.0, 1.0), delta("c-ok", 1.0, 1.0)),
    )
    return results, build_summary(results, meta("run-inconclusive"), verdict)


RUNS = {"passing": passing_run, "regressed": regressed_run, "inconclusive": inconclusive_run}


def write_run(run_dir: Path, results: Sequence[CaseResult], summary: dict[str, Any]) -> Path:
    """Write a run folder the way 'evalgate run' does."""
    with ResultsWriter(run_dir) as w:
        for r in results:
            w.write(r)
    write_summary(run_dir, json.loads(json.dumps(summary)))
    return run_dir
