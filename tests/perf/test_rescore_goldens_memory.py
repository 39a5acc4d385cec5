"""``evalgate rescore`` lets the golden set go as it rescores: it is not held while the rescored
run is judged and reported (the goldens of a large project are a large part of its memory).

Measured in-process, through the command, when the gate begins: what is held then is bounded
by a ratio to what the golden set alone holds.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest

import evalgate.engine.core as core_mod
from evalgate.cli.main import main
from evalgate.project import load_checked_project
from tests.perf.test_stored_memory import _run_dir

N = 300


def _project(root: Path) -> Path:
    root.mkdir()
    (root / "evalgate.yaml").write_text(
        "version: 1\ntarget: {url: 'http://127.0.0.1:9/x'}\ngoldens: [goldens/]\n"
        "scorers_dir: null\nreports: {dir: runs}\n"
    )
    (root / "goldens").mkdir()
    lines = ["dataset: bench", "cases:"]
    for i in range(N):  # a long input each: the golden set is larger than the compact results
        lines += [f"  - id: q{i:06d}", f"    input: {{message: '{i} {'z' * 3000}'}}"]
        lines += ["    expect: [{contains: refund}]"]
    (root / "goldens" / "a.yaml").write_text("\n".join(lines) + "\n")
    _run_dir(root / "run", range(N))
    return root


def test_rescore_does_not_hold_the_goldens_while_it_judges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path / "p")
    monkeypatch.chdir(root)
    held: list[int] = []
    gate = core_mod.gate_stored

    def measured(*args: Any, **kw: Any) -> Any:
        held.append(tracemalloc.get_traced_memory()[0])
        return gate(*args, **kw)

    monkeypatch.setattr(core_mod, "gate_stored", measured)
    argv = ["rescore", "-q", "--no-gate", "run"]
    code = main([*argv, "--out", "warm"])  # imports and first-use caches
    assert code in (0, 2)  # (a stored scorer error is reported, exit 2)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        assert main([*argv, "--out", "rescored"]) == code
        goldens = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        project = load_checked_project(root / "evalgate.yaml")
        goldens = tracemalloc.get_traced_memory()[0] - goldens
        del project
    finally:
        tracemalloc.stop()
    # before: the whole golden set was held by the command until it ended
    assert held[1] - base < goldens * 0.6, (
        f"held when judged {(held[1] - base) / 1e6:.2f} MB, goldens {goldens / 1e6:.2f} MB"
    )
