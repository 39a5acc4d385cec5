"""A project handed to the run: its golden set is let go once the calls are made."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from evalgate.engine.core import (
    EvalResult,
    Hooks,
    RunOptions,
    _confirmed_cases,
    run_eval,
    run_eval_handed,
)
from evalgate.model import Case, PackedCase, ScorerSpec
from evalgate.project import load_checked_project
from evalgate.runner import WorkItem
from tests.engine.helpers import write_project

CASES = "dataset: app\ncases:\n" + "".join(
    f'  - id: c{i:03d}\n    input: {{message: "refund {i}"}}\n'
    '    expect: [{contains: "30 days"}]\n'
    for i in range(40)
)


def _cases_alive() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is PackedCase)


def _run(tmp_path: Path, handed: bool) -> tuple[EvalResult, int]:
    cfg = write_project(tmp_path, goldens=CASES)
    project = load_checked_project(cfg)
    assert len(project.goldens.cases) == 40
    seen: list[int] = []
    hooks = Hooks(present=lambda _: seen.append(_cases_alive()))  # once judged and reported
    opts = RunOptions(out=tmp_path / "run", gate=False)
    if handed:
        box = [project]
        del project
        result = run_eval_handed(box, options=opts, hooks=hooks)
        assert box == []
    else:
        result = run_eval(project, options=opts, hooks=hooks)
        assert len(project.goldens.cases) == 40  # the caller's project is left as it is
    return result, seen[0]


@pytest.mark.parametrize("handed", [True, False])
def test_the_golden_set_is_held_only_by_who_holds_the_project(tmp_path: Path, handed: bool) -> None:
    before = _cases_alive()
    result, alive = _run(tmp_path, handed)
    assert result.exit_code == 0 and result.run_summary.totals.cases == 40
    assert alive - before == (0 if handed else 40)
    assert (tmp_path / "run" / "summary.json").is_file()


def test_confirmation_runs_open_the_judge_exactly_when_the_run_did() -> None:
    plain = [Case(f"p{i}", "d", expect=(ScorerSpec("contains", "x"),)) for i in range(3)]
    judged = Case("j", "d", expect=(ScorerSpec("rubric", {"criteria": "ok"}),))
    extra = [WorkItem(plain[1], 1, True), WorkItem(plain[1], 2, True)]
    assert _confirmed_cases(extra, [*plain, judged]) == (plain[1], judged)
    assert _confirmed_cases(extra, plain) == (plain[1],)
    assert _confirmed_cases([WorkItem(judged, 1, True)], [*plain, judged]) == (judged,)
    assert _confirmed_cases([], [*plain, judged]) == ()
