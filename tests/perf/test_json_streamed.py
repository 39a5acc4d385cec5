"""JSON files (summary.json) are streamed to disk: same bytes, without holding the whole text."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

from evalgate.fsutil import atomic_write_json


def _summary_like(n: int) -> dict[str, object]:
    return {
        "run_id": "r1",
        "naïve": "ünïcode kept",
        "cases": [
            {"id": f"q{i:06d}", "status": "passed", "score": 1.0, "scores": {"contains": 1.0}}
            for i in range(n)
        ],
    }


def test_same_bytes_as_dumps(tmp_path: Path) -> None:
    data = _summary_like(50)
    atomic_write_json(tmp_path / "s.json", data)
    want = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    assert (tmp_path / "s.json").read_bytes() == want.encode("utf-8")
    assert list(tmp_path.iterdir()) == [tmp_path / "s.json"]  # no temp file left


def test_writing_does_not_hold_the_text(tmp_path: Path) -> None:
    data = _summary_like(5_000)
    size = len(json.dumps(data, indent=2, ensure_ascii=False))
    tracemalloc.start()
    try:
        atomic_write_json(tmp_path / "s.json", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < size / 2, (peak, size)  # the old json.dumps held the text and its pieces
