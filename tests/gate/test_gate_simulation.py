"""A smaller run of benchmarks/gate_simulation.py: the gate's error rates, measured."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

PRS = 400
ALPHA = 0.05
# one-sided allowance for sampling noise in the measured rate: alpha + 2.5 standard errors
NOISE = 2.5 * math.sqrt(ALPHA * (1 - ALPHA) / PRS)


def load_simulation() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "gate_simulation.py"
    spec = importlib.util.spec_from_file_location("gate_simulation", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


sim = load_simulation()


@pytest.mark.slow
@pytest.mark.parametrize(("cases", "repeat"), [(100, 1), (100, 3), (30, 1), (30, 3)])
def test_no_change_drop_rule_blocks_at_most_alpha(cases: int, repeat: int) -> None:
    out = sim.simulate(sim.Scenario(cases=cases, repeat=repeat, critical=0.0), PRS, seed=1)
    assert out.by_critical == 0.0
    assert out.blocked <= ALPHA + NOISE


@pytest.mark.slow
def test_no_change_all_rules_with_confirmation_stay_within_alpha() -> None:
    s = sim.Scenario(cases=100, repeat=1, confirm=4)
    out = sim.simulate(s, PRS, seed=2)
    assert out.blocked <= ALPHA + NOISE


@pytest.mark.slow
def test_confirmation_cuts_critical_false_blocks() -> None:
    plain = sim.simulate(sim.Scenario(cases=100, repeat=1, confirm=0), PRS, seed=3)
    confirmed = sim.simulate(sim.Scenario(cases=100, repeat=1, confirm=2), PRS, seed=3)
    assert plain.by_critical > 0.15  # ten critical cases that flake ~3% of the time
    assert confirmed.by_critical < plain.by_critical / 4


@pytest.mark.slow
def test_a_real_ten_point_drop_is_caught() -> None:
    out = sim.simulate(sim.Scenario(cases=100, repeat=3, confirm=2, drop=0.10), PRS, seed=4)
    assert out.blocked >= 0.90
    assert out.by_drop >= 0.85
