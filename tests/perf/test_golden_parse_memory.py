"""A large golden file is parsed case by case: the parse does not hold the whole YAML tree."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from evalgate.config import goldens
from evalgate.scorers.registry import REGISTRY

N = 1_500
# the cases themselves take ~1.5 KB each; the whole-document parse peaked at ~17 KB per case
BOUND_MB = 8.0


def _golden(n: int) -> str:
    lines = ["dataset: bench", "defaults: {metadata: {tenant: acme}}", "cases:"]
    for i in range(n):
        lines += [
            f"  - id: q{i:06d}",
            f'    input: {{message: "How long do customers have to ask for a refund? #{i}"}}',
            "    expect:",
            '      - contains: "30 days"',
            "      - citation: {required: true, any_of: [kb-refunds], must_be_retrieved: true}",
            "      - tool_call: {name: search_kb}",
        ]
    return "\n".join(lines) + "\n"


def _peak_mb(fn: object, *args: object) -> tuple[float, object]:
    tracemalloc.start()
    try:
        out = fn(*args)  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1] / 1e6, out
    finally:
        tracemalloc.stop()


def test_parsing_a_large_golden_file_peaks_low(tmp_path: Path) -> None:
    small, f = tmp_path / "small.yaml", tmp_path / "big.yaml"
    small.write_text(_golden(3), encoding="utf-8")
    f.write_text(_golden(N), encoding="utf-8")
    goldens.load_golden_file(small)  # imports and schema caches first
    peak, (cases, problems) = _peak_mb(goldens.load_golden_file, f)  # type: ignore[misc]
    assert problems == [] and len(cases) == N
    assert peak < BOUND_MB, f"loading {N} cases peaked at {peak:.1f} MB"


def test_the_bound_is_below_the_whole_document_parse(tmp_path: Path) -> None:
    text = _golden(N // 3)
    goldens._load_whole(_golden(3), "g.yaml", "g", REGISTRY)
    whole, _ = _peak_mb(goldens._load_whole, text, "g.yaml", "g", REGISTRY)
    streamed, _ = _peak_mb(goldens._load_streamed, text, "g.yaml", "g", REGISTRY)
    assert whole * 3 > BOUND_MB  # the old way would fail the bound above
    assert streamed * 3 < whole, (streamed, whole)
