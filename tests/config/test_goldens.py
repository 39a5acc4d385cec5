from __future__ import annotations

from pathlib import Path

import pytest

from evalgate.config.goldens import load_goldens
from evalgate.model import Score
from evalgate.scorers.registry import Registry, ScorerDef


def _ok(response: object, params: object, case: object) -> Score:
    return Score.ok()


@pytest.fixture()
def registry() -> Registry:
    r = Registry()
    r._builtins_loaded = True  # only the scorers below exist
    r.add(ScorerDef("contains", _ok, {"type": "string"}, "", "builtin"))
    r.add(
        ScorerDef(
            "citation",
            _ok,
            {
                "oneOf": [
                    {"type": "boolean"},
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"required": {"type": "boolean"}, "min": {"type": "integer"}},
                    },
                ]
            },
            "",
            "builtin",
        )
    )
    r.add(ScorerDef("refusal", _ok, {"type": "boolean"}, "", "builtin"))
    return r


def write(d: Path, name: str, text: str) -> Path:
    p = d / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


GOOD = """\
dataset: support-copilot
defaults: {tags: [copilot], metadata: {tenant: acme}, expect: [contains: "."]}
cases:
  - id: refund-window
    input: {message: "How long?"}
    expect:
      - refusal: false
      - citation: {required: true}
        weight: 2
    tags: [critical, rag]
    metadata: {user: u1}
    repeat: 3
    threshold: 0.5
  - id: multi
    turns:
      - input: {message: "My invoice is wrong"}
      - input: {message: "Please escalate"}
        expect: [contains: ticket]
  - id: skipped
    input: {message: x}
    skip: "endpoint not ready"
    review: pending
"""


def problems(registry: Registry, *paths: Path) -> list[str]:
    return [str(p) for p in load_goldens(list(paths), registry).problems]


def test_good_file_parses_with_defaults_and_positions(tmp_path: Path, registry: Registry) -> None:
    f = write(tmp_path, "g.yaml", GOOD)
    gs = load_goldens([f], registry)
    assert gs.problems == ()
    by_id = {c.id: c for c in gs.cases}
    assert [c.id for c in gs.cases] == ["multi", "refund-window", "skipped"]
    c = by_id["refund-window"]
    assert c.dataset == "support-copilot"
    assert c.tags == ("copilot", "critical", "rag")
    assert c.metadata == {"tenant": "acme", "user": "u1"}
    assert [(s.name, s.params, s.weight) for s in c.expect] == [
        ("refusal", False, 1.0),
        ("citation", {"required": True}, 2.0),
        ("contains", ".", 1.0),
    ]
    assert (c.line, c.repeat, c.threshold) == (4, 3, 0.5)
    assert c.expect[1].line == 8 and c.expect[1].col == 9
    m = by_id["multi"]
    assert m.is_multi_turn and len(m.turns) == 2
    assert m.turns[1].expect[0].params == "ticket"
    s = by_id["skipped"]
    assert s.skip and s.skip_reason == "endpoint not ready" and s.pending


def test_content_hash_changes_with_behaviour_not_with_tags(
    tmp_path: Path, registry: Registry
) -> None:
    a = load_goldens([write(tmp_path, "a/g.yaml", GOOD)], registry).cases
    b = load_goldens([write(tmp_path, "b/g.yaml", GOOD.replace("rag]", "rag, x]"))], registry).cases
    c = load_goldens(
        [write(tmp_path, "c/g.yaml", GOOD.replace("How long?", "How long!"))], registry
    ).cases
    assert a[1].content_hash == b[1].content_hash
    assert a[1].content_hash != c[1].content_hash


def test_every_problem_in_every_file(tmp_path: Path, registry: Registry) -> None:
    f1 = write(
        tmp_path,
        "a.yaml",
        """\
dataset: a
cases:
  - id: one
    input: {message: hi}
    expct: [contains: x]
  - id: two
    input: {message: hi}
    expect:
      - citaton: {required: true}
      - citation: {requird: true}
      - contains: 3
    repeat: "3"
""",
    )
    f2 = write(tmp_path, "b.yaml", "cases:\n  - id: x\n    input: {a: 1\n")
    assert problems(registry, f1, f2) == [
        f"{f1}:5:5: unknown key 'expct' (did you mean 'expect'?)",
        f"{f1}:9:9: unknown scorer 'citaton' (did you mean 'citation'?)",
        f"{f1}:10:20: citation: unknown key 'requird' (did you mean 'required'?)",
        f"{f1}:11:19: contains: 'contains' must be a string, got an integer",
        f"{f1}:12:13: 'repeat' must be an integer, got a string",
        f"{f2}:4:1: invalid YAML: did not find expected ',' or '}}'",
    ]


def test_duplicate_ids_across_files(tmp_path: Path, registry: Registry) -> None:
    f1 = write(tmp_path, "a.yaml", "cases:\n  - id: dup\n    input: {m: 1}\n")
    f2 = write(
        tmp_path, "b.yaml", "cases:\n  - {id: ok, input: {m: 1}}\n  - id: dup\n    input: {m: 2}\n"
    )
    assert problems(registry, f1, f2) == [
        f"{f2}:3:1: duplicate case id 'dup' (first defined at {f1}:2); case ids must be unique"
        " across all goldens"
    ]


def test_input_xor_turns_and_expect_item_shape(tmp_path: Path, registry: Registry) -> None:
    f = write(
        tmp_path,
        "a.yaml",
        "cases:\n  - id: a\n  - id: b\n    input: {m: 1}\n"
        "    expect: [{contains: x, refusal: true}]\n",
    )
    assert problems(registry, f) == [
        f"{f}:2:5: case 'a' needs exactly one of 'input' (a single call) or 'turns'"
        " (a multi-turn session)",
        f"{f}:5:14: each expect item names exactly one scorer (found 2: contains, refusal);"
        " write one '- scorer: params' item per scorer",
    ]


def test_empty_dataset_and_empty_file(tmp_path: Path, registry: Registry) -> None:
    f1 = write(tmp_path, "a.yaml", "dataset: a\ncases: []\n")
    f2 = write(tmp_path, "b.yaml", "")
    assert problems(registry, f1, f2) == [
        f"{f1}:2:8: no cases in this file; add at least one under 'cases'",
        f"{f2}:1:1: golden file is empty; add 'cases:' with at least one",
    ]


def test_folder_without_goldens_and_missing_path(tmp_path: Path, registry: Registry) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")
    assert problems(registry, tmp_path / "empty", tmp_path / "nope.yaml") == [
        f"{tmp_path / 'empty'}:0:0: no golden files (*.yaml, *.yml) in this folder",
        f"{tmp_path / 'nope.yaml'}:0:0: no such file or folder; check 'goldens' in the config or"
        " the --goldens option",
    ]


def test_folders_are_searched_recursively_in_order(tmp_path: Path, registry: Registry) -> None:
    write(tmp_path, "g/b.yml", "cases:\n  - {id: b, input: {m: 1}}\n")
    write(tmp_path, "g/sub/a.yaml", "cases:\n  - {id: a, input: {m: 1}}\n")
    gs = load_goldens([tmp_path / "g"], registry)
    assert [c.id for c in gs.cases] == ["a", "b"]
    assert [c.dataset for c in gs.cases] == ["a", "b"]  # dataset defaults to the file name
