"""Wall-clock bounds, apart from the default run.

A bound in seconds fails on a loaded machine for reasons that are not the code's, so a test that
asserts one takes ``timed`` (decorate it with :data:`timed_variant`): the default run calls it with
``timed=False`` and checks only what does not depend on the clock (the outcome, a count, that it
finished at all); ``pytest -m perf`` calls it with ``timed=True`` and checks the bound as well.
"""

from __future__ import annotations

import pytest

timed_variant = pytest.mark.parametrize(
    "timed",
    [pytest.param(False, id="untimed"), pytest.param(True, id="timed", marks=pytest.mark.perf)],
)
