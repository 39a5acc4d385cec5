"""The progress total is counted without building the work items."""

from __future__ import annotations

import types

from evalgate.model import Case
from evalgate.runner import count_work_items, work_items


def test_count_matches_the_items_yielded() -> None:
    cases = [Case(id=f"c{i}", dataset="d", repeat=1 + i % 3) for i in range(10)]
    done = frozenset({("c1", 0), ("c2", 1), ("c9", 5)})
    for override in (None, 1, 4):
        items = work_items(cases, override, done)
        assert isinstance(items, types.GeneratorType)  # built lazily, as the runner takes them
        expected = len(list(items))
        assert count_work_items(cases, override, done) == expected
    assert count_work_items(cases) == sum(1 + i % 3 for i in range(10))
    assert count_work_items(cases, 2, done) == 20 - 2
