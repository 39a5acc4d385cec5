"""A smaller run of benchmarks/gate_simulation.py: the gate's error rates, measured.

Baselines are recorded the way teams keep them (grown over recorded runs of main, or one run
reused), with the gate values `evalgate init` writes; the figures in docs/gate.md come from the
full study.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.untraced import untraced

# simulations: seconds of arithmetic each, several times that under coverage's tracing (so they
# run untraced; test_the_simulation_drives_the_real_gate traces the same gate code) on a busy
# machine; the default 120 s is for hangs, not for these
pytestmark = pytest.mark.timeout(600)

ALPHA = 0.05


def load_simulation() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "gate_simulation.py"
    spec = importlib.util.spec_from_file_location("gate_simulation", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


sim = load_simulation()


def noise(rate: float, runs: int) -> float:
    """One-sided allowance for sampling noise in a measured rate: 2.5 standard errors."""
    return 2.5 * math.sqrt(rate * (1 - rate) / runs)


def test_the_simulation_drives_the_real_gate() -> None:
    out = sim.simulate(sim.Scenario(cases=20, noise=0.0, broken=1, history=10), 1, 3, seed=0)
    assert out.blocked == 1.0 and out.by_case == 1.0  # the real per-case rule fired
    quiet = sim.simulate(sim.Scenario(cases=20, noise=0.0, history=10), 1, 3, seed=0)
    assert quiet.blocked == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("level", [0.1, 0.2])
def test_history_grown_baselines_block_unchanged_runs_at_most_alpha(level: float) -> None:
    with untraced():
        out = sim.simulate(sim.Scenario(cases=100, noise=level, history=10), 8, 50, seed=1)
    assert out.blocked <= ALPHA + noise(ALPHA, 400)
    assert out.worst <= 0.16  # no baseline blocks a large share (a 5% rate shows <= 8/50)


@pytest.mark.slow
def test_one_reused_run_as_baseline_stays_within_alpha() -> None:
    with untraced():
        out = sim.simulate(sim.Scenario(cases=100, noise=0.2, history=1), 8, 50, seed=2)
    assert out.blocked <= ALPHA + noise(ALPHA, 400)


@pytest.mark.slow
def test_a_ten_point_drop_on_100_cases_is_caught() -> None:
    with untraced():
        out = sim.simulate(sim.Scenario(cases=100, noise=0.2, drop=0.10), 2, 50, seed=3)
    assert out.blocked >= 0.90 and out.by_drop >= 0.85


@pytest.mark.slow
def test_a_stable_case_that_breaks_for_good_is_blocked() -> None:
    with untraced():
        out = sim.simulate(sim.Scenario(cases=100, noise=0.2, broken=1, history=10), 2, 25, seed=4)
    assert out.by_case == 1.0
