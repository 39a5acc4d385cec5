"""``evalgate demo``: the whole story on the built-in reference middleware, with no network.

A good prompt version is run and recorded as the baseline; a pull request then switches to a
regressed version and the gate blocks it with reasons (and the LLM judge's rubric critique of
an answer that lost something no string check looks for); the reports are written.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from evalgate.cli.cmd_run import run_and_show
from evalgate.cli.present import Presentation
from evalgate.engine.core import RunOptions
from evalgate.errors import ExitCode
from evalgate.project import load_project
from evalgate.results import CaseResult
from evalgate.scorers.registry import ScoreRecord

PROJECT_FILES = ("evalgate.yaml", "goldens", "scorers")


def _say(text: str = "") -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def copy_project(dest: Path) -> None:
    """Copy the demo project (config, goldens, scorers) so the user can read and edit it."""
    src = resources.files("evalgate.demo")
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        node = src.joinpath(name)
        target = dest / name
        if node.is_file():
            target.write_text(node.read_text("utf-8"), encoding="utf-8")
            continue
        if target.exists():
            shutil.rmtree(target)
        target.mkdir()
        for child in node.iterdir():
            if child.is_file() and not child.name.endswith(".pyc"):
                (target / child.name).write_text(child.read_text("utf-8"), encoding="utf-8")
    # a fresh story: earlier demo runs and baselines would change what the gate compares with
    shutil.rmtree(dest / ".evalgate", ignore_errors=True)


def rubric_failures(results: Iterable[CaseResult]) -> list[tuple[CaseResult, ScoreRecord]]:
    """The failed verdicts of the LLM judge's rubric scorer, one per case (first repeat)."""
    seen: dict[str, tuple[CaseResult, ScoreRecord]] = {}
    for r in results:
        for s in r.scores:
            if s.scorer == "rubric" and not s.passed and s.error is None:
                seen.setdefault(r.case_id, (r, s))
    return list(seen.values())


def _show_rubric_failures(results: Iterable[CaseResult]) -> None:
    for r, s in rubric_failures(results):
        critique, _, why = s.reason.partition(" [advisory: ")
        _say(
            f"The LLM judge's rubric caught what no string check did, in {r.case_id}"
            f" ({r.file}:{r.line}): {critique}."
        )
        if s.advisory:
            _say(f"  It is advisory, not blocking: {why.rstrip(']')}.")


def tell_story(dest: Path) -> int:
    from evalgate.demo.server import start_server

    _say("evalgate demo: the eval gate on a built-in support copilot (local, no network)\n")
    copy_project(dest)
    with start_server(port=0, prompt_version="v1") as server:
        env = {**os.environ, "COPILOT_URL": server.url}
        project = load_project(dest / "evalgate.yaml", environ=env)
        cases = project.goldens.cases
        _say(f"1/3  The reference middleware is up on {server.url}, serving prompt v1.")
        _say(
            f"     Project: {dest}/ (evalgate.yaml, {len(cases)} golden cases in goldens/,"
            " custom scorers in scorers/)\n"
        )
        _say("2/3  On main: run the goldens against v1 and record its baseline")
        _say("     $ evalgate run --record-baseline --promote")
        first = run_and_show(
            project,
            RunOptions(out=dest / ".evalgate/runs/demo-v1", record_baseline=True, promote=True),
            Presentation(quiet=True, environ=env),
            environ=env,
        )
        _say()
        _say("3/3  A pull request changes the prompt to v2. CI runs the gate:")
        _say("     $ evalgate run")
        server.configure(prompt_version="v2")
        second = run_and_show(
            project,
            RunOptions(out=dest / ".evalgate/runs/demo-v2"),
            Presentation(environ=env),
            environ=env,
        )
    ok = first.exit_code == ExitCode.OK and second.exit_code == ExitCode.GATE_FAILED
    _say()
    if ok:
        _say(
            "The gate blocked v2 (exit 1): the reasons above name the regressed cases and the"
            " golden file lines behind them."
        )
        _show_rubric_failures(second.results)
    else:
        _say(
            f"unexpected: v1 exited {first.exit_code} and v2 exited {second.exit_code}"
            " (expected 0 then 1); the reports above say why"
        )
    reports = second.run_summary.reports
    if reports:
        _say("\nOpen the reports:")
        for kind, path in sorted(reports.items()):
            _say(f"  {kind:<9} {path}")
    _say("\nTry next:")
    _say(f"  cd {dest}")
    _say("  evalgate demo serve --prompt-version v2 &   # the middleware alone, on :8787")
    _say("  evalgate validate                           # check the goldens")
    _say("  evalgate run --tag security                 # a subset")
    _say("  evalgate report .evalgate/runs/demo-v2 --html report.html")
    _say("  evalgate init my-project                    # start your own")
    return ExitCode.OK if ok else ExitCode.GATE_FAILED
