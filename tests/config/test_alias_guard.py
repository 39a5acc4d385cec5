"""The alias-bomb guard counts what aliases add, not how many values a document has."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evalgate.config import goldens, yamlsrc
from evalgate.config.yamlsrc import ALIAS_BOMB, AliasCount, load_yaml_text
from evalgate.config.yamlstream import Fallback
from evalgate.errors import Problem
from evalgate.scorers.registry import REGISTRY


def _cases(n: int, extra: str = "") -> str:
    head = "dataset: d\ndefaults: {expect: &e [contains: x]}\ncases:\n"
    return head + "".join(f"  - {{id: c{i}, input: {{m: 'q {i}'}}{extra}}}\n" for i in range(n))


def _bomb(levels: int, indent: str = "") -> str:
    lines = [f'{indent}a0: &a0 ["lol"]']
    for i in range(1, levels):
        lines.append(f"{indent}a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


def test_the_count_is_the_size_each_alias_adds() -> None:
    node = yaml.compose("a: &a [1, 2]\nb: [*a, *a]\nc: {k: *a}\n", Loader=yamlsrc._Loader)
    count = AliasCount()
    # the mapping; a: [1, 2]; b: [*a, *a]; c: {k: *a}, fully expanded
    assert count.walk(node) == 1 + (1 + 3) + (1 + 1 + 2 * 3) + (1 + 1 + 1 + 3)
    assert count.added == 3 * 3  # three uses of a 3-value anchor


def test_many_values_without_aliases_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsrc, "MAX_ALIAS_VALUES", 50)
    doc, problems = load_yaml_text("x: [" + ", ".join(["1"] * 500) + "]\n", "c.yaml")
    assert problems == [] and len(doc.data["x"]) == 500
    cases, problems = goldens._load_whole(_cases(100), "g.yaml", "g", REGISTRY)
    assert problems == [] and len(cases) == 100


def test_aliases_adding_more_than_the_limit_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsrc, "MAX_ALIAS_VALUES", 50)
    text = "a: &a [1, 2, 3, 4]\nb: [" + ", ".join(["*a"] * 11) + "]\n"  # 11 x 5 = 55 added
    assert load_yaml_text(text, "c.yaml")[1] == [Problem("c.yaml", 1, 1, ALIAS_BOMB)]
    text = "a: &a [1, 2, 3, 4]\nb: [" + ", ".join(["*a"] * 10) + "]\n"  # 50: the limit
    assert load_yaml_text(text, "c.yaml")[1] == []


def test_a_large_file_with_anchors_is_read_case_by_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsrc, "MAX_ALIAS_VALUES", 1_000)
    text = _cases(250, ", expect: *e")  # 250 aliases of 4 values ([{contains: x}]): 1,000
    cases, problems = goldens._load_streamed(text, "g.yaml", "g", REGISTRY)  # no Fallback
    assert problems == [] and len(cases) == 250
    assert (cases, problems) == goldens._load_whole(text, "g.yaml", "g", REGISTRY)
    text = _cases(251, ", expect: *e")  # 1,004: past the limit
    with pytest.raises(Fallback):  # the whole-document parse words it (or a syntax error)
        goldens._load_streamed(text, "g.yaml", "g", REGISTRY)


@pytest.mark.parametrize("where", ["head", "case"])
def test_billion_laughs_is_refused_before_expanding(tmp_path: Path, where: str) -> None:
    bomb = _bomb(12, "      ")  # 10**11 values once expanded: never built
    if where == "head":
        text = "x:\n" + _bomb(12, "  ") + _cases(3)
    else:
        text = _cases(3) + "  - id: b\n    input:\n" + bomb
    f = tmp_path / "g.yaml"
    f.write_text(text, encoding="utf-8")
    cases, problems = goldens.load_golden_file(f)
    assert cases == []
    assert problems == [Problem(goldens.display_path(f), 1, 1, ALIAS_BOMB)]
