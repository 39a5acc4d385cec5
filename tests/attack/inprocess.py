"""The attack suite's ``Project``, with ``cli`` run in this process instead of a child.

Where what a test checks is the command's behaviour (exit code, messages, the state left on
disk) and not the process boundary, starting the installed ``evalgate`` for every call costs
most of the test's time (the interpreter and its imports, again and again). ``InProcessProject``
gives the same ``CliRun`` from :func:`evalgate.cli.main.main` called here, with what a child
would see: the project folder as the working directory, exactly ``env`` as ``os.environ``,
``stdin`` as standard input, stdout and stderr as UTF-8 byte streams read back the way
``subprocess.run(text=True)`` reads a pipe, and no state carried from one call to the next
(masked secrets, the debug flag, the environment, the custom scorers loaded). ``popen`` still
starts the installed command (signals, ``kill -9``, concurrent runs need a process of their
own); so do the tests kept in each module for the boundary itself (:func:`child`). A hang is
caught by the suite's own per-test timeout.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from evalgate import masking
from tests.attack.conftest import CliRun, Project, clean_env


def _read_back(raw: bytes) -> str:
    """As ``subprocess.run(text=True)`` decodes a pipe: UTF-8, universal newlines."""
    return io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8").read()


def _scorers() -> tuple[dict[str, object], set[object], bool]:
    from evalgate.scorers.registry import REGISTRY

    REGISTRY.ensure_builtins()
    return dict(REGISTRY._defs), set(REGISTRY._loaded_dirs), REGISTRY._entry_points_loaded


def _restore_scorers(saved: tuple[dict[str, object], set[object], bool]) -> None:
    """The registry as it was before the call: the next one loads the scorers' files afresh."""
    from evalgate.scorers.registry import REGISTRY

    defs, dirs, eps = saved
    REGISTRY._defs.clear()
    REGISTRY._defs.update(defs)  # type: ignore[arg-type]
    REGISTRY._loaded_dirs.clear()
    REGISTRY._loaded_dirs.update(dirs)  # type: ignore[arg-type]
    REGISTRY._entry_points_loaded = eps
    for name in [m for m in sys.modules if m.startswith("evalgate_user_scorers.")]:
        del sys.modules[name]


def run_in_process(
    args: list[str], cwd: Path, env: Mapping[str, str], stdin: str | None = None
) -> CliRun:
    """``evalgate ARGS`` through :func:`evalgate.cli.main.main`, isolated as a child would be."""
    from evalgate.cli.main import main

    out_raw, err_raw = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_raw, encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(err_raw, encoding="utf-8", write_through=True)
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    saved_scorers = _scorers()
    started = time.monotonic()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    sys.stdin = io.StringIO(stdin or "")
    sys.stdout, sys.stderr = out, err
    try:
        code = main(args)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        masking.clear()
        _restore_scorers(saved_scorers)
    elapsed = time.monotonic() - started
    out.flush()
    err.flush()
    return CliRun(code, _read_back(out_raw.getvalue()), _read_back(err_raw.getvalue()), elapsed)


@dataclass
class InProcessProject(Project):
    """A throw-away project whose ``cli`` runs in-process (``popen`` still starts a child)."""

    def cli(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        timeout: float = 60.0,
        stdin: str | None = None,
    ) -> CliRun:
        del timeout  # the per-test timeout of the suite ends a hang
        return run_in_process(list(args), self.root, {**self.env, **(env or {})}, stdin)


def in_process(tmp_path: Path) -> InProcessProject:
    """What a module's own ``project`` fixture returns to run its commands in-process."""
    return InProcessProject(tmp_path, clean_env())


def child(project: Project) -> Project:
    """The same project with ``cli`` starting the installed command (the boundary's tests)."""
    return Project(project.root, project.env)
