"""A throw-away evalgate project pointed at the misbehaving loopback server.

Each golden case carries the URL it calls in ``metadata.url``, so one run can mix healthy
cases with any fault the server knows. Timeouts, retries and backoff are small: every fault
resolves in well under a second or two.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from evalgate.cli.main import main
from evalgate.results import CaseResult, read_results
from tests.support.faultserver import FaultServer

FAST_TARGET: dict[str, Any] = {
    "timeout_s": 0.3,
    "connect_timeout_s": 0.3,
    "retries": 2,
    "backoff_base_s": 0.01,
    "backoff_max_s": 0.05,
    "concurrency": 4,
    "max_response_bytes": 64 * 1024,
}


@dataclass
class Ran:
    code: int
    elapsed: float
    results: dict[str, CaseResult]
    summary: dict[str, Any]
    out: str
    err: str


@dataclass
class FaultProject:
    root: Path
    srv: FaultServer
    capsys: pytest.CaptureFixture[str]

    def url(self, path: str) -> str:
        return self.srv.url(path)

    def write(
        self,
        cases: Mapping[str, str],
        *,
        target: Mapping[str, Any] | None = None,
        gate: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """Write evalgate.yaml and goldens/cases.yaml: case id -> URL (or path on the server)."""
        tgt = {
            "url": "{{ case.metadata.url }}",
            "body": {"message": "{{ input.message }}"},
            **FAST_TARGET,
            **(target or {}),
        }
        cfg = {
            "version": 1,
            "target": tgt,
            "goldens": ["goldens/"],
            "scorers_dir": None,
            "gate": {"max_error_rate": 0.05, **(gate or {})},
            **(extra or {}),
        }
        (self.root / "evalgate.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
        golden = {
            "dataset": "faults",
            "cases": [
                {
                    "id": cid,
                    "input": {"message": f"hello {cid}"},
                    "metadata": {"url": u if u.startswith("http") else self.url(u)},
                    "expect": [{"contains": "echo"}],
                }
                for cid, u in cases.items()
            ],
        }
        (self.root / "goldens").mkdir(exist_ok=True)
        (self.root / "goldens" / "cases.yaml").write_text(yaml.safe_dump(golden, sort_keys=False))

    def run(self, *args: str) -> Ran:
        """``evalgate run --out NAME ...`` in-process; NAME is the first argument."""
        out_dir, *rest = args
        self.capsys.readouterr()
        t = time.perf_counter()
        code = main(["run", "--out", out_dir, "-q", *rest])
        elapsed = time.perf_counter() - t
        out, err = self.capsys.readouterr()
        run = self.root / out_dir
        results = {r.case_id: r for r in read_results(run)} if run.exists() else {}
        summary_path = run / "summary.json"
        summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
        return Ran(code, elapsed, results, summary, out, err)


@pytest.fixture(autouse=True)
def _no_debug() -> Iterator[None]:
    # `evalgate --debug` sets EVALGATE_DEBUG in os.environ for the rest of the process:
    # clear it before and after, so neither these tests nor later ones see tracebacks
    os.environ.pop("EVALGATE_DEBUG", None)
    yield
    os.environ.pop("EVALGATE_DEBUG", None)


@pytest.fixture(scope="module")
def srv() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


@pytest.fixture()
def fp(
    tmp_path: Path,
    srv: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> FaultProject:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EVALGATE_CONFIG", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("EVALGATE_DEBUG", raising=False)
    return FaultProject(tmp_path, srv, capsys)


def unique(prefix: str) -> str:
    """A per-test key so the module-wide server's counters never mix tests."""
    return f"{prefix}-{time.perf_counter_ns()}"
