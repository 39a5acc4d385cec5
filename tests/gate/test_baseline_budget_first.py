"""A baseline made from a run has its answers within the file's budget as it is made: the
same baseline as capping one made with every answer, without making its cases twice."""

from __future__ import annotations

from typing import Any

import pytest

import evalgate.gate.baseline as baseline_mod
from evalgate.gate.answers import ANSWERS_BUDGET, MAX_ANSWER_CHARS, within_budget
from evalgate.gate.baseline import BaselineCase, baseline_from_run
from evalgate.model import Response
from tests.gate.test_baseline_answers import SUMMARY, res

# more answers than the budget holds, of several lengths (ties too), some cases without one
N = 3 * ANSWERS_BUDGET // MAX_ANSWER_CHARS


def _results() -> list[Any]:
    out = []
    for i in range(N):
        text = None if i % 7 == 0 else "a" * (MAX_ANSWER_CHARS - (i % 5) * 300)
        out.append(res(f"c{i:04d}", 0, i % 3 != 0, Response(output=text)))
    return out


def test_the_baseline_is_the_capped_one_with_every_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    made = baseline_from_run(_results(), SUMMARY, recorded_at="t")
    assert made.answers_dropped  # the budget was passed
    with monkeypatch.context() as m:  # the baseline with every answer, as it used to be made
        m.setattr(baseline_mod, "within_budget", lambda answers, *_: (dict(answers), ()))
        every = baseline_from_run(_results(), SUMMARY, recorded_at="t")
    assert not every.answers_dropped
    assert made == every.with_answers_capped()
    assert made.with_answers_capped() is made  # nothing left to cap


def test_each_case_is_made_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made = 0
    init = BaselineCase.__init__

    def counted(self: BaselineCase, *args: Any, **kwargs: Any) -> None:
        nonlocal made
        made += 1
        init(self, *args, **kwargs)

    monkeypatch.setattr(BaselineCase, "__init__", counted)
    base = baseline_from_run(_results(), SUMMARY)
    assert made == len(base.cases) == N  # before: again for each answer the budget dropped


def test_within_budget_is_what_the_file_keeps() -> None:
    base = baseline_from_run(_results(), SUMMARY)
    kept = {c: b.answer for c, b in base.cases.items()}
    assert sum(len(a) for a in kept.values() if a) <= ANSWERS_BUDGET
    assert within_budget(kept) == (kept, ())
