"""Custom scorers are code evalgate does not control: they cannot switch the gate off or hang it.

Each test writes a hostile scorer into a throw-away project and drives the command: exit
codes, summary.json and results.jsonl on disk, stdout that stays JSON. What a scorer raises or
returns is judged in-process (tests/attack/inprocess.py); time limits, signals and what a
scorer prints, where the process itself is at stake, go through the installed command.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.attack.conftest import Project
from tests.attack.inprocess import child, in_process
from tests.support.faultserver import FaultServer
from tests.support.timing import timed_variant

N_CASES = 4


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    return in_process(tmp_path)


def _setup(
    project: Project,
    srv: FaultServer,
    source: str,
    *,
    cases: int = N_CASES,
    concurrency: int = 1,
    **config: Any,
) -> None:
    """A passing endpoint, cases that all use the ``hostile`` scorer, and that scorer."""
    project.write_config(
        {
            "url": srv.url("/echo"),
            "body": {"message": "{{ input.message }}"},
            "concurrency": concurrency,
        },
        scorers_dir="scorers/",
        **config,
    )
    project.write_golden(
        "g.yaml",
        {
            "dataset": "hostile",
            "cases": [
                {
                    "id": f"c{i}",
                    "input": {"message": f"m{i}"},
                    "expect": [{"contains": "echo"}, {"hostile": True}],
                }
                for i in range(cases)
            ],
        },
    )
    project.write_scorer("hostile.py", "from evalgate import Score, scorer\n" + source)


def _scorer(body: str, top: str = "") -> str:
    """A scorer module: ``top`` at import time, ``body`` (indented) when called."""
    lines = "\n".join("    " + line for line in body.strip().splitlines())
    return f"{top}\n\n@scorer('hostile')\ndef hostile(response, params, case):\n{lines}\n"


def _assert_results_intact(project: Project, run_dir: str) -> list[dict[str, Any]]:
    text = (project.root / run_dir / "results.jsonl").read_text("utf-8")
    assert text == "" or text.endswith("\n"), "a torn last line"
    return [json.loads(line) for line in text.splitlines()]


RAISES = {
    "sys.exit(0)": "import sys\nsys.exit(0)",
    "SystemExit": "raise SystemExit(0)",
    "GeneratorExit": "raise GeneratorExit()",
    "KeyboardInterrupt": "raise KeyboardInterrupt()",
    "BaseException subclass": "class Bye(BaseException):\n    pass\nraise Bye('bye')",
    "exit()": "exit(0)",
}


@pytest.mark.parametrize("raise_it", list(RAISES.values()), ids=list(RAISES))
def test_anything_raised_at_import_is_a_scorer_error(
    project: Project, srv: FaultServer, raise_it: str
) -> None:
    _setup(project, srv, _scorer("return True", top=raise_it))
    checked = project.cli("validate")
    assert checked.code == 2, checked.err
    assert "hostile.py:" in checked.out + checked.err
    ran = project.cli("run", "--out", "r1", "--json")
    assert ran.code == 2, ran.err
    assert "hostile.py:" in ran.err
    assert not (project.root / "r1" / "summary.json").exists()  # nothing was judged


@pytest.mark.parametrize("raise_it", list(RAISES.values()), ids=list(RAISES))
def test_anything_raised_when_called_is_a_scorer_error(
    project: Project, srv: FaultServer, raise_it: str
) -> None:
    _setup(project, srv, _scorer(raise_it))
    ran = project.cli("run", "--out", "r1", "--json")
    assert ran.code == 2, ran.err
    summary = ran.json()  # stdout is still the summary
    assert summary == project.read_json("r1/summary.json")
    assert summary["interrupted"] is False
    reasons = summary["verdict"]["reasons"]
    assert reasons[0]["kind"] == "scorer_error", reasons
    results = _assert_results_intact(project, "r1")
    assert sorted(r["case_id"] for r in results) == [f"c{i}" for i in range(N_CASES)]
    for r in results:
        assert r["status"] == "error"
        assert "scorer 'hostile' (scorers/hostile.py:" in r["error"]


def test_a_scorer_error_fails_rescore_and_no_gate_runs(project: Project, srv: FaultServer) -> None:
    _setup(project, srv, _scorer("return True"))
    assert project.cli("run", "--out", "r1", "-q").code == 0
    project.write_scorer(
        "hostile.py", _scorer("import sys\nsys.exit(0)", top="from evalgate import scorer")
    )
    rescored = project.cli("rescore", "r1", "--out", "r2", "-q")
    assert rescored.code == 2, rescored.err
    assert project.read_json("r2/summary.json")["verdict"]["reasons"][0]["kind"] == "scorer_error"
    ungated = project.cli("run", "--out", "r3", "-q", "--no-gate")
    assert ungated.code == 2, ungated.err
    assert "scorer 'hostile'" in ungated.err


@pytest.mark.parametrize("gate", [[], ["--no-gate"]], ids=["gated", "no-gate"])
def test_no_baseline_is_recorded_from_a_run_whose_scorer_failed(
    project: Project, srv: FaultServer, gate: list[str]
) -> None:
    _setup(project, srv, _scorer("raise SystemExit(0)"))
    ran = project.cli(
        "run", "--out", "r1", "-q", *gate, "--record-baseline", "--prompt-version", "p1"
    )
    assert ran.code == 2, ran.err
    assert "not recording a baseline: a scorer failed" in ran.err
    baselines = project.root / ".evalgate" / "baselines"
    assert not baselines.exists() or not any(baselines.iterdir())


def test_a_scorer_error_fails_a_canary(project: Project, srv: FaultServer) -> None:
    _setup(project, srv, _scorer("import sys\nsys.exit(0)"))
    canary = project.cli("canary", "--case", "c0", "--out", "k1")
    assert canary.code == 2, canary.out + canary.err
    assert "scorer 'hostile'" in canary.err


BAD_RESULTS = {
    "passed is a str": "return Score(0.0, 'no')",
    "passed is truthy non-bool": (
        "class B:\n    def __bool__(self):\n        return True\nreturn Score(1.0, B(), '')"
    ),
    "passed is 1": "return Score(1.0, 1, '')",
    "score above 1": "return Score(1.5, True)",
    "score is nan": "return Score(float('nan'), True)",
    "score is inf": "return float('inf')",
    "score is a str": "return Score('1', True)",
    "reason is not a str": "return Score(1.0, True, 42)",
    "a str": "return 'yes'",
    "None": "return None",
}


@pytest.mark.parametrize("body", list(BAD_RESULTS.values()), ids=list(BAD_RESULTS))
def test_an_invalid_result_is_a_scorer_error_not_a_pass(
    project: Project, srv: FaultServer, body: str
) -> None:
    _setup(project, srv, _scorer(body), cases=2)
    ran = project.cli("run", "--out", "r1", "-q")
    assert ran.code == 2, ran.err
    for r in _assert_results_intact(project, "r1"):
        assert r["status"] == "error"
        assert r["error"].startswith("scorer 'hostile' (scorers/hostile.py:"), r["error"]
    reason = project.read_json("r1/summary.json")["verdict"]["reasons"][0]
    assert reason["kind"] == "scorer_error"
    assert "(first: c0: scorer 'hostile'" in reason["message"]  # names the case and scorer


@timed_variant
def test_a_scorer_past_its_time_limit_is_a_scorer_error(
    project: Project, srv: FaultServer, timed: bool
) -> None:
    project = child(project)
    _setup(project, srv, _scorer("while True:\n    pass"), cases=2, scorer_timeout_s=0.3)
    ran = project.cli("run", "--out", "r1", "-q", timeout=30)
    assert ran.code == 2, ran.err
    assert not timed or ran.elapsed < 15
    for r in _assert_results_intact(project, "r1"):
        assert "did not finish within 0.3 s" in r["error"], r["error"]
        assert "scorer_timeout_s" in r["error"]


@timed_variant
def test_a_scorer_that_swallows_its_time_limit_still_ends(
    project: Project, srv: FaultServer, timed: bool
) -> None:
    project = child(project)
    body = "while True:\n    try:\n        time.sleep(1)\n    except BaseException:\n        pass"
    _setup(project, srv, _scorer(body, top="import time"), cases=2, scorer_timeout_s=0.2)
    ran = project.cli("run", "--out", "r1", "-q", timeout=30)
    assert ran.code == 2, ran.err
    assert "ignored its time limit" in ran.err
    assert not timed or ran.elapsed < 15
    _assert_results_intact(project, "r1")


def test_an_import_past_its_time_limit_is_a_scorer_error(
    project: Project, srv: FaultServer
) -> None:
    project = child(project)
    _setup(project, srv, _scorer("return True", top="while True:\n    pass"), scorer_timeout_s=0.3)
    checked = project.cli("validate", timeout=30)
    assert checked.code == 2, checked.err
    assert "did not finish within 0.3 s" in checked.out


def _wait_for(path: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"{path} never appeared")
        time.sleep(0.02)


HANG_ON_C2 = """
if case.id == 'c2':
    open('hanging', 'w').close()
    while True:
        pass
return True
"""


def test_a_scorer_that_ignores_sigterm_cannot_keep_the_run_alive(
    project: Project, srv: FaultServer
) -> None:
    project = child(project)
    # an earlier call turns SIGTERM off; the case that hangs does not touch it
    body = "if case.id != 'c2':\n    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n" + HANG_ON_C2
    _setup(project, srv, _scorer(body, top="import signal"), scorer_timeout_s=0)
    proc = project.popen("run", "--out", "r1", "-q")
    try:
        _wait_for(project.root / "hanging")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("SIGTERM was ignored")
    assert proc.returncode == 130, err
    assert project.read_json("r1/summary.json")["interrupted"] is True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("swallow", [False, True], ids=["loop", "swallowing-loop"])
def test_a_signal_ends_a_run_blocked_in_a_scorer(
    project: Project, srv: FaultServer, sig: signal.Signals, swallow: bool
) -> None:
    project = child(project)
    body = HANG_ON_C2
    if swallow:  # a loop that catches everything, the interrupt included
        body = HANG_ON_C2.replace(
            "        pass",
            "        try:\n            pass\n        except BaseException:\n            pass",
        )
    _setup(project, srv, _scorer(body), scorer_timeout_s=0)  # no time limit: only the signal
    proc = project.popen("run", "--out", "r1", "--json")
    try:
        _wait_for(project.root / "hanging")
        time.sleep(0.2)
        proc.send_signal(sig)
        if swallow:  # the scorer swallows the first signal: a second one ends the process
            time.sleep(0.5)
            proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the run did not end on a signal while a scorer was looping")
    assert proc.returncode == 130, err
    if out.strip():
        json.loads(out)  # whatever reached stdout is still JSON
    if not swallow:
        summary = project.read_json("r1/summary.json")
        assert summary["interrupted"] is True
        assert "--resume" in err
    results = _assert_results_intact(project, "r1")
    assert sorted(r["case_id"] for r in results) == ["c0", "c1"]  # c2 was not written
    assert all(r["status"] == "passed" for r in results)
    # the scorer is fixed; --resume finishes the run with what was kept
    project.write_scorer("hostile.py", _scorer("return True", top="from evalgate import scorer"))
    resumed = project.cli("run", "--resume", "r1", "-q")
    assert resumed.code == 0, resumed.err
    assert sorted(r["case_id"] for r in project.results("r1")) == [f"c{i}" for i in range(N_CASES)]


PRINTS = """
import os, subprocess, sys
print('import-time print')
@scorer('hostile')
def hostile(response, params, case):
    print('call-time print')
    sys.stdout.write('call-time write\\n')
    os.write(1, b'call-time fd write\\n')
    subprocess.run(['echo', 'child process'])
    return True
"""


def test_what_a_scorer_prints_goes_to_stderr(project: Project, srv: FaultServer) -> None:
    project = child(project)
    _setup(project, srv, PRINTS, cases=2)
    checked = project.cli("validate", "--json")
    assert checked.code == 0, checked.err
    assert json.loads(checked.out)["ok"] is True
    assert "import-time print" in checked.err
    ran = project.cli("run", "--out", "r1", "--json")
    assert ran.code == 0, ran.err
    assert ran.json()["run_id"]  # stdout is exactly the summary
    for text in (
        "import-time print",
        "call-time print",
        "call-time write",
        "call-time fd write",
        "child process",
    ):
        assert text in ran.err


def _terminate_when_hanging(project: Project, proc: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        _wait_for(project.root / "hanging")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("SIGTERM did not end the command")
    return proc.returncode, err


def test_sigterm_ends_validate_and_rescore_blocked_in_plugin_code(
    project: Project, srv: FaultServer
) -> None:
    project = child(project)
    _setup(project, srv, _scorer("return True"), scorer_timeout_s=0)
    assert project.cli("run", "--out", "r1", "-q").code == 0
    project.write_scorer("hostile.py", "from evalgate import scorer\n" + _scorer(HANG_ON_C2))
    code, err = _terminate_when_hanging(project, project.popen("rescore", "r1", "-q"))
    assert code == 130, err
    (project.root / "hanging").unlink()
    hang_at_import = "open('hanging', 'w').close()\nwhile True:\n    pass"
    project.write_scorer("hostile.py", "from evalgate import scorer\n" + hang_at_import)
    code, err = _terminate_when_hanging(project, project.popen("validate"))
    assert code == 130, err
