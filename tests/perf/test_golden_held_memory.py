"""What a loaded golden set holds for the whole run stays a small multiple of its inputs.

A run holds its golden set while the calls are made. A case's input is held as bytes
(``model.PackedCase``); when the loader stored it as the parsed dict, the set held about
1.8 times what its inputs take as plain dicts, now about 1.25 times.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from pathlib import Path

from evalgate.config import goldens
from evalgate.model import Case

N = 1_500


def _golden(n: int) -> str:
    lines = ["dataset: bench", "defaults: {metadata: {tenant: acme}}", "cases:"]
    for i in range(n):
        lines += [
            f"  - id: q{i:06d}",
            f'    input: {{message: "How long do customers have to ask for a refund? #{i}"}}',
            "    expect:",
            '      - contains: "30 days"',
            "      - tool_call: {name: search_kb}",
        ]
    return "\n".join(lines) + "\n"


def _held(fn: object, *args: object) -> tuple[int, object]:
    """What ``fn(*args)`` returns, and the memory it still holds once made."""
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    out = fn(*args)  # type: ignore[operator]
    gc.collect()
    return tracemalloc.get_traced_memory()[0] - before, out


def _inputs(cases: list[Case]) -> list[object]:
    """The inputs as the plain dicts they were parsed as (new ones, nothing shared)."""
    return [json.loads(json.dumps(c.input)) for c in cases]


def test_a_loaded_golden_set_holds_little_more_than_its_inputs(tmp_path: Path) -> None:
    small, big = tmp_path / "small.yaml", tmp_path / "big.yaml"
    small.write_text(_golden(3), encoding="utf-8")
    big.write_text(_golden(N), encoding="utf-8")
    goldens.load_golden_file(small)  # imports and first-use caches
    tracemalloc.start()
    try:
        golden, (cases, problems) = _held(goldens.load_golden_file, big)  # type: ignore[misc]
        assert problems == [] and len(cases) == N
        inputs, _ = _held(_inputs, cases)
    finally:
        tracemalloc.stop()
    # the set: every case's record, id, line, hash and packed input (its scorers are shared)
    assert golden < inputs * 1.5, f"golden set {golden / 1e6:.2f} MB, inputs {inputs / 1e6:.2f} MB"
