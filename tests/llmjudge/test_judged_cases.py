"""Which cases the LLM judge grades is decided from the scorers' names: a loaded case's
records are not built for it (that was work per case, twice a run, for every run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from evalgate.config.goldens import load_goldens
from evalgate.llmjudge import JUDGE_SCORERS, drift
from evalgate.llmjudge.phase import uses_judge
from evalgate.model import Case, PackedCase, ScorerSpec, Turn
from evalgate.scorers.registry import REGISTRY
from tests.llmjudge.test_drift import CRIT, Server, _project


def _by_records(case: Case) -> bool:
    """The definition: some scorer of the case or of one of its turns is a judge's."""
    specs = [*case.expect, *(s for t in case.turns for s in t.expect)]
    return any(s.name in JUDGE_SCORERS for s in specs)


def _loaded(tmp: Path) -> tuple[Case, ...]:
    REGISTRY.ensure_builtins()
    (tmp / "g.yaml").write_text(
        "cases:\n"
        "  - id: plain\n    input: {m: x}\n    expect:\n      - contains: y\n"
        "  - id: judged\n    input: {m: x}\n    expect:\n      - contains: y\n"
        "      - rubric: The answer is polite\n"
        "  - id: similar\n    input: {m: x}\n    expect: [similar: {reference: hi}]\n"
        "  - id: turns\n    turns:\n      - input: {m: a}\n        expect: [rubric: kind]\n"
        "      - input: {m: b}\n    expect: [contains: y]\n"
    )
    gs = load_goldens([tmp / "g.yaml"])
    assert gs.ok, gs.problems
    return gs.cases


def _plain() -> list[Case]:
    spec = ScorerSpec
    return [
        Case("a", "d", {"m": "x"}),
        Case("b", "d", {"m": "x"}, expect=(spec("contains", "y"),)),
        Case("c", "d", {"m": "x"}, expect=(spec("contains", "y"), spec("grounded", True))),
        Case("e", "d", turns=(Turn({"m": "a"}, (spec("similar", {"reference": "x"}),)),)),
        Case("f", "d", turns=(Turn({"m": "a"}, (spec("contains", "x"),)),)),
    ]


def test_uses_judge_is_true_exactly_when_a_scorer_is_the_judges(tmp_path: Path) -> None:
    cases = [*_plain(), *_loaded(tmp_path)]
    assert [uses_judge(c) for c in cases] == [_by_records(c) for c in cases]
    judged = {c.id for c in cases if uses_judge(c)}
    assert judged == {"c", "e", "judged", "similar", "turns"}


def _no_records(monkeypatch: pytest.MonkeyPatch) -> None:
    def built(self: PackedCase) -> Any:
        raise AssertionError(f"{self.id}: its scorer records were built")

    monkeypatch.setattr(PackedCase, "expect", property(built))


def test_a_loaded_case_is_asked_by_its_scorers_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [c for c in _loaded(tmp_path) if not c.turns]
    expected = {c.id: _by_records(c) for c in cases}
    _no_records(monkeypatch)
    assert {c.id: uses_judge(c) for c in cases} == expected
    assert expected == {"plain": False, "judged": True, "similar": True}


def test_a_drift_check_builds_records_only_of_cases_with_a_drifting_scorer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, judged = _project(tmp_path, 2)
    others = [c for c in _loaded(tmp_path) if c.id in ("plain", "similar")]
    mock = httpx.MockTransport(Server().handle)
    _no_records(monkeypatch)
    why = drift.check(cfg, [*others, *judged], tmp_path, transport=mock)
    assert why is not None and "the LLM judge drifted" in why  # the rubric case still counts
    assert drift.check(cfg, others, tmp_path) is None  # no rubric nor grounded verdict: none


def test_a_rubric_in_a_turn_is_drift_checked(tmp_path: Path) -> None:
    cfg, _ = _project(tmp_path, 2)
    in_turn = Case("t", "d", turns=(Turn({"m": "a"}, (ScorerSpec("rubric", CRIT),)),))
    server = Server()
    why = drift.check(cfg, [in_turn], tmp_path, transport=httpx.MockTransport(server.handle))
    assert why is not None and "the LLM judge drifted" in why
