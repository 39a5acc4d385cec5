"""The result-line checks ask for JSON's exact types first and fall back to the general
check: the same answer as the general check for every value, exact types or not."""

from __future__ import annotations

import math
import sys
from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalgate import results_check as rc
from evalgate.jsonsafe import finite_number
from tests.support.oracle import oracle


class Num(float):
    pass


class Whole(int):
    pass


class Text(str):
    pass


SPECIAL: list[Any] = [
    0.0, -0.0, 1.0, math.inf, -math.inf, math.nan, sys.float_info.max, -sys.float_info.max,
    5e-324, 10**400, -(10**400), 10**308, True, False, None, 0, -1, Num(1.5), Num(math.inf),
    Num(math.nan), Whole(3), "1", Text("a"), [], {}, OrderedDict(), MappingProxyType({}),
    ["a", Text("b")], ["a", 1], [Text("x")], ("a",), b"x",
]  # fmt: skip


def _answers(v: Any) -> tuple[bool, bool, bool, bool]:
    return rc._num(v), rc._int(v), rc._map(v), rc._strs(v)


def _general(v: Any) -> tuple[bool, bool, bool, bool]:
    strs = v is None or (isinstance(v, list) and all(isinstance(x, str) for x in v))
    return (
        finite_number(v),
        isinstance(v, int) and not isinstance(v, bool),
        isinstance(v, Mapping),
        strs,
    )


@pytest.mark.parametrize("value", SPECIAL, ids=repr)
def test_special_values(value: Any) -> None:
    assert _answers(value) == _general(value)


values = st.one_of(
    st.floats(),
    st.floats().map(Num),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**320),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
    st.lists(st.one_of(st.text(max_size=2), st.text(max_size=2).map(Text), st.integers())),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)


@oracle(300)
@given(values)
def test_any_value(value: Any) -> None:
    assert _answers(value) == _general(value)
