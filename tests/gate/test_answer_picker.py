"""``AnswerPicker`` picks, redacts and budgets a baseline's answers exactly as the answers read
whole (``case_answers`` then ``within_budget``), while holding none of them."""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalgate import masking
from evalgate.gate.answers import AnswerPicker, case_answers, redactor, within_budget
from evalgate.model import Response, ToolCall
from evalgate.results import CaseResult, iter_results
from evalgate.results_compact import read_indexed
from evalgate.scorers.registry import ScoreRecord


@pytest.fixture(autouse=True)
def _no_secrets() -> Iterator[None]:
    masking.clear()
    yield
    masking.clear()


def _line(rng: random.Random, cid: str, repeat: int) -> CaseResult:
    status = rng.choice(["passed", "passed", "failed", "error", "skipped"])
    size = rng.choice([0, 1, 5, 30, 30, 30, 30, 900, 2500])  # ties, empty, long, cut
    output = "".join(rng.choice("ab c@x.io 4111111111111111") for _ in range(size)) or None
    calls = (ToolCall("search", {"q": cid}),) if rng.random() < 0.3 else ()
    rec = ScoreRecord("contains", 1.0, status == "passed", "")
    return CaseResult(
        cid,
        "ds",
        repeat,
        status,  # type: ignore[arg-type]
        "success",
        status == "passed",
        1.0 if status in ("passed", "failed") else None,
        (rec,),
        response=Response(output=output, tool_calls=calls) if rng.random() < 0.9 else None,
        confirmation=rng.random() < 0.1,
    )


def _write(path: Path, seed: int) -> list[str]:
    """A results file with repeats, rewritten lines (resumed runs) and confirmations."""
    rng = random.Random(seed)
    ids = [f"c{i:03d}" for i in range(40)]
    lines = [_line(rng, cid, rng.randrange(3)) for cid in ids for _ in range(rng.randrange(1, 4))]
    lines += [dataclasses.replace(_line(rng, r.case_id, r.repeat)) for r in lines[::7]]
    rng.shuffle(lines)
    path.mkdir()
    with open(path / "results.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r.to_dict()) + "\n" for r in lines)
    return ids


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("budget", [0, 40, 700, 200_000])
@pytest.mark.parametrize("patterns", [None, {"ticket": r"T-\d+"}])
def test_the_picker_keeps_what_the_answers_read_whole_keep(
    tmp_path: Path, seed: int, budget: int, patterns: dict[str, str] | None
) -> None:
    run = tmp_path / "run"
    ids = _write(run, seed)
    masking.register("c@x.io")
    redact = redactor(patterns) if patterns is not None else None
    picker = AnswerPicker(run / "results.jsonl", redact)
    _, offsets = read_indexed(run, picker.add)
    assert offsets is not None
    wanted = [*ids[::2], "missing"]  # the cases a baseline keeps (those with a scored repeat)
    whole = case_answers(iter_results(run), redact)
    expect_answers, expect_dropped = within_budget({c: whole.get(c) for c in wanted}, budget)
    answers, dropped = picker.capped(wanted, budget)
    assert dropped == expect_dropped
    assert {c: answers.get(c) for c in wanted} == expect_answers
    assert set(answers) <= set(wanted)
    assert sum(len(a) for a in answers.values()) <= budget
