"""aiohttp imported in a thread of its own while `evalgate run` imports and loads the rest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evalgate.target import warm

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, *args: str, cwd: Path | None = None) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip().splitlines()[-1]


# what `evalgate run` has imported when it starts the thread (main.py, root.py, cmd_run.py and
# the config read ahead), then the dependencies, then aiohttp: what is left for the thread
LEFT_FOR_THE_THREAD = """
import importlib, json, sys
from evalgate.cli import main, root, cmd_run
from evalgate.target import warm
import yaml
for name in warm.DEPENDENCIES:
    importlib.import_module(name)
before = set(sys.modules)
import aiohttp
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_the_thread_imports_only_aiohttp_s_own_modules() -> None:
    # the calling thread goes on importing the engine while the thread imports aiohttp; they
    # never wait for each other's imports when the thread has nothing but aiohttp.* to import
    left = json.loads(_python(LEFT_FOR_THE_THREAD))
    assert "aiohttp.connector" in left  # the TLS contexts are built in the thread
    others = [m for m in left if m.split(".")[0] != "aiohttp" and not m.startswith("_cython_")]
    assert not others, f"import these in warm.DEPENDENCIES: {others}"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("version: 1\ntarget: {url: 'http://x/'}\n", True),
        ("version: 1\ntarget: {url: 'http://x/', transport: aiohttp}\n", True),
        ("version: 1\ntarget: {url: 'http://x/', transport: httpx}\n", False),
        ("version: 1\ntarget: {python: 'app:answer'}\n", False),
        ("version: 1\ntarget: [\n", False),  # not YAML: the project's loading says so
        ("- a list\n", False),
        ("version: 1\n", False),
    ],
)
def test_the_config_says_whether_aiohttp_will_be_used(
    tmp_path: Path, config: str, expected: bool
) -> None:
    path = tmp_path / "evalgate.yaml"
    path.write_text(config)
    assert warm.over_aiohttp(path) is expected


def test_a_missing_or_very_large_config_is_not_read_ahead(tmp_path: Path) -> None:
    assert warm.over_aiohttp(tmp_path / "none.yaml") is False
    fifo = tmp_path / "pipe.yaml"  # `--config <(...)`: read once, by the project's loading
    os.mkfifo(fifo)
    assert warm.over_aiohttp(fifo) is False  # (reading it would block this test)
    big = tmp_path / "big.yaml"
    big.write_text("version: 1\ntarget: {url: 'http://x/'}\n#" + "x" * 300_000 + "\n")
    assert warm.over_aiohttp(big) is False


FAILED_IMPORT = """
import sys
sys.modules["aiohttp"] = None  # an install whose aiohttp does not import
from evalgate.target import warm
print(warm.start(), file=sys.stderr)
warm.wait()
try:
    import evalgate.target.aio
except ImportError as exc:
    print("ImportError", exc.name)
"""


def test_a_failed_import_is_met_again_by_the_first_call() -> None:
    # the thread swallows nothing the run would have seen: the first call's import fails as
    # it did without the thread
    assert _python(FAILED_IMPORT) == "ImportError aiohttp"


BROKEN_DEPENDENCY = """
import sys
sys.modules["yarl"] = None
from evalgate.target import warm
print(warm.start(), warm._thread)
"""


def test_no_thread_when_a_dependency_does_not_import() -> None:
    assert _python(BROKEN_DEPENDENCY) == "False None"


def test_only_the_evalgate_process_starts_the_thread(tmp_path: Path) -> None:
    # main(argv) (tests, embedding code) leaves the imports to the calling thread
    from evalgate.cli import process

    path = tmp_path / "evalgate.yaml"
    path.write_text("version: 1\ntarget: {url: 'http://x/'}\n")
    process.calling(path)
    assert warm._thread is None


ENDS_AT_ONCE = """
import atexit
from evalgate.target import warm
atexit.register(lambda: print("alive" if warm._thread.is_alive() else "done"))
print(warm.start())
raise SystemExit(0)  # a command that ends before the import does (e.g. a usage error)
"""


def test_a_command_that_ends_at_once_waits_for_the_import_before_it_exits() -> None:
    # the interpreter joins the thread before it is torn down (atexit handlers run after
    # that join): torn down under a thread still inside OpenSSL, the process could crash
    assert _python(ENDS_AT_ONCE) == "done"
