"""Custom scorer code runs guarded: whatever it raises, returns, prints or loops on."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from evalgate import guard
from evalgate.engine.execution import _run_interruptible
from evalgate.model import Case, Response, Score, ScorerSpec
from evalgate.scorers.outcome import InvalidScore, coerce_score
from evalgate.scorers.registry import Registry, ScorerDef, ScoreRecord, apply_scorer
from tests.support.timing import timed_variant

CASE = Case("c1", "d")
ANSWER = Response(output="hello")


@pytest.fixture(autouse=True)
def _fresh_guard() -> Iterator[None]:
    guard.reset()
    yield
    guard.reset()


def _apply(fn: Callable[..., Any], limit: float | None = 5.0) -> ScoreRecord:
    reg = Registry()
    reg.time_limit_s = limit
    code = getattr(fn, "__code__", None)
    reg.add(ScorerDef("custom", fn, None, "", origin="scorers/custom.py", code=code))
    return apply_scorer(ScorerSpec("custom", True), ANSWER, CASE, reg)


class Bye(BaseException):
    pass


def _raiser(exc: BaseException) -> Callable[..., Any]:
    def fn(response: Response, params: Any, case: Case) -> Any:
        raise exc

    return fn


@pytest.mark.parametrize(
    "exc",
    [SystemExit(0), GeneratorExit(), KeyboardInterrupt(), Bye("bye"), ValueError("bad")],
    ids=lambda e: type(e).__name__,
)
def test_anything_a_scorer_raises_is_an_error_record(exc: BaseException) -> None:
    rec = _apply(_raiser(exc))
    assert rec.error is not None and not rec.passed and rec.score == 0.0
    assert rec.error.startswith("scorer 'custom' (")
    assert f"raised {type(exc).__name__}" in rec.error


def test_an_exception_whose_message_itself_raises_is_still_reported() -> None:
    class Nasty(Exception):
        def __str__(self) -> str:
            raise SystemExit(3)

    rec = _apply(_raiser(Nasty()))
    assert rec.error is not None and "raised Nasty (its message could not be shown)" in rec.error


@pytest.mark.parametrize(
    "value",
    [
        Score(0.0, "no"),  # type: ignore[arg-type]
        Score(1.0, 1),  # type: ignore[arg-type]
        Score(1.5, True),
        Score(-0.1, False),
        Score(float("nan"), True),
        Score(float("inf"), True),
        Score("1", True),  # type: ignore[arg-type]
        Score(1.0, True, 42),  # type: ignore[arg-type]
        float("nan"),
        2,
        "yes",
        None,
        [1.0],
    ],
    ids=repr,
)
def test_invalid_results_are_rejected(value: object) -> None:
    with pytest.raises(InvalidScore):
        coerce_score(value, "custom")
    rec = _apply(lambda r, p, c: value)
    assert rec.error is not None and not rec.passed
    assert rec.error.startswith("scorer 'custom' (")


def test_a_truthy_non_bool_passed_does_not_pass() -> None:
    class Truthy:
        def __bool__(self) -> bool:
            return True

    rec = _apply(lambda r, p, c: Score(1.0, Truthy(), ""))  # type: ignore[arg-type]
    assert rec.error is not None and "passed is Truthy; use True or False" in rec.error


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Score(1, True, "ok"), Score(1.0, True, "ok")),
        (Fraction(1, 4), Score(0.25, False, "")),
        (0.5, Score(0.5, True, "")),
        (True, Score(1.0, True, "")),
        (False, Score(0.0, False, "custom failed")),
    ],
)
def test_valid_results_become_plain_types(value: object, expected: Score) -> None:
    s = coerce_score(value, "custom")
    assert s == expected
    assert type(s.value) is float and type(s.reason) is str


@timed_variant
def test_a_scorer_past_its_time_limit_is_an_error_record(timed: bool) -> None:
    def spin(r: Response, p: Any, c: Case) -> bool:
        while True:
            pass

    started = time.monotonic()
    rec = _apply(spin, limit=0.2)  # the scorer never returns: a record means it was cut off
    assert not timed or time.monotonic() - started < 2
    assert rec.error is not None and "did not finish within 0.2 s" in rec.error
    # it points at where the scorer was looping, not at its def line
    line = int(re.search(r"test_guard\.py:(\d+)\)", rec.error).group(1))  # type: ignore[union-attr]
    assert spin.__code__.co_firstlineno < line <= spin.__code__.co_firstlineno + 2


def test_a_scorer_that_swallows_its_deadline_and_returns_is_still_timed_out() -> None:
    def swallow(r: Response, p: Any, c: Case) -> bool:
        try:
            time.sleep(5)
        except BaseException:
            return True
        return True

    rec = _apply(swallow, limit=0.1)
    assert rec.error is not None and "did not finish within 0.1 s" in rec.error


def test_the_time_limit_leaves_another_alarm_in_place() -> None:
    fired: list[int] = []
    old = signal.signal(signal.SIGALRM, lambda s, f: fired.append(s))
    old_timer = signal.setitimer(signal.ITIMER_REAL, 30.0)
    try:
        assert _apply(lambda r, p, c: True).passed
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25.0 < left <= 30.0
        assert signal.getsignal(signal.SIGALRM) is not guard._on_alarm
    finally:
        signal.setitimer(signal.ITIMER_REAL, *old_timer)
        signal.signal(signal.SIGALRM, old)
    assert not fired


def test_what_a_scorer_prints_goes_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    def chatty(r: Response, p: Any, c: Case) -> bool:
        print("via print")
        sys.stdout.write("via sys.stdout\n")
        os.write(1, b"via fd 1\n")
        return True

    print("before", flush=True)
    assert _apply(chatty).passed
    print("after", flush=True)
    out, err = capfd.readouterr()
    assert out == "before\nafter\n"
    assert "via print" in err and "via sys.stdout" in err and "via fd 1" in err


def test_a_real_interrupt_propagates_out_of_a_scorer() -> None:
    def interrupted(r: Response, p: Any, c: Case) -> bool:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
        return True

    restore = guard.install_interrupts()
    try:
        with pytest.raises(KeyboardInterrupt):
            _apply(interrupted)
        assert guard.interrupted()
    finally:
        restore()


@timed_variant
def test_a_signal_cancels_a_run_blocked_in_a_scorer(timed: bool) -> None:
    """The event loop's own signal handling never runs while a scorer blocks it."""
    kept: list[str] = []

    async def main() -> None:
        kept.append("first")
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
        guard.call(lambda: time.sleep(10), None)  # blocks the loop, no time limit
        kept.append("after the scorer")  # never reached

    started = time.monotonic()
    assert _run_interruptible(main) is True
    assert not timed or time.monotonic() - started < 5
    assert kept == ["first"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_run_without_a_signal_is_not_interrupted() -> None:
    async def main() -> None:
        await asyncio.sleep(0)
        guard.call(lambda: None, 1.0)

    assert _run_interruptible(main) is False


def test_signal_handlers_a_scorer_replaces_are_put_back() -> None:
    def tamper(r: Response, p: Any, c: Case) -> bool:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        return True

    restore = guard.install_interrupts()
    try:
        assert _apply(tamper).passed
        assert signal.getsignal(signal.SIGTERM) is guard.keyboard_interrupt
        assert signal.getsignal(signal.SIGINT) is guard.keyboard_interrupt
    finally:
        restore()


@pytest.mark.parametrize(
    "decorator",
    ["@scorer(123)", "@scorer('x', params=object())", "@scorer('x', description=5)"],
)
def test_bad_scorer_registrations_are_import_problems(tmp_path: Path, decorator: str) -> None:
    (tmp_path / "bad.py").write_text(
        f"from evalgate import scorer\n\n{decorator}\ndef x(response, params, case):\n"
        "    return True\n"
    )
    problems = Registry().load_dir(tmp_path)
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (3, "error while loading custom scorers")
    ]
    assert "TypeError: @scorer" in problems[0].message


def test_a_params_schema_is_kept_as_plain_json(tmp_path: Path) -> None:
    (tmp_path / "odd.py").write_text(
        "from collections import UserDict\nfrom evalgate import scorer\n\n"
        "class Sneaky(UserDict):\n    pass\n\n"
        "@scorer('odd', params=Sneaky(type='string'))\n"
        "def odd(response, params, case):\n    return True\n"
    )
    reg = Registry()
    assert reg.load_dir(tmp_path) == []
    d = reg.get("odd")
    assert d is not None and type(d.params_schema) is dict
    assert d.params_schema == {"type": "string"}
    assert d.code is not None and d.code.co_filename.endswith("odd.py")


def test_no_plugin_code_starts_after_a_signal() -> None:
    ran: list[int] = []
    restore = guard.install_interrupts()
    try:
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        with pytest.raises(KeyboardInterrupt):
            guard.call(lambda: ran.append(1), 1.0)
    finally:
        restore()
    assert ran == []
    assert not guard.interrupted()  # handled: plugin calls after it run again
    guard.call(lambda: ran.append(2), 1.0)
    assert ran == [2]
