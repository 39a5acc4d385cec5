"""``compare`` at its peak: the reference baseline beside the candidate's statistics, and the
gate's own inputs while it judges them.

A baseline made from a run (``compare``'s reference, ``baseline record``) used to copy each
case's per-scorer counts into a mapping of its own, although the run's statistics share equal
ones; and the drop rule held a row of every shared case's records, a pair with an attribute
dict per case and a set of both sides' ids for the deltas. The bounds are ratios to what the
same cases' statistics (``aggregate``) and the verdict's deltas hold.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from evalgate.config.model import GateConfig
from evalgate.gate.baseline import Baseline, BaselineCase, baseline_from_run
from evalgate.gate.policy import evaluate
from evalgate.model import Response
from evalgate.results import CaseResult, CaseStats, aggregate
from evalgate.run_summary import RunSummary
from evalgate.scorers.registry import ScoreRecord

N = 3000
_SCORES = (
    ScoreRecord("contains", 1.0, True, ""),
    ScoreRecord("citation", 1.0, True, ""),
    ScoreRecord("tool_call", 0.0, False, "no"),
)
_RESPONSE = Response(output="ok", prompt_version="v1", input_tokens=400, output_tokens=50)


def _results(n: int) -> list[CaseResult]:
    return [
        CaseResult(
            case_id=f"q{i:06d}",
            dataset="app",
            repeat=0,
            status="passed" if i % 4 else "failed",
            outcome="success",
            passed=bool(i % 4),
            score=(i % 3) / 2,
            scores=_SCORES,
            content_hash=f"{i:016x}",
            latency_ms=10.0 + i % 7,
            response=_RESPONSE,
        )
        for i in range(n)
    ]


def _held(fn: Callable[[], Any]) -> tuple[Any, int, int]:
    """What ``fn`` returns, the bytes it still holds, and its peak above the start."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        out = fn()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return out, held - before, peak - before


def test_a_baseline_from_a_run_shares_equal_scorer_counts() -> None:
    results = _results(N)
    summary = RunSummary(run_id="r")
    _, stats_held, _ = _held(lambda: aggregate(results))
    base, held, _ = _held(lambda: baseline_from_run(results, summary, prompt_version="v"))
    assert len(base.cases) == N
    assert len({id(c.scorer_pass) for c in base.cases.values()}) == 1
    # before: a mapping of its own per case, about 2.5 times the statistics (now 1.3)
    assert held < stats_held * 1.8, f"baseline {held / N:.0f} B/case, stats {stats_held / N:.0f}"


def _stats(i: int) -> CaseStats:
    passes = int(i % 5 != 0)
    return CaseStats(
        case_id=f"q{i:06d}", dataset="app", content_hash=f"{i:016x}", tags=(), file="g.yaml",
        line=i, n=1, errors=0, skipped=False, score=(i % 4) / 3, pass_rate=float(passes),
        passes=passes, scorer_pass={"contains": (passes, 1)},
    )  # fmt: skip


def test_the_gate_holds_little_beside_the_deltas_it_returns() -> None:
    candidate = {f"q{i:06d}": _stats(i) for i in range(N)}
    cases = {
        f"q{i:06d}": BaselineCase(f"{i:016x}", 1.0 - (i % 3) / 4, 1.0, 1, 1)
        for i in range(200, N + 200)
    }  # shared, new and removed cases
    base = Baseline(prompt_version="v", recorded_at="t", cases=cases)
    cfg = GateConfig()
    evaluate(dict(list(candidate.items())[:50]), base, cfg, ci_resamples=0)  # first-use caches
    verdict, held, peak = _held(lambda: evaluate(candidate, base, cfg, ci_resamples=0))
    assert len(verdict.deltas) == N + 200
    assert verdict.status == "fail"  # a real drop: the drop rule ran to its end
    # before: about 2.8 times what the verdict holds (rows, dict-backed pairs, id sets, copies);
    # now about 2.4
    assert peak < held * 2.6, f"peak {peak / N:.0f} B/case, held {held / N:.0f} B/case"


def test_the_candidate_holds_the_reference_s_case_ids_and_hashes(tmp_path: Path) -> None:
    # compare holds the reference while it reads the candidate: the candidate's ids and
    # content hashes (each a string per case) were a second copy of the reference's
    from evalgate.engine.stored import held_texts, load_indexed, load_reference
    from tests.perf.test_stored_memory import _run_dir

    base = _run_dir(tmp_path / "base", range(1500))
    cand = _run_dir(tmp_path / "cand", range(1500))
    reference = load_reference(base)
    run, _ = load_indexed(cand, known=held_texts(reference))
    strings = {id(s) for b in (reference.cases, run.results) for s in _texts(b)}
    ids = {r.case_id for r in run.results} | {r.content_hash for r in run.results}
    assert len(run.results) == 1500 and len(reference.cases) > 1200  # errors are left out
    # before: two objects per case id and per hash, one on each side
    assert len(strings) <= len(ids) * 1.05, f"{len(strings)} strings for {len(ids)} values"


def _texts(held: Any) -> Any:
    if isinstance(held, Mapping):
        for cid, case in held.items():
            yield cid
            yield case.content_hash
    else:
        for r in held:
            yield r.case_id
            yield r.content_hash
