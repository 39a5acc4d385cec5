"""``BaselineStore.latest`` is the last of ``list`` and refuses what ``list`` refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalgate.errors import ConfigError
from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.gate.baseline_store import BaselineStore


def _baseline(version: str, recorded_at: str, n: int = 3) -> Baseline:
    cases = {f"c{i:05d}": BaselineCase(f"h{i}", 1.0, 1.0, 1, 1, answer="x" * 40) for i in range(n)}
    return Baseline(prompt_version=version, recorded_at=recorded_at, cases=cases)


STAMPS = [
    ("a", "2026-01-02T00:00:00+00:00"),
    ("b", "2026-01-03T00:00:00Z"),
    ("c", "2026-01-03T00:00:00+00:00"),  # the same instant as b: ordered by version
    ("d", "not a time"),  # unreadable: oldest
    ("e", "2026-01-01T00:00:00"),
]


@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_latest_is_the_last_listed(tmp_path: Path, count: int) -> None:
    store = BaselineStore(tmp_path / "baselines")
    for version, stamp in STAMPS[:count]:
        store.save(_baseline(version, stamp))
    listed = store.list()
    assert store.latest() == (listed[-1] if listed else None)


def test_latest_of_equal_times_and_versions_is_the_later_file(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    store.save(_baseline("v", "2026-01-01T00:00:00+00:00"))
    # the same version and time under another file name (copied by hand)
    (tmp_path / "w.json").write_text((tmp_path / "v.json").read_text().replace('"c00000"', '"z"'))
    assert store.list()[-1] == store.latest()
    assert "z" in store.latest().cases  # type: ignore[union-attr]


def test_latest_refuses_a_damaged_file_as_list_does(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    store.save(_baseline("a", "2026-01-02T00:00:00+00:00"))
    store.save(_baseline("c", "2026-01-04T00:00:00+00:00"))
    (tmp_path / "b.json").write_text("{broken", encoding="utf-8")
    (tmp_path / "d.json").write_text('{"format_version": 99}', encoding="utf-8")
    with pytest.raises(ConfigError) as listed:
        store.list()
    with pytest.raises(ConfigError) as latest:
        store.latest()
    assert str(latest.value) == str(listed.value)
    assert "b.json" in str(latest.value)
