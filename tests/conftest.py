from __future__ import annotations

from collections.abc import Iterator

import pytest

from evalgate import masking


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
