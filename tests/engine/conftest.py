from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalgate.demo.server import DemoServer, start_server

DEMO = Path(__file__).resolve().parents[2] / "evalgate" / "demo"


@pytest.fixture()
def server() -> Iterator[DemoServer]:
    with start_server(port=0, prompt_version="v1") as s:
        yield s


@pytest.fixture()
def project(tmp_path: Path, server: DemoServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo project pointed at a fresh reference middleware."""
    shutil.copy(DEMO / "evalgate.yaml", tmp_path / "evalgate.yaml")
    shutil.copytree(DEMO / "goldens", tmp_path / "goldens")
    shutil.copytree(
        DEMO / "scorers", tmp_path / "scorers", ignore=shutil.ignore_patterns("__pycache__")
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COPILOT_URL", server.url)
    monkeypatch.delenv("EVALGATE_CONFIG", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path
