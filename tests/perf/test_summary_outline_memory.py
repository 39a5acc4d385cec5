"""Commands that need a stored summary's outline do not hold its per-case entries.

``merge``, ``rescore``, ``compare`` (:func:`~evalgate.engine.stored.load_run`) and ``baseline
record`` read a summary's metadata, totals and verdict status; they used to parse the whole
document (a figures entry and a delta per case: most of a large file) into dicts and types.
The bound is a ratio to what reading the whole summary takes.
"""

from __future__ import annotations

from pathlib import Path

from evalgate.run_summary import RunSummary
from evalgate.summary import write_summary
from evalgate.summary_outline import read_outline
from tests.perf.test_stored_memory import _peak
from tests.test_summary_outline import _doc


def test_an_outline_holds_a_fraction_of_the_summary(tmp_path: Path) -> None:
    write_summary(tmp_path, _doc(20))
    read_outline(tmp_path)  # imports and first-use caches
    write_summary(tmp_path, _doc(3000))
    whole = _peak(lambda: RunSummary.read(tmp_path))
    outline = _peak(lambda: read_outline(tmp_path))
    # before: the outline was the whole summary (RunSummary.read)
    assert outline < whole * 0.5, f"outline {outline / 1e6:.1f} MB, whole {whole / 1e6:.1f} MB"
