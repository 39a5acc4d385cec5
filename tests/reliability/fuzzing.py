"""Helpers for the bad-input suite: mutations of valid documents and an in-process CLI call."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from evalgate import masking
from evalgate.cli.main import main

# deterministic: the same examples on every machine and every run, no example database;
# EVALGATE_FUZZ_EXAMPLES raises the count for a longer hunt (the default keeps the suite fast)
EXAMPLES = int(os.environ.get("EVALGATE_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", "0", "-1", "1e999", "NaN", "true", "v1", "{{ x }}", "${NOPE}", "*"]),
    # the numbers that break conversions: infinities, NaN, huge and negative values
    st.sampled_from([math.inf, -math.inf, math.nan, 1e308, 2**63, -1, 0.5]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def paths(obj: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside a JSON-like document (the root excluded)."""
    if isinstance(obj, dict):
        items: Sequence[tuple[Any, Any]] = list(obj.items())
    elif isinstance(obj, list):
        items = list(enumerate(obj))
    else:
        return
    for k, v in items:
        yield (*prefix, k)
        yield from paths(v, (*prefix, k))


def set_at(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A deep copy of ``doc`` with the value at ``path`` replaced (or deleted for ``...``)."""
    out = copy.deepcopy(doc)
    parent = out
    for k in path[:-1]:
        parent = parent[k]
    if value is ...:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return out


@st.composite
def hand_edits(draw: st.DrawFn, doc: Any) -> Any:
    """``doc`` after one to three hand edits: a value replaced by anything, or a key deleted."""
    for _ in range(draw(st.integers(1, 3))):
        all_paths = list(paths(doc))
        if not all_paths:
            break
        # half the edits near the top, where a hand edit of a field's type usually lands
        shallow = [p for p in all_paths if len(p) <= 2]
        pool = shallow if shallow and draw(st.booleans()) else all_paths
        path = draw(st.sampled_from(pool))
        doc = set_at(doc, path, draw(st.one_of(json_values, st.just(...))))
    return doc


@st.composite
def damaged_text(draw: st.DrawFn, text: str) -> str:
    """``text`` truncated, with a slice removed, or with junk inserted."""
    kind = draw(st.sampled_from(["truncate", "cut", "insert"]))
    i = draw(st.integers(0, len(text)))
    if kind == "truncate":
        return text[:i]
    if kind == "cut":
        j = draw(st.integers(i, min(len(text), i + 40)))
        return text[:i] + text[j:]
    junk = draw(
        st.sampled_from(["{", "]", ":", "- ", '"', "\t", "&a ", "*a", "!!python/none", "\x00"])
    )
    return text[:i] + junk + text[i:]


@dataclass
class Cli:
    code: int
    out: str
    err: str

    def assert_clean(self, allowed: set[int]) -> None:
        """Never a traceback nor an internal error; an error always says something."""
        assert self.code in allowed, (self.code, self.err[-2000:])
        assert "Traceback" not in self.err and "internal error" not in self.err, self.err
        if self.code == 2:
            assert self.err.strip() or self.out.strip(), "exit 2 without a message"


def cli(args: list[str], cwd: Path) -> Cli:
    """Run the CLI in-process in ``cwd`` with stdout/stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    os.chdir(cwd)
    debug = os.environ.pop("EVALGATE_DEBUG", None)  # `--debug` elsewhere sets it for good
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    finally:
        os.chdir(old)
        masking.clear()
        if debug is not None:
            os.environ["EVALGATE_DEBUG"] = debug
    return Cli(code, out.getvalue(), err.getvalue())


def dump_json(doc: Any) -> str:
    return json.dumps(doc, indent=2, default=str)
