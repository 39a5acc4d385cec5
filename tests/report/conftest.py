from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evalgate import masking
from evalgate.report import RunView
from tests.report.runs import RUNS, write_run


@pytest.fixture(autouse=True)
def _no_secrets() -> Iterator[None]:
    masking.clear()
    yield
    masking.clear()


@pytest.fixture(params=sorted(RUNS))
def run_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def view_of(name: str) -> RunView:
    results, summary = RUNS[name]()
    return RunView.build(results, summary)


@pytest.fixture
def regressed_dir(tmp_path: Path) -> Path:
    return write_run(tmp_path / "run", *RUNS["regressed"]())
