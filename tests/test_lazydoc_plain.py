"""``lazydoc.plain`` and the wide summary writer decide what is lazy by exact type for JSON's
own values: the same answers as the isinstance checks they skip, and no call into ``abc``
per entry (it cost several microseconds per case when a large summary was written)."""

from __future__ import annotations

import abc
import io
import json
from collections import OrderedDict
from typing import Any
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from evalgate import fsutil
from evalgate.lazydoc import LazyList, LazyMap, plain
from tests.support.oracle import oracle


def plain_reference(value: Any) -> Any:
    """The definition: every LazyMap and LazyList built, dicts copied only where needed."""
    if isinstance(value, LazyMap):
        return {k: plain_reference(v) for k, v in value.entries()}
    if isinstance(value, LazyList):
        return [plain_reference(v) for v in value]
    if isinstance(value, dict):
        if not any(isinstance(v, (LazyMap, LazyList, dict)) for v in value.values()):
            return value
        return {k: plain_reference(v) for k, v in value.items()}
    return value


class Sub(dict[str, Any]):
    pass


leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=4)
)


def _wrap(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keyed = st.dictionaries(st.text(max_size=3), children, max_size=4)
    return st.one_of(
        keyed,
        keyed.map(Sub),
        keyed.map(OrderedDict),
        keyed.map(lambda d: LazyMap(d, lambda v: v)),
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.lists(children, max_size=4).map(lambda xs: LazyList(xs, lambda v: v)),
    )


documents = st.recursive(leaves, _wrap, max_leaves=20)


@oracle(150)
@given(documents)
def test_plain_is_the_definition(value: Any) -> None:
    got, want = plain(value), plain_reference(value)
    assert got == want
    assert type(got) is type(want)
    assert (got is value) == (want is value)  # copied exactly where the definition copies


def test_writing_case_entries_makes_no_abc_check_per_entry() -> None:
    entry = {"dataset": "d", "content_hash": "h", "file": "f.yaml", "line": 4, "tags": ["a"]}
    entry |= {"n": 1, "errors": 0, "skipped": False, "score": 1.0, "pass_rate": None}
    cases = LazyMap({f"c{i}": i for i in range(500)}, lambda i: dict(entry, line=i))
    doc = {"cases": cases, "verdict": {"deltas": LazyList(list(range(500)), lambda i: {"d": i})}}
    calls = 0
    real = abc.ABCMeta.__instancecheck__

    def counting(cls: Any, instance: Any) -> bool:
        nonlocal calls
        calls += 1
        return real(cls, instance)

    out = io.StringIO()
    with mock.patch.object(abc.ABCMeta, "__instancecheck__", counting):
        fsutil._wide(doc, 0, out)
    assert json.loads(out.getvalue()) == plain_reference(doc)
    assert '\n    "c499": {"dataset": "d", "content_hash": "h", "file": "f.yaml", "line": 499,' in (
        out.getvalue()
    )  # an entry per line
    assert calls < 100, calls  # was about 15 per entry: over 10,000 here
