"""The word diff of two answers: complete, minimal enough to read, bounded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from evalgate.report.html import report_data
from evalgate.report.worddiff import MAX_CHARS, word_diff
from tests.report.conftest import view_of


def _sides(segs: list[list[str]]) -> tuple[str, str]:
    before = "".join(t for op, t in segs if op in "=-")
    after = "".join(t for op, t in segs if op in "=+")
    return before, after


@settings(derandomize=True, max_examples=60)
@given(st.text(max_size=300), st.text(max_size=300))
def test_the_diff_rebuilds_both_answers(a: str, b: str) -> None:
    assert _sides(word_diff(a, b)) == (a, b)


def test_words_not_characters_change() -> None:
    segs = word_diff("Refunds take 5 days.", "Refunds take 10 days.")
    assert segs == [["=", "Refunds take "], ["-", "5 "], ["+", "10 "], ["=", "days."]]
    assert word_diff("same", "same") == [["=", "same"]]


def test_long_answers_are_cut_before_diffing() -> None:
    before, after = _sides(word_diff("a " * 50_000, "b " * 50_000))
    assert len(before) == len(after) == MAX_CHARS


def test_repetitive_answers_stay_quick() -> None:
    # an exact diff of these takes minutes; the work must stay bounded (count, not seconds)
    import difflib

    calls = 0
    real = difflib.SequenceMatcher.find_longest_match

    def counting(self: difflib.SequenceMatcher[str], *a: int) -> difflib.Match:
        nonlocal calls
        calls += 1
        return real(self, *a)

    difflib.SequenceMatcher.find_longest_match = counting  # type: ignore[method-assign]
    try:
        segs = word_diff("a, " * 1000, "a. " * 1000)
    finally:
        difflib.SequenceMatcher.find_longest_match = real  # type: ignore[method-assign]
    assert _sides(segs) == (
        ("a, " * 1000)[: MAX_CHARS - 1] + "…",
        ("a. " * 1000)[: MAX_CHARS - 1] + "…",
    )
    assert calls < 50


def test_the_page_data_carries_both_answers_and_the_diff() -> None:
    cases = {c["id"]: c for c in report_data(view_of("regressed"))["cases"]}
    refund = cases["refund-window"]
    assert refund["base_answer"].endswith("counted from delivery.")
    assert ["-", ", counted from delivery."] in refund["answer_diff"]
    assert "base_answer" not in cases["close-ticket-needs-confirmation"]  # none was kept
