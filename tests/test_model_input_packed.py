"""A loaded case holds its input compactly and reads it back equal, whatever the value."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from evalgate.config.goldens import load_goldens
from evalgate.model import Case, PackedCase
from evalgate.scorers.registry import REGISTRY


def test_input_read_back_equal_in_order_and_types() -> None:
    value = {"z": "ü\ud800x", "a": [1, 2.5, -0.0, True, None, 2**80, {"k": (1, "t")}], "m": {}}
    c = PackedCase(id="a", dataset="d", input=value)
    got = c.input
    assert got == value and list(got) == ["z", "a", "m"]
    assert [type(x) for x in got["a"]] == [int, float, float, bool, type(None), int, dict]
    assert got is not c.input  # a new dict each read: a caller's change never reaches the case
    assert c == Case(id="a", dataset="d", input=value)
    assert type(c.__class__.__mro__[1].__dict__["input"].__get__(c)) is bytes


def test_input_marshal_cannot_hold_is_kept_as_it_is() -> None:
    class Text(str):
        pass

    for value in ({"when": datetime.date(2024, 1, 2)}, {"t": Text("x")}, {}):
        c = PackedCase(id="a", dataset="d", input=value)
        assert c.input is value


def test_packed_input_is_smaller() -> None:
    value = {"message": "How long do customers have to ask for a refund? #12345"}
    held = PackedCase(id="a", dataset="d", input=value).__class__.__mro__[1].__dict__["input"]
    packed = held.__get__(PackedCase(id="a", dataset="d", input=value))
    assert sys.getsizeof(packed) * 2 < sys.getsizeof(value) + sys.getsizeof(value["message"])


def _held_input(case: Case) -> object:
    return Case.__dict__["input"].__get__(case)


def test_of_packs_the_input_as_the_constructor_does() -> None:
    value = {"message": "How long do customers have to ask for a refund? #1"}
    fields = ["a", "d", value, (), (), (), {}, 1.0, 1, None, False, None, None, None, None]
    made = PackedCase.of(*fields, "g.yaml", 3, "h")
    assert type(_held_input(made)) is bytes
    assert made.input == value and made == PackedCase(
        id="a", dataset="d", input=value, file="g.yaml", line=3, content_hash="h"
    )


def test_loaded_cases_hold_their_input_as_bytes(tmp_path: Path) -> None:
    REGISTRY.ensure_builtins()
    case = '  - id: c{i}\n    input: {{message: "q #{i}"}}\n    expect:\n      - contains: y\n'
    (tmp_path / "g.yaml").write_text("cases:\n" + "".join(case.format(i=i) for i in range(40)))
    gs = load_goldens([tmp_path / "g.yaml"])
    assert gs.ok, gs.problems
    assert {type(_held_input(c)) for c in gs.cases} == {bytes}
    assert {c.id: c.input for c in gs.cases} == {f"c{i}": {"message": f"q #{i}"} for i in range(40)}
