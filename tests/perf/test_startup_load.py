"""Start-up of the commands that load a project: what they import, and what they leave alone.

``evalgate validate`` checks a config and its goldens: it needs neither the HTTP client nor
the libraries under it (httpx, aiohttp, asyncio), nor the terminal report (rich). In the style
of tests/perf/test_startup.py: the modules a real start imports, read from ``-X importtime``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.perf.test_startup import modules_imported

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """version: 1
target:
  url: http://127.0.0.1:9/chat
  body: {message: "{{ input.message }}", tenant: "{{ case.metadata.tenant }}"}
  response: {output: answer, citations: "citations[].doc_id"}
goldens: [goldens/]
"""
GOLDENS = """dataset: faq
defaults: {metadata: {tenant: acme}}
cases:
  - id: refund
    input: {message: "How long is the refund window?"}
    expect:
      - contains: "30 days"
      - citation: {required: true, any_of: [kb-refunds]}
"""


def loading_imports(cwd: Path, *args: str) -> set[str]:
    """:func:`modules_imported` of a command that loads the project in ``cwd``."""
    names = modules_imported(cwd, *args)
    assert "evalgate.config.goldens" in names  # the project was loaded
    return names


def test_validate_imports_no_http_client_nor_terminal_report(tmp_path: Path) -> None:
    (tmp_path / "evalgate.yaml").write_text(CONFIG)
    (tmp_path / "goldens").mkdir()
    (tmp_path / "goldens" / "faq.yaml").write_text(GOLDENS)
    names = loading_imports(tmp_path, "validate")
    # the templates were checked (their module is imported), the client was not
    assert "evalgate.target.template" in names
    heavy = ("httpx", "aiohttp", "asyncio", "rich", "jsonschema", "evalgate.target.client")
    loaded = sorted(n for n in names for h in heavy if n == h or n.startswith(h + "."))
    assert not loaded


def test_version_imports_neither_typer_nor_click() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "evalgate", "--version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0
    names = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert "evalgate" in names and not {"typer", "click", "rich", "yaml"} & names
    from evalgate import __version__

    assert proc.stdout == f"evalgate {__version__}\n"


def test_version_prints_what_the_root_group_prints(capsys: pytest.CaptureFixture[str]) -> None:
    from evalgate.cli.main import main

    assert main(["--version"]) == 0
    quick = capsys.readouterr()
    assert main(["--version", "run"]) == 0  # parsed by the root group: its eager option
    parsed = capsys.readouterr()
    assert quick == parsed and quick.out.startswith("evalgate ")
