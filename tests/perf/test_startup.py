"""Start-up: `evalgate --help` imports no command module, nor anything heavy.

The root group lists commands from a table in evalgate/cli/main.py; these tests keep the table
in step with what the modules register, and check which modules a start-up really imports.
"""

from __future__ import annotations

import gc
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import click
import pytest
import typer

from evalgate.cli import main as cli_main
from evalgate.cli import process

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("httpx", "rich", "yaml", "jsonschema", "langfuse", "opentelemetry", "jmespath")


def modules_imported(cwd: Path, *args: str) -> set[str]:
    """Every module ``python -X importtime -m evalgate ARGS`` imports in ``cwd`` (full dotted
    names, read from the real start's import log)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "evalgate", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert "evalgate" in names  # the output was parsed
    return names


def imported_by(*args: str) -> set[str]:
    """Top-level package names imported by ``python -X importtime -m evalgate ARGS``."""
    return {name.split(".")[0] for name in modules_imported(ROOT, *args)}


def test_help_imports_no_command_module_and_nothing_heavy() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = (
        "import sys; from evalgate.cli.main import main; rc = main(['--help']);"
        "print(sorted(m for m in sys.modules if m.startswith('evalgate.cli.cmd_')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.stdout.strip().endswith("[]"), out.stdout[-500:]
    assert not set(HEAVY) & imported_by("--help")


@pytest.mark.parametrize("command", ["run", "validate", "report", "baseline"])
def test_a_command_help_imports_neither_langfuse_nor_opentelemetry(command: str) -> None:
    names = imported_by(command, "--help")
    assert not {"langfuse", "opentelemetry"} & names


def test_command_table_matches_what_the_modules_register() -> None:
    modules = sorted({m for m, _ in cli_main.COMMANDS.values()})
    registered: dict[str, tuple[str, str]] = {}
    for module in modules:
        group = cli_main.command_group(module)
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            assert cmd is not None
            registered[name] = (module, cmd.get_short_help_str(limit=1000))
    assert registered == cli_main.COMMANDS
    # every command module in the package is listed
    on_disk = {p.stem for p in (ROOT / "evalgate" / "cli").glob("cmd_*.py")}
    assert on_disk == set(modules)


def test_help_lists_every_command_and_a_command_still_runs() -> None:
    root = typer.main.get_command(cli_main.app)
    ctx = click.Context(root, info_name="evalgate")
    text = root.get_help(ctx)
    for name in cli_main.COMMANDS:
        assert f"\n  {name} " in text
    assert cli_main.main(["schema", "golden"]) == 0
    assert cli_main.main(["no-such-command"]) == 2


# -- a plain `evalgate run`: what it imports, and what the process leaves for its exit --------

# Modules a run imports only when its project uses them: the refusal scorer's pattern tables,
# the LLM judge, OpenTelemetry and Langfuse, the report renderers nobody asked for, httpx's
# own command-line client (rich's progress bars and pygments, through `import httpx`), and
# rich itself when stderr is not a terminal (CI).
NOT_FOR_A_PLAIN_RUN = (
    "evalgate.scorers._refusal_lang",
    "evalgate.llmjudge.grader",
    "evalgate.llmjudge.client",
    "evalgate.llmjudge.cache",
    "evalgate.llmjudge.calibration",
    "evalgate.llmjudge.prompts",
    "evalgate.integrations.langfuse",
    "opentelemetry",
    "langfuse",
    "evalgate.report.junit",
    "evalgate.report.markdown",
    "evalgate.report.html",
    "jsonschema",
    "httpx._main",
    "pygments",
    # rich draws the report and the live progress bar only on a terminal; off one (CI) the
    # report is written as rich would write it, without rich (evalgate/report/plainterm.py)
    "rich",
    # the installed distributions are read from their files (evalgate/distscan.py) when no
    # other one provides evalgate or declares scorer plugins
    "importlib.metadata",
    "evalgate.integrations.otel",  # only when an OTLP endpoint is configured
)

PLAIN_CONFIG = """version: 1
target:
  url: {url}
  method: POST
  body: {{message: "{{{{ input.message }}}}"}}
  response: {{output: answer}}
  concurrency: 4
goldens: [goldens/]
"""
PLAIN_GOLDENS = """cases:
  - id: refund
    input: {message: "How long is the refund window?"}
    expect:
      - contains: "30 days"
  - id: hours
    input: {message: "When are you open?"}
    expect:
      - contains: "30 days"
"""
# runs `evalgate run` as the `evalgate` command does (main() on the process's own command line),
# then reports what stayed imported and what is left for the collections at exit
PROCESS_PROBE = """
import gc, json, sys, threading
from evalgate.cli.main import main

importers = {}  # module -> the thread that imported it

class Watch:
    @staticmethod
    def find_spec(name, path=None, target=None):
        importers.setdefault(name, threading.current_thread().name)
        return None

sys.meta_path.insert(0, Watch)
sys.argv = ["evalgate", "run", "--out", sys.argv[1]]
rc = main()
print(json.dumps({"rc": rc, "modules": sorted(sys.modules), "tracked": len(gc.get_objects()),
                  "frozen": gc.get_freeze_count(), "enabled": gc.isenabled(),
                  "threshold": gc.get_threshold(), "importers": importers}))
"""


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"answer": "Refunds are accepted within 30 days."}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One plain `evalgate run` (no refusal scorer, judge, telemetry nor report file)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    root = tmp_path_factory.mktemp("plain")
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/chat"
        (root / "evalgate.yaml").write_text(PLAIN_CONFIG.format(url=url))
        (root / "goldens").mkdir()
        (root / "goldens" / "faq.yaml").write_text(PLAIN_GOLDENS)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
        for name in ("GITHUB_ACTIONS", "OTEL_EXPORTER_OTLP_ENDPOINT", "EVALGATE_CONFIG"):
            env.pop(name, None)
        proc = subprocess.run(
            [sys.executable, "-c", PROCESS_PROBE, str(root / "run")],
            capture_output=True,
            text=True,
            env=env,
            cwd=root,
            timeout=120,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert proc.returncode == 0, proc.stderr[-2000:]
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["rc"] == 0, proc.stderr[-2000:]
    return out


def test_a_plain_run_imports_only_what_its_project_uses(plain_run: dict[str, Any]) -> None:
    modules = set(plain_run["modules"])
    # it did run: the engine, the HTTP client and the scorer it used are there
    assert {"evalgate.engine.core", "evalgate.target.aio", "evalgate.scorers.text"} <= modules
    loaded = {m for m in modules for n in NOT_FOR_A_PLAIN_RUN if m == n or m.startswith(n + ".")}
    assert not loaded


def test_the_process_leaves_its_exit_no_objects_to_collect(plain_run: dict[str, Any]) -> None:
    # the interpreter's last collections walk every object still tracked (a run's cases and
    # results): 60-150 ms at 1,000 cases. After main() nearly everything is frozen.
    assert plain_run["frozen"] > 10_000
    assert plain_run["tracked"] < plain_run["frozen"] / 20
    assert plain_run["enabled"]  # the collector ran during the command


def test_the_process_collects_young_objects_less_often(plain_run: dict[str, Any]) -> None:
    # a run's long-lived results and rows were walked ~100 times per 1,000 cases at the
    # default threshold (700); the evalgate process raises it once its modules are imported
    assert plain_run["threshold"][0] == process.GEN0_THRESHOLD == 10_000
    assert plain_run["threshold"][1:] == list(gc.get_threshold()[1:])


def test_aiohttp_is_imported_in_a_thread_while_the_run_imports_the_rest(
    plain_run: dict[str, Any],
) -> None:
    # aiohttp's TLS contexts (aiohttp/connector.py, ~50 ms of CPU loading CA certificates)
    # are built in a thread of their own, overlapping the engine's imports
    importers = plain_run["importers"]
    assert importers["aiohttp.connector"] == "evalgate-import-aiohttp"
    assert importers["evalgate.engine.core"] == "MainThread"
    # the thread imported nothing but aiohttp's own modules (target/warm.py; it looks for
    # optional ones that are not installed, as the main thread may: that waits for no one)
    loaded = set(plain_run["modules"])
    by_thread = {m for m, t in importers.items() if t != "MainThread" and m in loaded}
    assert {m.split(".")[0] for m in by_thread} == {"aiohttp"}


def test_main_with_arguments_leaves_the_collector_and_httpx_alone() -> None:
    # main(argv) is what tests and embedding code call: the process-only changes stay out
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = (
        "import gc, sys; from evalgate.cli.main import main; rc = main(['schema', 'golden']);"
        "import httpx, httpx._main;"
        "print(rc, gc.isenabled(), gc.get_freeze_count(), gc.get_threshold()[0], file=sys.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.stderr.strip().splitlines()[-1] == f"0 True 0 {gc.get_threshold()[0]}"
