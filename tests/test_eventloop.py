"""The event loop a run uses: uvloop for the command where installed, the caller's otherwise."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import evalgate
from evalgate import eventloop
from evalgate.errors import ExitCode, UsageError
from tests.engine.helpers import write_project

HAS_UVLOOP = importlib.util.find_spec("uvloop") is not None
needs_uvloop = pytest.mark.skipif(not HAS_UVLOOP, reason="uvloop (the fast extra) not installed")

LOOP_APP = """

async def loop_kind(request):
    import asyncio
    return {"answer": type(asyncio.get_running_loop()).__module__, "version": "v1"}
"""


@pytest.fixture()
def as_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process is not the evalgate command (whatever an earlier test made it)."""
    monkeypatch.setattr(eventloop, "_command", False)
    monkeypatch.delenv(eventloop.ENV, raising=False)
    yield


@pytest.fixture()
def as_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(eventloop, "_command", False)
    monkeypatch.delenv(eventloop.ENV, raising=False)
    eventloop.command_process()


def _no_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` raises ImportError


def test_the_api_makes_its_loop_as_asyncio_does(as_api: None) -> None:
    assert eventloop.loop_factory() is None


@pytest.mark.parametrize("value", ["", "auto", " AUTO "])
def test_the_command_uses_uvloop_when_it_is_installed(
    as_command: None, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(eventloop.ENV, value)
    factory = eventloop.loop_factory()
    if not HAS_UVLOOP:
        assert factory is None
        return
    assert factory is not None
    loop = factory()
    try:
        assert eventloop.name(loop) == "uvloop"
    finally:
        loop.close()


def test_the_command_without_uvloop_uses_asyncio(
    as_command: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_uvloop(monkeypatch)
    assert eventloop.loop_factory() is None


def test_asyncio_opts_the_command_out(as_command: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(eventloop.ENV, "asyncio")
    assert eventloop.loop_factory() is None


def test_asking_for_uvloop_without_it_is_a_usage_error(
    as_api: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_uvloop(monkeypatch)
    monkeypatch.setenv(eventloop.ENV, "uvloop")
    with pytest.raises(UsageError, match=r"uvloop is not installed.*evalgate-middleware\[fast\]"):
        eventloop.loop_factory()


def test_an_unknown_choice_is_a_usage_error_naming_the_choices(
    as_api: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(eventloop.ENV, "tokio")
    with pytest.raises(UsageError, match=r"EVALGATE_EVENT_LOOP: unknown value 'tokio'.*auto"):
        eventloop.loop_factory()
    assert UsageError("x").exit_code == ExitCode.USAGE


def test_name_tells_asyncio_loops_apart() -> None:
    loop = asyncio.SelectorEventLoop()
    try:
        assert eventloop.name(loop) == "asyncio"
    finally:
        loop.close()


def _run_kind(tmp_path: Path) -> str:
    cfg = write_project(tmp_path, function="loopkind_app:loop_kind")
    (tmp_path / "loopkind_app.py").write_text(LOOP_APP, encoding="utf-8")
    sys.modules.pop("loopkind_app", None)  # each test's own file
    result = evalgate.run(cfg, out=tmp_path / "r", gate=False)
    assert result.exit_code in (ExitCode.OK, ExitCode.GATE_FAILED), result
    lines = (tmp_path / "r" / "results.jsonl").read_text("utf-8").splitlines()
    kinds = {json.loads(line)["response"]["output"] for line in lines}
    assert len(kinds) == 1, kinds
    return kinds.pop()


def test_an_api_run_keeps_asyncio_even_with_uvloop_installed(as_api: None, tmp_path: Path) -> None:
    assert not _run_kind(tmp_path).startswith("uvloop")


@needs_uvloop
def test_an_api_run_keeps_the_callers_policy(
    as_api: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    try:
        assert _run_kind(tmp_path).startswith("uvloop")
    finally:
        asyncio.set_event_loop_policy(None)


@needs_uvloop
def test_an_api_run_uses_uvloop_when_asked(
    as_api: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(eventloop.ENV, "uvloop")
    assert _run_kind(tmp_path).startswith("uvloop")
