from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from evalgate import masking

PERF = "perf"

# Property tests draw the same examples on every run and every machine: a CI run tests what
# the last one did, and a failure seen once is seen again. Loaded before any test module is
# imported, so every ``settings(...)`` a test writes inherits it (a test may still override
# a setting deliberately; ``--hypothesis-profile=default`` draws new examples for a hunt).
# No wall-clock limits either (``deadline``, the too-slow health check): a loaded machine
# must not fail a test the code passes.
settings.register_profile(
    "evalgate",
    derandomize=True,
    database=None,
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("evalgate")


def _without_local_constants() -> None:
    """Hypothesis also draws literals it finds in the project's modules imported so far: a
    pool that grows as tests import modules lazily, so a test's examples would depend on the
    tests run before it and on the order they ran in (and differ from the same test run
    alone). The pool is left empty: a test's examples are its own, wherever it runs."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a Hypothesis without the pool
        return
    if callable(getattr(providers, "_get_local_constants", None)):
        empty = providers.Constants()
        providers._get_local_constants = lambda: empty


_without_local_constants()


def pytest_configure(config: pytest.Config) -> None:
    """Many tests start the installed ``evalgate`` in a child process. Where the environment
    forbids writing bytecode (``PYTHONDONTWRITEBYTECODE``), each child would compile every
    module it imports again; the children get a cache of their own for the session instead
    (``PYTHONPYCACHEPREFIX``, a temporary folder: nothing is written beside the sources)."""
    if os.environ.get("PYTHONDONTWRITEBYTECODE") and not os.environ.get("PYTHONPYCACHEPREFIX"):
        prefix = tempfile.mkdtemp(prefix="evalgate-tests-pycache-")
        config.add_cleanup(lambda: shutil.rmtree(prefix, ignore_errors=True))
        del os.environ["PYTHONDONTWRITEBYTECODE"]
        os.environ["PYTHONPYCACHEPREFIX"] = prefix


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Wall-clock tests (``@pytest.mark.perf``) stay out of the default run: on a loaded
    machine a bound in seconds fails for reasons that are not the code's. They run when the
    ``-m`` expression names them: ``pytest -m perf`` (or ``-m "perf or not perf"``: all)."""
    if PERF in (config.getoption("markexpr") or ""):
        return
    timed = [item for item in items if item.get_closest_marker(PERF) is not None]
    if timed:
        config.hook.pytest_deselected(items=timed)
        items[:] = [item for item in items if item.get_closest_marker(PERF) is None]


@pytest.fixture(autouse=True)
def _clean_secrets() -> Iterator[None]:
    masking.clear()
    yield
    masking.clear()


@pytest.fixture(autouse=True)
def _isolated_registry() -> Iterator[None]:
    """Custom scorers loaded by one test must not leak into the next."""
    import sys

    from evalgate.scorers.registry import REGISTRY

    REGISTRY.ensure_builtins()
    defs = dict(REGISTRY._defs)
    dirs = set(REGISTRY._loaded_dirs)
    eps = REGISTRY._entry_points_loaded
    yield
    REGISTRY._defs.clear()
    REGISTRY._defs.update(defs)
    REGISTRY._loaded_dirs.clear()
    REGISTRY._loaded_dirs.update(dirs)
    REGISTRY._entry_points_loaded = eps
    for name in [m for m in sys.modules if m.startswith("evalgate_user_scorers.")]:
        del sys.modules[name]
