"""A loaded case holds its scorers as a shape shared with cases laid out alike, and is still
equal, field by field, to the plain Case."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from evalgate.config.goldens import load_goldens
from evalgate.model import Case, ExpectShape, PackedCase, ScorerSpec, SpecShape
from evalgate.scorers.registry import REGISTRY

_HELD: object = Case.__dict__["expect"]  # the field's storage, under PackedCase's property


def _held(case: Case) -> object:
    return _HELD.__get__(case)  # type: ignore[attr-defined]


def test_a_shape_reads_back_as_the_cases_own_specs() -> None:
    shape = ExpectShape(
        [SpecShape("contains", "x", 2, 5, 1.0), SpecShape("t", {"a": 1}, -7, 3, 0.5)]
    )
    packed = PackedCase(id="a", dataset="d", expect=shape, file="g.yaml", line=10)  # type: ignore[arg-type]
    specs = (
        ScorerSpec("contains", "x", "g.yaml", 12, 5, 1.0),
        ScorerSpec("t", {"a": 1}, "g.yaml", 3, 3, 0.5),
    )
    plain = Case(id="a", dataset="d", expect=specs, file="g.yaml", line=10)
    assert packed.expect == specs
    assert packed == plain and plain == packed
    assert packed != dataclasses.replace(plain, line=11)
    assert dataclasses.replace(packed, line=3).expect == specs  # replace copies what was read
    with pytest.raises(dataclasses.FrozenInstanceError):
        packed.expect = ()  # type: ignore[misc]
    assert packed.expect_names == plain.expect_names == ("contains", "t")
    assert PackedCase(id="b", dataset="d").expect_names == ()


def test_loaded_cases_laid_out_alike_share_one_shape(tmp_path: Path) -> None:
    REGISTRY.ensure_builtins()
    case = "  - id: c{i}\n    input: {{m: x}}\n    expect:\n      - contains: y\n"
    (tmp_path / "g.yaml").write_text("cases:\n" + "".join(case.format(i=i) for i in range(3)))
    gs = load_goldens([tmp_path / "g.yaml"])
    assert gs.ok, gs.problems
    shapes = [_held(c) for c in gs.cases]
    assert type(shapes[0]) is ExpectShape and shapes[0] is shapes[1] is shapes[2]
    assert [(s.line, s.col) for c in gs.cases for s in c.expect] == [(5, 9), (9, 9), (13, 9)]


def test_the_files_default_scorers_keep_their_own_place(tmp_path: Path) -> None:
    REGISTRY.ensure_builtins()
    case = "  - id: c{i}\n    input: {{m: x}}\n    expect: [contains: y]\n"
    head = "defaults:\n  expect:\n    - contains: z\ncases:\n"
    (tmp_path / "g.yaml").write_text(head + "".join(case.format(i=i) for i in range(3)))
    gs = load_goldens([tmp_path / "g.yaml"])
    assert gs.ok, gs.problems
    assert [[(s.params, s.line, s.col) for s in c.expect] for c in gs.cases] == [
        [("y", 7, 14), ("z", 3, 7)],
        [("y", 10, 14), ("z", 3, 7)],
        [("y", 13, 14), ("z", 3, 7)],
    ]
    shapes = [_held(c) for c in gs.cases]
    assert type(shapes[0]) is ExpectShape and shapes[0] is shapes[1] is shapes[2]


def test_of_stores_every_field_as_the_dataclass_does() -> None:
    shape = ExpectShape([SpecShape("contains", "x", 2, 5, 1.0)])
    values = (
        "a",
        "d",
        {"m": 1},
        shape,
        (),
        ("t",),
        {"k": "v"},
        2.0,
        3,
        0.5,
        True,
        "why",
        "pending",
        {"s": 1},
        "desc",
        "g.yaml",
        10,
        "abc",
    )
    made = PackedCase.of(*values)
    assert made == PackedCase(*values)  # type: ignore[arg-type]
    assert [getattr(made, f.name) for f in dataclasses.fields(Case)][4:] == list(values[4:])
    assert made.expect == (ScorerSpec("contains", "x", "g.yaml", 12, 5, 1.0),)
    with pytest.raises(ValueError):
        PackedCase.of(*values[:-1])  # every field, or none made
