"""A copy of the demo project, pointed at a live reference middleware, for CLI-level tests.

The copy adds what the telemetry contract needs to be checked: an API key sent as a header
(a secret that must never surface), a user id in one canary case's metadata (must be hashed)
and canary tolerances that do not trip on a fast loopback server's scheduling noise.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import evalgate.demo
from evalgate.demo.server import DemoServer, start_server
from evalgate.model import Response
from evalgate.results import CaseResult

DEMO = Path(evalgate.demo.__file__).resolve().parent
API_KEY = "sk-demo-canary-5b7e19c2d4"
USER = "alice@example.com"
USER_CASE = "refund-window"
SALT = "test-salt"
# an absolute tolerance: the ok runs must not drift on loopback jitter, the slowed ones must
LATENCY_ABS_MS = 300
SLOW_MS = 700


def make_project(root: Path) -> Path:
    """Copy the demo project into ``root`` with the additions described above."""
    text = (DEMO / "evalgate.yaml").read_text("utf-8")
    text = text.replace(
        "target:\n", 'target:\n  headers: {Authorization: "Bearer ${COPILOT_API_KEY}"}\n', 1
    )
    # one retry, not three: an outage is reported in a second instead of three
    assert "  retries: 3\n" in text
    text = text.replace("  retries: 3\n", "  retries: 1\n")
    text += f"canary:\n  latency_p95_ratio: null\n  latency_p95_abs_ms: {LATENCY_ABS_MS}\n"
    (root / "evalgate.yaml").write_text(text, "utf-8")
    shutil.copytree(DEMO / "goldens", root / "goldens")
    golden = root / "goldens" / "support.yaml"
    marker = f"  - id: {USER_CASE}\n"
    src = golden.read_text("utf-8")
    assert marker in src
    golden.write_text(src.replace(marker, marker + f"    metadata: {{user: {USER}}}\n"), "utf-8")
    shutil.copytree(
        DEMO / "scorers", root / "scorers", ignore=shutil.ignore_patterns("__pycache__")
    )
    return root


def canary_case_ids(root: Path, tag: str = "canary") -> set[str]:
    """The ids of the cases tagged ``tag`` in the copied goldens (read, not assumed)."""
    doc = yaml.safe_load((root / "goldens" / "support.yaml").read_text("utf-8"))
    return {c["id"] for c in doc["cases"] if tag in (c.get("tags") or [])}


def responses(results: list[CaseResult]) -> list[Response]:
    """Every model call's response in a run (each turn of a multi-turn case is a call)."""
    out: list[Response] = []
    for r in results:
        if r.turns:
            out += [t.response for t in r.turns if t.response is not None]
        elif r.response is not None:
            out.append(r.response)
    return out


def json_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture()
def server() -> Iterator[DemoServer]:
    with start_server(port=0, prompt_version="v1", api_key=API_KEY) as s:
        yield s


@pytest.fixture()
def project(tmp_path: Path, server: DemoServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COPILOT_URL", server.url)
    monkeypatch.setenv("COPILOT_API_KEY", API_KEY)
    monkeypatch.setenv("EVALGATE_LOG_SALT", SALT)
    for name in ("EVALGATE_CONFIG", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    return make_project(tmp_path)
