"""The compiled schema checks decide exactly as jsonschema does, so problems stay the same."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from evalgate.config import goldens, schema
from evalgate.config.schemacheck import compile_check
from evalgate.scorers.registry import REGISTRY
from tests.config.test_golden_streaming import FALLBACK, STREAMED

CASE = "  - {{id: c{n}, input: {{m: x}}, {extra}}}\n"
# one broken value per line of the case and defaults schema (types, bounds, enums, patterns,
# required keys, unknown keys, the expect items' oneOf, turns)
BROKEN_CASE_PARTS = [
    "weight: 0",
    "weight: -1",
    "weight: 1000001",
    "weight: '2'",
    "weight: true",
    "repeat: 0",
    "repeat: 101",
    "repeat: 1.5",
    "repeat: 2.0",  # an integer for JSON Schema: valid
    "repeat: true",
    "threshold: 1.5",
    "threshold: -0.1",
    "threshold: null",
    "tags: [a, '']",
    "tags: [1]",
    "tags: a",
    "skip: 3",
    "skip: 'flaky endpoint'",
    "review: maybe",
    "review: null",
    "review: pending",
    "source: [a]",
    "metadata: [a]",
    "description: 3",
    "expect: [3]",
    "expect: [{}]",
    "expect: [{contains: x, weight: 0}]",
    "expect: [{contains: x, weight: '1'}]",
    "expect: [[contains]]",
    "expect: contains",
    "expect: [contains, {contains: x}]",
    "turns: []",
    "turns: [{expect: [contains]}]",
    "turns: [{input: {m: y}, extra: 1}]",
    "turns: [{input: [y]}]",
    "id2: x",
]
BROKEN_IDS = ["'a b'", "''", "'-a'", "'" + "x" * 201 + "'", "3", "null", "[a]", "'a:b/c.d-e_f'"]
BROKEN_TOP = [
    "dataset: 'a b'\n",
    "dataset: 3\n",
    "description: [x]\n",
    "defaults: {weight: 0}\n",
    "defaults: {repeat: 0, threshold: 2}\n",
    "defaults: {tags: [''], metadata: 1}\n",
    "defaults: {expect: [{}]}\n",
    "defaults: {other: 1}\n",
    "defaults: []\n",
    "other: 1\n",
]


def _corpus() -> Iterator[str]:
    yield from STREAMED.values()
    yield from FALLBACK.values()
    for i, part in enumerate(BROKEN_CASE_PARTS):
        yield "cases:\n" + CASE.format(n=0, extra="tags: [ok]") + CASE.format(n=i, extra=part)
    for ident in BROKEN_IDS:
        yield f"cases:\n  - {{id: {ident}, input: {{m: x}}}}\n"
    for top in BROKEN_TOP:
        yield top + "cases:\n" + CASE.format(n=1, extra="weight: 2")
    yield "cases:\n" + "".join(CASE.format(n=i, extra=p) for i, p in enumerate(BROKEN_CASE_PARTS))


def _load_all(tmp_path: Path) -> list[object]:
    out: list[object] = []
    for i, text in enumerate(_corpus()):
        f = tmp_path / f"g{i}.yaml"
        f.write_text(text, encoding="utf-8")
        out.append(goldens.load_golden_file(f))
    return out


def test_fast_and_slow_paths_give_identical_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _load_all(tmp_path)
    monkeypatch.setattr(schema, "_COMPILED", {})
    monkeypatch.setattr(schema, "compile_check", lambda s: None)
    slow = _load_all(tmp_path)
    assert len(fast) == len(slow) > 60
    for got, want in zip(fast, slow, strict=True):
        assert got == want
    problems = [p for _, ps in slow for p in ps]  # type: ignore[attr-defined]
    assert len(problems) > 60  # the corpus is broken, case after case


def test_the_packaged_schemas_and_builtin_params_are_compiled() -> None:
    REGISTRY.ensure_builtins()
    assert compile_check(schema.schema_part("config")) is not None
    assert compile_check(schema.schema_part("golden")) is not None
    assert compile_check(schema.schema_part("golden", "properties", "cases", "items"))
    for d in REGISTRY:
        if d.params_schema is not None:
            assert compile_check(d.params_schema) is not None, d.name


@pytest.mark.parametrize(
    "unsupported",
    [
        {"$ref": "#/$defs/x"},
        {"dependentRequired": {"a": ["b"]}},
        {"patternProperties": {"(": {}}},
        {"type": "object", "properties": {"a": {"prefixItems": [{}]}}},
        {"enum": [[1], {"a": 1}]},
        {"pattern": "("},  # not a regular expression: jsonschema decides
        {"minLength": "3"},
        {"x-vendor": 1},
    ],
)
def test_schemas_with_other_keywords_are_left_to_jsonschema(unsupported: Any) -> None:
    assert compile_check(unsupported) is None


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 2_000_000)
    | st.floats(-2, 2_000_000, allow_nan=False)
    | st.sampled_from(["", "a", "a b", "x" * 201, "pending", "contains", "-a", "a:b/c", "POST"])
    | st.sampled_from([0, 1, 1.0, 0.5, 100, 101, True, False, "overall", "scorer.x", "tag.a"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "input",
                    "turns",
                    "expect",
                    "weight",
                    "repeat",
                    "threshold",
                    "tags",
                    "skip",
                    "review",
                    "metadata",
                    "name",
                    "required",
                    "any_of",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)


@functools.cache
def _checkers() -> list[tuple[Mapping[str, Any], Any, Any]]:
    """(schema, compiled check, jsonschema validator) for the golden schema and scorers."""
    REGISTRY.ensure_builtins()
    parts = [
        schema.schema_part("golden"),
        schema.schema_part("golden", "properties", "cases", "items"),
        schema.schema_part("golden", "properties", "defaults"),
    ]
    parts += [d.params_schema for d in REGISTRY if d.params_schema is not None]
    config = schema.schema_part("config")
    parts += [config, *config["properties"].values()]
    return [(s, compile_check(s), Draft202012Validator(s)) for s in parts]


@settings(max_examples=200, deadline=None)
@given(value=JSON)
def test_compiled_checks_decide_as_jsonschema(value: Any) -> None:
    for s, check, validator in _checkers():
        assert check is not None
        valid = not any(True for _ in validator.iter_errors(value))
        assert check(value) is valid, (s, value)


@settings(max_examples=150, deadline=None)
@given(value=JSON)
def test_compiled_checks_decide_as_jsonschema_on_case_shapes(value: Any) -> None:
    case = {"id": "a", "input": {"m": "x"}}
    if isinstance(value, dict):
        case.update(value)
    _, check, validator = _checkers()[1]  # one case
    assert check is not None
    valid = not any(True for _ in validator.iter_errors(case))
    assert check(case) is valid, case


def test_valid_goldens_never_ask_jsonschema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: object, data: object) -> list[object]:
        raise AssertionError("jsonschema asked about a valid value")

    monkeypatch.setattr(schema._Compiled, "errors", refuse)
    f = tmp_path / "g.yaml"
    f.write_text(STREAMED["valid"] + STREAMED["many keys repeated"].split("cases:\n")[1])
    cases, problems = goldens.load_golden_file(f)
    assert problems == [] and len(cases) == 13
    f.write_text(STREAMED["unknown case key"])  # an invalid case: jsonschema words it
    with pytest.raises(AssertionError, match="valid value"):
        goldens.load_golden_file(f)


@pytest.mark.parametrize(
    "one_of",
    [
        [{"type": "string"}, {"type": "object", "minProperties": 1}],  # disjoint: stops early
        [{"type": "integer"}, {"type": "number", "maximum": 5}],  # 3 is both: not disjoint
        [{"type": "string"}, {"type": "string", "maxLength": 2}],  # the same type twice
        [{"type": ["string", "null"]}, {"type": "null"}],  # a list of types
        [{"maxLength": 2}, {"type": "string"}],  # a branch without a type
        [{"type": "boolean"}, {"type": "integer"}, {"type": "null"}],  # true is not 1
    ],
)
@settings(max_examples=60, deadline=None)
@given(value=JSON)
def test_one_of_decides_as_jsonschema(one_of: list[Any], value: Any) -> None:
    s = {"oneOf": one_of}
    check = compile_check(s)
    assert check is not None
    valid = not any(True for _ in Draft202012Validator(s).iter_errors(value))
    assert check(value) is valid, value
