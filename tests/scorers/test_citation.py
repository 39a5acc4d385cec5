from __future__ import annotations

from typing import Any

import pytest

from evalgate.model import Response
from evalgate.scorers.citation import cited_ids
from tests.scorers.conftest import run

RETRIEVED = ("kb-refunds", "kb-billing", "kb-sso")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Refunds take 30 days [kb-refunds].", ("kb-refunds",)),
        ("See [1] and [2, 3].", RETRIEVED),
        ("See [doc:kb-sso] and [source: kb-billing].", ("kb-sso", "kb-billing")),
        (
            "Refunds (source: kb-refunds) and SSO (sources: kb-sso, kb-billing).",
            ("kb-refunds", "kb-sso", "kb-billing"),
        ),
        ("Refunds 【kb-refunds】 and 【2†source】.", ("kb-refunds", "kb-billing")),
        ("A footnote[^1] and another[^2].\n\n[^1]: kb-sso\n", ("kb-sso", "kb-billing")),
        ("A [link](https://example.com) and a box [x] are not citations.", ()),
        ("No markers at all.", ()),
    ],
)
def test_cited_ids_from_text(text: str, expected: tuple[str, ...]) -> None:
    assert cited_ids(Response(output=text, retrieved=RETRIEVED)).ids == expected


def test_numbers_out_of_range_are_unresolved() -> None:
    cited = cited_ids(Response(output="See [7].", retrieved=RETRIEVED))
    assert cited.ids == () and cited.unresolved == ("[7]",)


def test_custom_pattern_replaces_builtin_markers() -> None:
    r = Response(output="Per {{kb-refunds}} and [kb-sso].")
    assert cited_ids(r, r"\{\{([\w-]+)\}\}").ids == ("kb-refunds",)


def test_field_and_text_citations_are_merged_without_duplicates() -> None:
    r = Response(output="[kb-sso] [kb-refunds]", citations=("kb-refunds",))
    assert cited_ids(r).ids == ("kb-refunds", "kb-sso")


CASES: list[tuple[Any, Response, bool, float, str]] = [
    (True, Response(output="Yes [kb-refunds]."), True, 1.0, "cited kb-refunds"),
    (True, Response(output="Yes."), False, 0.0, "expected at least one citation; found none"),
    (True, Response(output="Yes.", citations=("kb-a",)), True, 1.0, "cited kb-a"),
    (False, Response(output="Yes."), True, 1.0, "no citations, as expected"),
    (False, Response(output="Yes [kb-x]."), False, 0.0, "expected no citations; cited kb-x"),
    (
        {"required": True, "any_of": ["kb-refunds"], "must_be_retrieved": True},
        Response(output="30 days [1].", retrieved=RETRIEVED),
        True,
        1.0,
        "cited kb-refunds",
    ),
    (
        {"any_of": ["kb-refunds", "kb-returns"]},
        Response(output="See [kb-sso]."),
        False,
        0.0,
        "expected a citation of any of kb-refunds, kb-returns; cited kb-sso",
    ),
    (
        {"all_of": ["kb-refunds", "kb-sso"]},
        Response(output="[kb-refunds]"),
        False,
        0.0,
        "missing citation of kb-sso; cited kb-refunds",
    ),
    (
        {"none_of": ["kb-internal"], "required": True},
        Response(output="[kb-internal] [kb-sso]"),
        False,
        0.5,
        "cites forbidden kb-internal",
    ),
    (
        {"min": 2},
        Response(output="[kb-sso]"),
        False,
        0.0,
        "expected at least 2 cited documents; cited kb-sso",
    ),
    (
        {"must_be_retrieved": True, "required": True},
        Response(output="[kb-refunds] [kb-made-up]", retrieved=RETRIEVED),
        False,
        0.5,
        "cited kb-made-up but it was not retrieved; retrieved: kb-billing, kb-refunds, kb-sso",
    ),
    (
        {"must_be_retrieved": True},
        Response(output="[kb-a] [kb-b]"),
        False,
        0.0,
        "cited kb-a, kb-b but they were not retrieved (nothing was retrieved: is the 'retrieved'"
        " response mapping set?); retrieved: none",
    ),
    (
        {"must_be_retrieved": True},
        Response(output="See [5].", retrieved=RETRIEVED),
        False,
        0.0,
        "cited [5] but it was not retrieved; retrieved: kb-billing, kb-refunds, kb-sso",
    ),
    (
        {"in_text": True},
        Response(output="Answer.", citations=("kb-sso",)),
        False,
        0.0,
        "expected citation markers like [kb-id] or [1] in the answer text; found none",
    ),
    (
        {"in_text": True},
        Response(output="Answer [kb-sso].", citations=("kb-sso", "kb-billing")),
        False,
        0.0,
        "cited kb-billing without a marker in the answer text",
    ),
    (
        {"in_text": True, "all_of": ["kb-sso"]},
        Response(output="Answer [kb-sso].", citations=("kb-sso",)),
        True,
        1.0,
        "cited kb-sso",
    ),
    ({"pattern": "("}, Response(output="x"), False, 0.0, "invalid citation pattern /(/"),
]


@pytest.mark.parametrize(("params", "response", "passed", "value", "reason"), CASES)
def test_citation_scorer(
    params: Any, response: Response, passed: bool, value: float, reason: str
) -> None:
    s = run("citation", params, response)
    assert (s.passed, s.value) == (passed, value)
    assert s.reason.startswith(reason), s.reason


@pytest.mark.parametrize("text", ["See 【²】.", "A note[^³].", "[^12²] and 【٣】", "【¹†source】"])
def test_a_number_int_cannot_read_is_no_citation_number_and_never_an_error(text: str) -> None:
    # superscript digits are digits to str.isdigit but not numbers to int(): the scorer
    # raised on such an answer (a scorer error, exit 2); a number is what int() reads
    r = Response(output=text, retrieved=RETRIEVED)
    cited = cited_ids(r)
    assert "²" not in cited.ids and "³" not in cited.ids and "¹" not in cited.ids
    for params in (True, False, {"must_be_retrieved": True, "in_text": True}):
        run("citation", params, r)  # no error record (run asserts it)


def test_digits_of_other_scripts_are_numbers() -> None:
    cited = cited_ids(Response(output="See 【٣】.", retrieved=RETRIEVED))
    assert cited.ids == ("kb-sso",)
