"""Reading a baseline file does not hold its document as dicts beside the baseline.

Every gated run, ``merge``, ``rescore`` and ``baseline record`` (growing a history) read one;
each case's figures used to be held as a dict, for the whole file, while the typed baseline was
built from them. The bound is a ratio to what reading the whole document and typing it takes.
"""

from __future__ import annotations

from pathlib import Path

from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.gate.baseline_check import check_document, parse_strict
from evalgate.gate.baseline_store import BaselineStore
from tests.perf.test_compare_memory import _held
from tests.perf.test_stored_memory import _peak


def _save(store: BaselineStore, n: int, spread: bool = False) -> Path:
    """A baseline of ``n`` passing cases; ``spread``: their latencies all differ (else 7 kinds)."""
    cases = {
        f"q{i:06d}": BaselineCase(
            f"{i:016x}", 1.0, 1.0, 1, 1, dataset="bench",
            scorer_pass={"contains": (1, 1), "citation": (1, 1), "tool_call": (1, 1)},
            latency_p95_ms=20.0 + (i / 7 if spread else i % 7), mean_tokens=450.0,
        )
        for i in range(n)
    }  # fmt: skip
    return store.save(Baseline(prompt_version="v", recorded_at="2026-01-01", cases=cases))


def _whole(path: Path) -> Baseline:
    data = parse_strict(path.read_text(encoding="utf-8"))
    check_document(data)
    return Baseline.from_dict(data)


def test_a_baseline_is_read_without_its_document(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    _save(store, 20)
    store.load("v")  # imports and first-use caches
    path = _save(store, 3000)
    whole = _peak(lambda: _whole(path))
    read = _peak(lambda: store.load("v"))
    # before: store.load was _whole
    assert read < whole * 0.7, f"read {read / 1e6:.1f} MB, whole {whole / 1e6:.1f} MB"


def test_a_baseline_file_is_read_without_its_text(tmp_path: Path) -> None:
    # a file as 'baseline record' writes it: some answers not ASCII (the whole text would be
    # held at two bytes a character), a history of two runs per case
    store = BaselineStore(tmp_path)
    n = 10_000
    cases = {
        f"q{i:06d}": BaselineCase(
            f"{i:016x}", 1.0, 1.0, 2, 2, dataset="bench", scorer_pass={"contains": (2, 2)},
            latency_p95_ms=20.0 + i, mean_tokens=450.0, history=((1, 1, 1.0), (1, 1, 1.0)),
            answer="réponse → [kb-refunds] " * 2 if i % 2 else None,
        )
        for i in range(n)
    }  # fmt: skip
    path = store.save(Baseline(prompt_version="v", recorded_at="2026-01-01", cases=cases))
    del cases
    store.load("v")  # imports and first-use caches
    base, held, peak = _held(lambda: store.load("v"))
    assert len(base.cases) == n
    text = path.stat().st_size * 2
    # before: the file's text (about 1.3 times what the baseline holds) beside the document
    # being parsed, a peak of about 3.4 times what it holds; now about 1.3
    assert peak < held * 1.6, f"peak {peak / 1e6:.1f} MB, held {held / 1e6:.1f} MB"
    assert peak - held < text * 0.3, f"{(peak - held) / 1e6:.1f} MB beside, text {text / 1e6:.1f}"
