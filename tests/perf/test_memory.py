"""Memory after a run stays small: results are read back compact, details only where shown."""

from __future__ import annotations

import json
import random
import tracemalloc
from pathlib import Path

from evalgate.model import Response, ToolCall
from evalgate.report.view import DETAIL_ROWS, RunView
from evalgate.results import CaseResult, TurnRecord, read_results
from evalgate.results_compact import read_compact, read_details
from evalgate.scorers.registry import ScoreRecord
from evalgate.summary import RunMeta, build_summary


def _result(i: int, rng: random.Random, repeat: int = 0) -> CaseResult:
    status = rng.choices(["passed", "failed", "error", "skipped"], [85, 8, 5, 2])[0]
    outcome = "timeout" if status == "error" and i % 2 else "success"
    resp = Response(
        output=f"Customers can ask for a refund within 30 days, case {i} " + "x" * 300,
        citations=("kb-refunds",),
        retrieved=("kb-refunds", f"kb-{i}"),
        tool_calls=(ToolCall("search_kb", {"query": f"refund {i}"}),),
        prompt_version=rng.choice(["v1", "v1", "v2"]),
        model="m",
        input_tokens=400 + i % 7,
        output_tokens=38,
        cost_usd=0.001 if i % 3 else None,
        latency_ms=rng.uniform(10, 90),
        trace_id=f"tr-{i}",
        missing=("citations",) if i % 5 == 0 else (),
    )
    turns = (TurnRecord({"message": f"turn {i}"}, resp, "success", 12.0),) if i % 11 == 0 else ()
    passed = status == "passed"
    return CaseResult(
        case_id=f"q{i:06d}",
        dataset="bench" if i % 4 else "other",
        repeat=repeat,
        status=status,
        outcome=outcome,
        passed=passed,
        score=None if status in ("error", "skipped") else (1.0 if passed else 0.4),
        scores=(
            ScoreRecord("contains", 1.0, True, 'contains "30 days"'),
            ScoreRecord("citation", 1.0 if passed else 0.0, passed, f"cited {i % 3}"),
        )
        if status in ("passed", "failed")
        else (),
        latency_ms=rng.uniform(10, 90),
        request={"message": f"How long do customers have to ask for a refund? #{i}"},
        response=None if outcome != "success" else resp,
        turns=turns,
        error="boom" if status == "error" else None,
        tags=("smoke",) if i % 3 == 0 else (),
        file="goldens/a.yaml",
        line=i + 1,
        content_hash=f"{i:016x}",
        confirmation=repeat > 0 and i % 2 == 0,
    )


def _write(path: Path, n: int, repeats: int = 1) -> None:
    rng = random.Random(7)
    with open(path / "results.jsonl", "w", encoding="utf-8") as f:
        for i in range(n):
            for k in range(repeats):
                f.write(json.dumps(_result(i, rng, k).to_dict()) + "\n")


def test_compact_results_summarise_exactly_like_complete_ones(tmp_path: Path) -> None:
    _write(tmp_path, 400, repeats=2)
    full, compact = read_results(tmp_path), read_compact(tmp_path)
    meta = RunMeta(run_id="r", started_at="t")
    assert build_summary(compact, meta, None) == build_summary(full, meta, None)
    assert [(r.case_id, r.repeat, r.status, r.scores, r.error) for r in compact] == [
        (r.case_id, r.repeat, r.status, r.scores, r.error) for r in full
    ]
    assert all(r.request is None for r in compact)
    assert any(r.request is not None for r in full)


def test_a_view_from_compact_results_shows_the_same_details(tmp_path: Path) -> None:
    n = DETAIL_ROWS + 1000
    _write(tmp_path, n)
    full, compact = read_results(tmp_path), read_compact(tmp_path)
    summary = build_summary(full, RunMeta(run_id="r", started_at="t"), None)
    a = RunView.build(full, summary)
    b = RunView.build(compact, summary, details=tmp_path)
    assert [c.case_id for c in a.cases] == [c.case_id for c in b.cases]
    shown = {c.case_id for c in a.flagged}
    shown.update([c.case_id for c in a.cases if not c.flagged][:DETAIL_ROWS])
    for ra, rb in zip(a.cases, b.detailed(b.cases), strict=True):
        assert ra.first_failure == rb.first_failure
        assert ra.latency_ms == rb.latency_ms
        if ra.case_id in shown:
            assert ra.repeats == rb.repeats  # requests and answers read back
        else:
            assert all(r.request is None for r in rb.repeats)
    assert len(shown) < n  # some passing cases past the cap were left compact


def test_read_details_keeps_the_last_write_per_repeat(tmp_path: Path) -> None:
    rng = random.Random(1)
    first, again = _result(1, rng), _result(1, rng)
    lines = [first, _result(2, rng), again]
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r.to_dict()) + "\n" for r in lines))
    got = read_details(tmp_path, {"q000001"})
    assert list(got) == ["q000001"] and got["q000001"] == [again]


def test_summarising_results_stays_small_per_result(tmp_path: Path) -> None:
    n = 5_000  # the bound is per result: 5,000 tell compact from complete as 20,000 did
    _write(tmp_path, n)
    tracemalloc.start()
    try:
        results = read_compact(tmp_path)
        build_summary(results, RunMeta(run_id="r", started_at="t"), None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # complete CaseResult objects with their requests and answers take ~4 KB each here
    # (~20 MB); compact ones with shared values well under 1.5 KB (~1 KB: 4.9 MB)
    assert peak < 1_500 * n, f"peak {peak / 1e6:.1f} MB, {peak / n:.0f} bytes per result"


def test_loaded_goldens_stay_small_per_case(tmp_path: Path) -> None:
    """A golden set is held for the whole run: cases laid out alike share their scorers'
    shape, parameters and metadata (about 1 KB per case before, ~600 bytes now)."""
    from evalgate.config.goldens import load_goldens
    from evalgate.scorers.registry import REGISTRY

    REGISTRY.ensure_builtins()
    case = (
        "  - id: q{i:05d}\n    input: {{message: 'How long is the refund window? #{i}'}}\n"
        "    expect:\n      - contains: '30 days'\n"
        "      - citation: {{required: true, any_of: [kb-refunds]}}\n"
        "      - tool_call: {{name: search_kb}}\n"
    )
    n = 1000
    text = "dataset: d\ndefaults: {metadata: {tenant: acme}}\ncases:\n"
    (tmp_path / "g.yaml").write_text(text + "".join(case.format(i=i) for i in range(n)))
    (tmp_path / "warm.yaml").write_text(text + case.format(i=0))
    load_goldens([tmp_path / "warm.yaml"])  # what is loaded once (schemas, caches) is not counted
    tracemalloc.start()
    try:
        gs = load_goldens([tmp_path / "g.yaml"])
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(gs.cases) == n and gs.ok
    assert held / n < 750, f"{held / n:.0f} bytes per case"
