"""Golden files read case by case give exactly what the whole-document parse gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evalgate.config import goldens
from evalgate.config.yamlstream import Fallback, ItemStream
from evalgate.scorers.registry import REGISTRY

HEAD = "dataset: d\ndefaults: {tags: [base], metadata: {tenant: acme}, expect: [contains: x]}\n"
CASE = "  - id: {id}\n    input: {{message: hi}}\n    expect: [{{citation: {{required: true}}}}]\n"
GOOD = HEAD + "cases:\n" + "".join(CASE.format(id=f"c{i}") for i in range(4))

# files the case-by-case reader takes, valid or not
STREAMED = {
    "valid": GOOD,
    "cases first": "cases:\n  - {id: a, input: {m: x}}\n",
    "no defaults": "cases:\n  - {id: a, input: {m: x}, tags: [t], weight: 2, repeat: 3}\n",
    "turns": "cases:\n  - id: a\n    turns:\n      - {input: {m: x}, expect: [contains: y]}\n"
    "      - {input: {m: z}, expect: [{contaims: y}]}\n",
    "unknown case key": GOOD + "  - {id: z, input: {m: x}, expct: [contains: y]}\n",
    "unknown scorer": GOOD + "  - {id: z, input: {m: x}, expect: [{contans: y}]}\n",
    "bad params": GOOD + "  - {id: z, input: {m: x}, expect: [{citation: {required: 3}}]}\n",
    "bad defaults scorer": "defaults: {expect: [nope: 1]}\ncases:\n  - {id: a, input: {m: x}}\n",
    "bad defaults and bad case": "defaults: {expect: [nope: 1]}\ncases:\n  - {id: a}\n"
    "  - {id: b, input: {}, expect: [nope: 2]}\n",
    "both input and turns": "cases:\n  - {id: a, input: {m: x}, turns: [{input: {m: y}}]}\n",
    "neither input nor turns": GOOD + "  - {id: z}\n",
    "missing id": GOOD + "  - {input: {m: x}}\n",
    "item not a mapping": GOOD + "  - just text\n",
    "unknown top key": "datset: d\ncases:\n  - {id: a, input: {m: x}, expect: [nope: 1]}\n",
    "bad dataset": "dataset: 'a b'\ncases:\n  - {id: a, input: {m: x}}\n",
    "empty cases": "dataset: d\ncases: []\n",
    "cases not a list": "dataset: d\ncases: {a: 1}\n",
    "no cases key": "dataset: d\n",
    "duplicate key in a case": GOOD + "  - {id: z, input: {m: x}, id: y}\n",
    "duplicate top key": "dataset: d\ndataset: e\ncases:\n  - {id: a, input: {m: x}}\n",
    "non-string key": GOOD + "  - {id: z, input: {m: x}, [1]: 2}\n",
    "merge key in a case": GOOD + "  - {id: z, <<: {input: {m: x}}}\n",
    "tags and dates": "cases:\n  - {id: a, input: {m: !!str 12, d: 2024-01-02, n: ~, f: 1.5e3}}\n",
    # anchors and aliases: read case by case, anchored values kept for later aliases
    "anchors": HEAD + "cases:\n  - &a {id: a, input: {m: x}}\n  - {id: b, input: {m: x}}\n",
    "alias across cases": "cases:\n  - {id: a, input: &i {m: x}}\n  - {id: b, input: *i}\n",
    "anchor in defaults": "defaults: &d {tags: [t]}\ncases:\n  - {id: a, input: {m: x}}\n",
    "alias to the head": "defaults: {expect: &e [contains: y]}\ncases:\n"
    "  - {id: a, input: {m: x}, expect: *e}\n",
    "merge from an alias": "cases:\n  - {id: a, input: &i {m: x}}\n"
    "  - {id: b, input: {<<: *i, n: y}}\n",
    "merge repeating a key": "cases:\n  - &b {id: a, input: {m: x}}\n  - {<<: *b, id: b}\n",
    "alias of a whole case": "cases:\n  - &b {id: a, input: {m: x}}\n  - *b\n",
    "alias of a bad value": "x: &v {q: 1, q: 2}\ncases:\n  - {id: a, input: *v}\n"
    "  - {id: b, input: *v}\n",
    "undefined alias": GOOD + "  - {id: z, input: *nope}\n",
    "duplicate anchor": "cases:\n  - {id: a, input: &i {m: x}}\n  - {id: b, input: &i {m: y}}\n",
    # YAML errors: reported as the whole-document parse reports them
    "syntax error late": GOOD + "  - {id: z, input: [\n",
    "syntax error after a problem": GOOD + "  - {id: z, id: y}\n  - {id: w, input: [\n",
    "tab indentation": GOOD + "  - id: z\n\tinput: {m: x}\n",
    # scalars and keys the plain builder hands to the node path, or refuses itself
    "scalar keys": "cases:\n  - {id: a, input: {1: x, true: y, 1.5: z, '2': w, \"q\": v}}\n",
    "null and date keys": "cases:\n  - {id: a, input: {~: x, 2024-01-01: y, m: z}}\n",
    "unusable numbers": "cases:\n  - {id: a, input: {m: .inf, n: .nan, k: " + "9" * 400 + "}}\n",
    "unusable key": "cases:\n  - {id: a, input: {.inf: x, m: y}}\n",
    "value key": "cases:\n  - {id: a, input: {=: x, m: y}}\n",
    "block scalars": "cases:\n  - id: a\n    input:\n      m: |\n        two\n        lines\n"
    "      n: >-\n        folded\n        text\n    tags: ['x', \"y\"]  # a comment\n",
    "explicit tags": "cases:\n  - {id: a, input: !!map {m: !!str 1, n: !!int '2', f: !!float 3}}\n",
    "binary": "cases:\n  - {id: a, input: {m: !!binary aGVsbG8=}}\n",
    "empty values": "cases:\n  - id: a\n    input:\n      m:\n      n: ''\n    tags: []\n",
    "not ascii": "cases:\n  - {id: a, input: {m: 'héllo ✓ 𝄞'}, expct: [x]}\n  - {id: é}\n",
    "byte order mark": "\ufeffcases:\n  - {id: a, input: {m: x}, expct: [x]}\n",
    # plain for a while: the item is read plain until the first anchor, alias or tag
    "anchor late in a case": "cases:\n  - {id: a, input: {m: x, n: &v y}, tags: [t]}\n"
    "  - {id: b, input: {m: *v}}\n",
    "alias late in a case": "x: &v [1]\ncases:\n  - id: a\n    input: {m: x}\n    tags: *v\n",
    "tag in a value whose key is refused": "cases:\n  - {id: a, input: {.inf: !!str 1, m: y}}\n",
    "anchor in a value whose key is refused": "cases:\n  - {id: a, input: {~: &k x, m: *k}}\n",
    "duplicate anchor late": "cases:\n  - {id: a, input: &i {m: x}}\n"
    "  - {id: b, input: {m: x, n: &i y}}\n",
    "syntax error after a late tag": GOOD + "  - {id: z, input: {m: !!str x, n: [\n",
    "many keys repeated": HEAD
    + "cases:\n"
    + "".join(f"  - {{id: r{i}, input: {{m: '{i % 3}', n: {i % 2}, o: yes}}}}\n" for i in range(9)),
}
# files it hands to the whole-document parse
FALLBACK = {
    "keys after cases": "cases:\n  - {id: a, input: {m: x}}\ndefaults: {tags: [late]}\n",
    "cases twice": "cases: [{id: a, input: {m: x}}]\ncases: [{id: b, input: {m: x}}]\n",
    "two documents": GOOD + "---\ncases: []\n",
    "not a mapping": "- a\n- b\n",
    "empty file": "",
    "merge key at the top": "<<: {dataset: d}\ncases:\n  - {id: a, input: {m: x}}\n",
    "recursive alias": "cases:\n  - &r {id: a, input: {m: [*r]}}\n",
    "unknown tag": "cases:\n  - {id: a, input: {m: !nope x}}\n",
    "anchored list": "cases: &c\n  - {id: a, input: {m: x}}\n",
}


def _whole(text: str) -> object:
    return goldens._load_whole(text, "g.yaml", "g", REGISTRY)


@pytest.mark.parametrize("name", sorted(STREAMED))
def test_case_by_case_matches_the_whole_document(name: str) -> None:
    text = STREAMED[name]
    streamed = goldens._load_streamed(text, "g.yaml", "g", REGISTRY)  # no Fallback
    assert streamed == _whole(text)


@pytest.mark.parametrize("name", sorted(FALLBACK))
def test_unusual_files_fall_back_and_load_as_before(name: str) -> None:
    text = FALLBACK[name]
    with pytest.raises(Fallback):
        goldens._load_streamed(text, "g.yaml", "g", REGISTRY)


def test_load_golden_file_gives_the_whole_document_result_either_way(tmp_path: Path) -> None:
    for i, text in enumerate([*STREAMED.values(), *FALLBACK.values()]):
        f = tmp_path / f"g{i}.yaml"
        f.write_text(text, encoding="utf-8")
        got = goldens.load_golden_file(f)
        want = goldens._load_whole(text, goldens.display_path(f), f.stem, REGISTRY)
        assert got == want, text


def test_valid_file_loads_with_positions_and_defaults() -> None:
    cases, problems = goldens._load_streamed(GOOD, "g.yaml", "g", REGISTRY)
    assert problems == []
    assert [c.id for c in cases] == ["c0", "c1", "c2", "c3"]
    assert [c.line for c in cases] == [4, 7, 10, 13]
    assert cases[0].tags == ("base",) and cases[0].metadata == {"tenant": "acme"}
    assert [s.name for s in cases[0].expect] == ["citation", "contains"]
    assert (cases[0].expect[0].line, cases[0].expect[0].col) == (6, 15)


def test_only_one_case_is_held_at_a_time() -> None:
    stream = ItemStream(GOOD, "g.yaml", "cases")
    top, problems = stream.head()
    assert top.data["cases"] == [] and problems == []
    seen = []
    for i, doc, found in stream.items():
        assert found == []
        assert {p[1] for p in doc.positions if len(p) > 1} == {i}  # this case's paths only
        seen.append(doc.data["id"])
    stream.close()
    assert seen == ["c0", "c1", "c2", "c3"]


def test_without_libyaml_the_results_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from evalgate.config import yamlsrc, yamlstream

    monkeypatch.setattr(yamlsrc, "_Loader", yaml.SafeLoader)  # PyYAML's own parser
    monkeypatch.setattr(yamlstream, "_Loader", yaml.SafeLoader)
    for name, text in STREAMED.items():
        streamed = goldens._load_streamed(text.encode("utf-8"), "g.yaml", "g", REGISTRY)
        assert streamed == _whole(text), name


def test_a_repeated_expect_list_keeps_each_cases_positions_and_problems() -> None:
    """Equal expect lists are checked once; each case still has its own positions, and a list
    with a problem reports it for every case that has it."""
    case = "  - id: {id}\n    input: {{m: x}}\n    expect:\n      - contains: y\n{extra}"
    text = "cases:\n" + "".join(
        case.format(id=f"c{i}", extra="      - {citation: {required: true}}\n" if i else "")
        for i in range(3)
    )
    cases, problems = goldens._load_streamed(text, "g.yaml", "g", REGISTRY)
    assert problems == []
    assert [[(s.name, s.line, s.col) for s in c.expect] for c in cases] == [
        [("contains", 5, 9)],
        [("contains", 9, 9), ("citation", 10, 10)],
        [("contains", 14, 9), ("citation", 15, 10)],
    ]
    assert len({c.content_hash for c in cases}) == 2
    bad = "cases:\n" + "".join(
        f"  - {{id: b{i}, input: {{m: x}}, expect: [nope: 1]}}\n" for i in range(3)
    )
    _, problems = goldens._load_streamed(bad, "g.yaml", "g", REGISTRY)
    assert [(p.line, p.message.split(";")[0]) for p in problems] == [
        (i, "unknown scorer 'nope'") for i in (2, 3, 4)
    ]
