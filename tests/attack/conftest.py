"""The attack suite: the installed ``evalgate`` command against hostile servers and projects.

Every test here drives the console script in a subprocess, the way a CI job runs it, and
asserts what a gate must guarantee: the exit code (never 0 on a regressed endpoint, never 4),
the state left on disk, and that no secret or control sequence reaches an output. Servers listen
on 127.0.0.1 only; every run has a wall-clock limit so a hang fails the test instead of CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.faultserver import FaultServer

# small timeouts and backoff: every fault the server plays resolves in about a second
FAST_TARGET: dict[str, Any] = {
    "timeout_s": 0.5,
    "connect_timeout_s": 0.5,
    "retries": 1,
    "backoff_base_s": 0.01,
    "backoff_max_s": 0.05,
    "concurrency": 4,
}


def evalgate_command() -> list[str]:
    """The console script installed next to this interpreter (``python -m evalgate`` if none)."""
    script = Path(sys.executable).parent / "evalgate"
    return [str(script)] if script.exists() else [sys.executable, "-m", "evalgate"]


@dataclass
class CliRun:
    code: int
    out: str
    err: str
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Project:
    """A throw-away evalgate project in a temporary folder."""

    root: Path
    env: dict[str, str]

    def write_config(self, target: Mapping[str, Any], **extra: Any) -> Path:
        cfg: dict[str, Any] = {
            "version": 1,
            "target": {**FAST_TARGET, **target},
            "goldens": ["goldens/"],
            "scorers_dir": extra.pop("scorers_dir", None),
            **extra,
        }
        path = self.root / "evalgate.yaml"
        path.write_text(yaml.safe_dump(cfg, sort_keys=False), "utf-8")
        return path

    def write_golden(self, name: str, doc: Mapping[str, Any] | str) -> Path:
        folder = self.root / "goldens"
        folder.mkdir(exist_ok=True)
        text = doc if isinstance(doc, str) else yaml.safe_dump(dict(doc), sort_keys=False)
        path = folder / name
        path.write_text(text, "utf-8")
        return path

    def write_scorer(self, name: str, source: str) -> Path:
        folder = self.root / "scorers"
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_text(source, "utf-8")
        return path

    def cli(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        timeout: float = 60.0,
        stdin: str | None = None,
    ) -> CliRun:
        """Run ``evalgate ARGS`` in the project folder; a run past ``timeout`` fails the test."""
        started = time.monotonic()
        try:
            proc = subprocess.run(
                [*evalgate_command(), *args],
                cwd=self.root,
                env={**self.env, **(env or {})},
                input=stdin,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"evalgate {' '.join(args)} still running after {timeout} s: {exc}")
        return CliRun(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)

    def popen(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
        """Start ``evalgate ARGS`` without waiting (for signals and concurrent runs)."""
        return subprocess.Popen(
            [*evalgate_command(), *args],
            cwd=self.root,
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def read_json(self, rel: str) -> Any:
        return json.loads((self.root / rel).read_text("utf-8"))

    def results(self, run_dir: str) -> list[dict[str, Any]]:
        path = self.root / run_dir / "results.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a CI step would give: no CI markers, no debug, no colour."""
    drop: Sequence[str] = ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "EVALGATE_DEBUG", "CI")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("EVALGATE_")}
    env["NO_COLOR"] = "1"
    return {**env, **(extra or {})}


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    return Project(tmp_path, clean_env())


@pytest.fixture(scope="module")
def srv() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server
