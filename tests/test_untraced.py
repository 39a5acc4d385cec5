"""tests/support/untraced.py: the running coverage measurement is paused, then resumed."""

from __future__ import annotations

import sys

from tests.support.untraced import untraced


def test_untraced_pauses_the_running_measurement_and_resumes_it() -> None:
    before = sys.gettrace()  # coverage's tracer under `coverage run`, else None
    with untraced():
        inside = sys.gettrace()
    assert inside is None
    assert (sys.gettrace() is None) == (before is None)
