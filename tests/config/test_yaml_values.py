"""YAML scalars that parse but are no usable value: a located problem each, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalgate.config.goldens import load_goldens
from evalgate.config.yamlsrc import load_yaml_text

BIG = "1" * 5000


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        (f"a:\n  b: {BIG}\n", (2, 6), "5000 characters is too long"),
        (f"a:\n  ? {BIG}\n  : 1\n", (2, 5), "5000 characters is too long"),
        (f"a: -{BIG}\n", (1, 4), "too long"),
        ("a:\n  - 1.0e+999\n", (2, 5), "'1.0e+999' is not a finite number"),
        ("a: .nan\n", (1, 4), "'.nan' is not a finite number"),
        ("a: -.inf\n", (1, 4), "not a finite number"),
        (f"a: {'9' * 400}\n", (1, 4), "too large to use"),
    ],
)
def test_unusable_numbers_are_located_problems(
    text: str, where: tuple[int, int], says: str
) -> None:
    _doc, problems = load_yaml_text(text, "f.yaml")
    assert [(p.line, p.col) for p in problems] == [where]
    assert says in problems[0].message and "quote it" in problems[0].message


def test_large_but_usable_numbers_and_quoted_digits_load() -> None:
    doc, problems = load_yaml_text(f"a: {'9' * 300}\nb: '{BIG}'\nc: 1.5e+300\n", "f.yaml")
    assert problems == []
    assert doc.data == {"a": int("9" * 300), "b": BIG, "c": 1.5e300}


def test_weights_past_a_million_are_refused_where_written(tmp_path: Path) -> None:
    # two scorers weighing 1e308 add up to infinity: the case score would be NaN
    golden = tmp_path / "g.yaml"
    golden.write_text(
        "dataset: d\ncases:\n  - id: c1\n    input: {q: a}\n    weight: 2.0e+6\n"
        "    expect: [{contains: a, weight: 1.0e+308}, {contains: a}]\n"
    )
    problems = [str(p) for p in load_goldens([golden]).problems]
    assert len(problems) == 2, problems
    assert all("'weight' must be <= 1000000" in p for p in problems)
    assert sorted(p.split(": ")[0].rsplit(":", 2)[1] for p in problems) == ["5", "6"]
