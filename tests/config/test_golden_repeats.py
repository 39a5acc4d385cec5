"""What a golden file's repeated parts are spared: an expect list known by its layout and
texts (checked and built once), a one-pair input read with one match, a flat input's
canonical JSON put together directly. Each gives exactly what the general path gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalgate.config import goldens, schema
from evalgate.config.case_hash import canonical_json, canonical_json_flat
from evalgate.config.yamlfast import FastStream
from evalgate.config.yamlsrc import Doc
from evalgate.scorers.registry import REGISTRY
from tests.config.test_schemacheck import JSON
from tests.config.test_yaml_fast import _scalar, check_same

# expect values written on the item's lines: valid ones, and ones with a problem of each kind
_CONTAINS = ['"30 days"', '"30 days"  # note', "30 days", '"31 days"', "30", "{}", "[a]", "~"]
_CITATION = [
    "{required: true, any_of: [kb-refunds]}",
    "{required: true, any_of: [kb-refunds]} # c",
    "{required: 5}",
    "{nosuch: 1}",
    "true",
]
_LAYOUT = """  - id: {id}
    input: {input}
    expect:
      - contains: {contains}
      - {scorer}: {citation}
"""


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "id": st.sampled_from(["c", "c", "c", "bad id", "c"]),
                "input": st.one_of(
                    st.sampled_from(['{message: "m"}', '{ message:  "a b" }', '{message: "#"} #']),
                    _scalar(flow=True).map(lambda s: f"{{message: {s}}}"),
                ),
                "contains": st.sampled_from(_CONTAINS),
                "scorer": st.sampled_from(["citation", "citation", "citation", "nosuch"]),
                "citation": st.sampled_from(_CITATION),
            }
        ),
        min_size=2,
        max_size=12,
    )
)
def test_items_repeating_expect_lists_read_alike(items: list[dict[str, str]]) -> None:
    """Items in one layout, their expect lists repeated (valid or not): the same cases,
    hashes and problems (file:line:col) as the event reader's, which knows no layout."""
    text = "dataset: d\ncases:\n" + "".join(
        _LAYOUT.format(**{**v, "id": f"{v['id']}{i}"}) for i, v in enumerate(items)
    )
    check_same(text)


def _one_layout(expects: list[str], ids: list[str] | None = None) -> str:
    ids = ids or [f"c{i}" for i in range(len(expects))]
    return "dataset: d\ncases:\n" + "".join(
        f'  - id: {i}\n    input: {{message: "m {i}"}}\n    expect: {e}\n'
        for i, e in zip(ids, expects, strict=True)
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        # an expect list found valid, then one in the same layout that is not
        (_one_layout(["[contains: x]"] * 3 + ["5"]), (14, 13)),
        (_one_layout(["[contains: x]"] * 3 + ["[5]"]), (14, 14)),
        (_one_layout(["[contains: x]"] * 3 + ["[nosuch: x]"]), (14, 14)),
        (_one_layout(["[contains: x]"] * 3 + ["[contains: 5]"]), (14, 24)),
        # the same valid expect list: the rest of the case is still checked
        (_one_layout(["[contains: x]"] * 4, ["a", "b", "c", "bad id"]), (12, 9)),
    ],
)
def test_a_problem_after_a_repeated_expect_list_is_found(text: str, where: tuple[int, int]) -> None:
    assert check_same(text)
    _, problems = goldens._load_fast(text, "g.yaml", "g", REGISTRY)
    assert [(p.line, p.col) for p in problems] == [where], problems


def test_an_expect_list_is_known_by_its_layout_and_texts() -> None:
    text = _one_layout(["[contains: x]", "[contains: x]", "[contains: y]", "[contains: x] # c"])
    stream = FastStream(text, "g.yaml", "cases")
    stream.head()
    keys = [d.value_key(("cases", i, "expect")) for i, d, _ in stream.items()]
    stream.close()
    assert keys[0] is None  # read line by line: known by its repr
    assert keys[1] is not None and keys[1] == (keys[1][0], "expect", "[contains: x]")
    assert keys[2] != keys[1] and keys[3] != keys[1]  # other texts: other keys
    assert Doc("g.yaml", {}).value_key(("cases", 0, "expect")) is None
    assert FastStream(text, "g.yaml", "cases")._doc.value_key(("x",)) is None


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=4) | st.integers(-3, 3),
        st.text(max_size=4)
        | st.integers(-(2**70), 2**70)
        | st.booleans()
        | st.none()
        | st.floats(allow_nan=False)
        | st.lists(st.integers(), max_size=2),
        max_size=4,
    )
    | JSON
)
def test_a_flat_mapping_is_encoded_as_the_encoder_encodes_it(value: Any) -> None:
    try:
        expected = canonical_json(value)
    except TypeError:  # keys of mixed types cannot be sorted: refused alike
        with pytest.raises(TypeError):
            canonical_json_flat(value)
        return
    assert canonical_json_flat(value) == expected


def test_texts_that_json_escapes_are_encoded_alike() -> None:
    value = {"m": 'a"\\\n\t\x00\x7f\u2028\U0001f600é', "\x01k": "", "z": 0, "y": -7, "x": None}
    assert canonical_json_flat(value) == canonical_json(value)
    assert canonical_json_flat(value) == json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


@settings(max_examples=200, deadline=None)
@given(value=JSON)
def test_a_case_with_a_known_expect_list_is_judged_alike(value: Any) -> None:
    """Taking the expect list as valid changes nothing when it is: the rest decides."""
    case_schema = schema.schema_part("golden", "properties", "cases", "items")
    case: dict[str, Any] = {"id": "a", "input": {"m": "x"}}
    if isinstance(value, dict):
        case.update(value)
    doc = Doc("g.yaml", case)
    expect_ok = not schema.validate_value(
        doc, case.get("expect", []), case_schema["properties"]["expect"]
    )
    if not expect_ok:
        return
    assert schema.validate_value(doc, case, case_schema, known=("expect",)) == (
        schema.validate_value(doc, case, case_schema)
    )
