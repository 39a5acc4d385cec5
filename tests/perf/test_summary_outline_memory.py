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


def test_the_summary_a_report_shows_holds_no_figures(tmp_path: Path) -> None:
    from evalgate.run_summary import read_summary_document
    from evalgate.summary_outline import read_shown

    write_summary(tmp_path, _doc(20, gated=False))
    read_shown(tmp_path)  # imports and first-use caches
    write_summary(tmp_path, _doc(3000, gated=False))
    whole = _peak(lambda: read_summary_document(tmp_path))
    shown = _peak(lambda: read_shown(tmp_path))
    # before: evalgate report read the whole document (read_summary_document)
    assert shown < whole * 0.6, f"shown {shown / 1e6:.1f} MB, whole {whole / 1e6:.1f} MB"


def test_an_outline_never_holds_the_file_s_text(tmp_path: Path) -> None:
    # the file was read whole: its bytes and the text decoded from them at once (two copies),
    # then parsed; a line at a time, what is held is the outline left, a fraction of the file
    write_summary(tmp_path, _doc(20))
    read_outline(tmp_path)  # imports and first-use caches
    write_summary(tmp_path, _doc(3000))
    size = (tmp_path / "summary.json").stat().st_size
    outline = _peak(lambda: read_outline(tmp_path))
    assert outline < size * 1.4, f"outline {outline / 1e6:.2f} MB, file {size / 1e6:.2f} MB"
