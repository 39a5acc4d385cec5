"""Start-up: `evalgate --help` imports no command module, nor anything heavy.

The root group lists commands from a table in evalgate/cli/main.py; these tests keep the table
in step with what the modules register, and check which modules a start-up really imports.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer

from evalgate.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("httpx", "rich", "yaml", "jsonschema", "langfuse", "opentelemetry", "jmespath")


def imported_by(*args: str) -> set[str]:
    """Top-level package names imported by ``python -X importtime -m evalgate ARGS``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "evalgate", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert "evalgate" in names  # the output was parsed
    return names


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
