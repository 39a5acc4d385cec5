"""Fixtures: a local Langfuse-speaking server and the environment pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evalgate import masking
from tests.langfuse import _redact_bridge
from tests.langfuse_server import PUBLIC_KEY, SECRET_KEY, LangfuseServer
from tests.langfuse_server.seed import seed

_redact_bridge.install()


@pytest.fixture
def lf_server() -> Iterator[LangfuseServer]:
    with LangfuseServer() as srv:
        seed(srv.store)
        yield srv
        assert srv.schema_errors == [], "the server broke the Langfuse spec"


@pytest.fixture
def lf_env(lf_server: LangfuseServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in a fresh folder with the SDK's environment variables pointing at the server."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", PUBLIC_KEY)
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("LANGFUSE_BASE_URL", lf_server.url)
    monkeypatch.delenv("LANGFUSE_HOST", raising=False)
    monkeypatch.delenv("EVALGATE_CONFIG", raising=False)
    (tmp_path / "evalgate.yaml").write_text(
        "version: 1\ntarget: {url: http://127.0.0.1:1/x}\ngoldens: [goldens/]\n"
        "langfuse: {timeout_s: 3}\n",
        encoding="utf-8",
    )
    (tmp_path / "goldens").mkdir()
    yield tmp_path
    masking.clear()
