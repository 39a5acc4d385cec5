"""A summary's per-case parts are built when read: the same document, the same bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evalgate.fsutil import atomic_write_wide_json
from evalgate.gate.verdict import CaseDelta, Reason, Verdict
from evalgate.lazydoc import LazyList, LazyMap, json_default, plain
from evalgate.results import CaseResult
from evalgate.run_summary import RunSummary
from evalgate.summary import RunMeta, build_run_summary, write_summary


def _results(n: int) -> list[CaseResult]:
    return [
        CaseResult(f"c{i:03d}-ü", "d" if i % 2 else "e", r, "passed" if i % 4 else "failed",
                   "success", bool(i % 4), 1.0 if i % 4 else 0.25, tags=("t", f"x{i % 3}"),
                   file="g.yaml", line=i + 1, content_hash=f"h{i}")
        for i in range(n) for r in range(1 + i % 2)
    ]  # fmt: skip


def _verdict(n: int) -> Verdict:
    deltas = tuple(
        CaseDelta(f"c{i:03d}-ü", "shared" if i % 2 else "new", 1.0, 0.5, 1.0, 0.0,
                  base_answer=None if i % 3 else "was\nfine")
        for i in range(n)
    )  # fmt: skip
    return Verdict("fail", (Reason("regression", "dropped", ("c001-ü",)),), "v1", deltas=deltas)


def _eager(s: RunSummary) -> dict[str, Any]:
    """The document as it was built before its parts were lazy: every entry a plain value."""
    doc = plain(s.to_document())
    doc["cases"] = {k: v.to_dict() for k, v in s.cases.items()}
    doc["verdict"] = s.verdict.to_dict() if s.verdict else None
    return doc


def test_written_lazily_byte_for_byte_as_the_plain_document(tmp_path: Path) -> None:
    for verdict in (_verdict(40), None, Verdict("pass")):
        typed = build_run_summary(_results(40), RunMeta("r", "t"), verdict)
        write_summary(tmp_path, typed)
        lazy = (tmp_path / "summary.json").read_bytes()
        atomic_write_wide_json(tmp_path / "plain.json", _eager(typed))
        assert lazy == (tmp_path / "plain.json").read_bytes()
        assert typed.to_dict() == _eager(typed)
        assert json.loads(lazy) == json.loads(json.dumps(_eager(typed)))


def test_the_document_holds_no_entry_per_case() -> None:
    typed = build_run_summary(_results(30), RunMeta("r", "t"), _verdict(30))
    doc = typed.to_document()
    assert isinstance(doc["cases"], LazyMap) and len(doc["cases"]) == 30
    assert isinstance(doc["verdict"]["deltas"], LazyList) and len(doc["verdict"]["deltas"]) == 30
    assert doc["cases"]["c003-ü"] == typed.cases["c003-ü"].to_dict()
    assert doc["verdict"]["deltas"][2] == typed.verdict.deltas[2].to_dict()  # type: ignore[union-attr]
    # read as plain JSON when asked
    text = json.dumps(doc, default=json_default, sort_keys=True)
    assert json.loads(text) == json.loads(json.dumps(typed.to_dict(), sort_keys=True))


def test_lazy_parts_compare_like_what_they_stand_for() -> None:
    m = LazyMap({"a": 1, "b": 2}, lambda v: [v])
    assert m == {"a": [1], "b": [2]} and {"a": [1], "b": [2]} == m  # noqa: SIM300
    assert "a" in m and "z" not in m and list(m) == ["a", "b"]
    ls = LazyList((1, 2, 3), lambda v: v * 10)
    assert ls == [10, 20, 30] and ls[1:] == [20, 30] and ls != [10, 20]
    assert plain({"x": {"y": ls}, "m": m}) == {"x": {"y": [10, 20, 30]}, "m": {"a": [1], "b": [2]}}
