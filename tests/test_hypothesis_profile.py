"""The property tests draw the same examples on every run, on every machine (tests/conftest.py)."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent


def test_the_profile_is_derandomized_without_a_database_or_a_deadline() -> None:
    s = settings()  # the active profile's values
    assert s.derandomize and s.database is None and s.print_blob
    assert s.deadline is None


def test_every_collected_property_test_is_derandomized(request: pytest.FixtureRequest) -> None:
    """A ``settings(...)`` a test writes inherits the profile; none turns it off. In a
    run of the whole suite this checks every property test; alone, the ones collected."""
    for item in request.session.items:
        fn = getattr(item, "obj", None)
        s = getattr(fn, "_hypothesis_internal_use_settings", None)
        if s is None or not getattr(fn, "is_hypothesis_test", False):
            continue
        assert s.derandomize, f"{item.nodeid} draws new examples on every run"
        assert s.database is None, f"{item.nodeid} replays examples from a local database"


@settings(max_examples=5)
@given(x=...)
def _drawn(x: int) -> None:  # a settings(...) written after the profile was loaded
    pass


def test_a_settings_object_written_in_a_test_module_inherits_the_profile() -> None:
    s = _drawn._hypothesis_internal_use_settings  # type: ignore[attr-defined]
    assert s.max_examples == 5 and s.derandomize and s.database is None


def _draws() -> str:
    """Examples of a strategy of the suite, as text that holds no object address."""
    from tests.test_results_line import odd_results

    seen: list[str] = []

    @settings(max_examples=5, derandomize=True, database=None)
    @given(r=odd_results())
    def draw(r: object) -> None:
        seen.append(re.sub(r"0x[0-9a-f]+", "0x", repr(r)))

    draw()
    return "\n".join(seen)


def test_drawn_examples_do_not_depend_on_the_hash_seed() -> None:
    """A strategy that iterates a drawn set of strings draws its next values in an order
    that changes with PYTHONHASHSEED: each process would test other examples."""
    other = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    code = "; ".join(
        (
            f"import sys; sys.path.insert(0, {str(ROOT)!r})",
            "from tests.conftest import _without_local_constants",
            "_without_local_constants()",  # as in this session (see the next test)
            f"from {__name__} import _draws",
            "print(_draws(), end='')",
        )
    )
    # the bytecode next to the sources, read only: the session's own cache (tests/conftest.py)
    # would be filled with every module of pytest and Hypothesis first
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED=other)
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    here = _draws()
    there, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert here.count("\n") >= 4
    assert there == here


def _texts() -> list[str]:
    seen: list[str] = []

    @settings(max_examples=100, derandomize=True, database=None)
    @given(st.text(max_size=30) | st.integers().map(str))
    def draw(x: str) -> None:
        seen.append(x)

    draw()
    return seen


def test_drawn_examples_do_not_depend_on_the_modules_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hypothesis draws literals found in the project's modules loaded so far; the suite
    leaves that pool empty (tests/conftest.py), so a module a test imports lazily does not
    change what the tests after it draw."""
    before = _texts()
    words = [f"probe-{i}" for i in range(200)] + [10**i + 7 for i in range(40)]
    (tmp_path / "evalgate_probe_literals.py").write_text(f"WORDS = {words!r}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "evalgate_probe_literals", raising=False)
    importlib.import_module("evalgate_probe_literals")
    assert _texts() == before
