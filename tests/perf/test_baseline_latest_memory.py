"""Choosing the newest of several baselines holds one besides the newest, not all of them.

A run (or ``merge``, ``rescore``) with ``gate.baseline: auto`` and no baseline of its own
prompt version gates against the newest recorded one; every file is checked, and all used to
be held at once. The bound is a ratio to what holding them all takes.
"""

from __future__ import annotations

from pathlib import Path

from evalgate.gate.baseline_store import BaselineStore
from tests.gate.test_baseline_latest import _baseline
from tests.perf.test_stored_memory import _peak


def test_latest_holds_about_two_baselines_of_eight(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    for i in range(8):
        store.save(_baseline(f"v{i}", f"2026-01-0{i + 1}T00:00:00+00:00", n=1000))
    store.latest()  # first-use caches
    every = _peak(store.list)
    newest = _peak(store.latest)
    # before: latest() was list()[-1], every baseline held at once
    assert newest < every * 0.55, f"latest {newest / 1e6:.1f} MB, list {every / 1e6:.1f} MB"
