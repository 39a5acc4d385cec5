"""What a stored run keeps of its summary: its metadata, read once, possibly ahead of the
run's results (``rescore`` reads it before building its golden set, so that the summary's text
is let go before the goldens are held)."""

from __future__ import annotations

from pathlib import Path

from evalgate.engine.execution import now_iso
from evalgate.errors import ConfigError, UsageError
from evalgate.results import SUMMARY_FILE
from evalgate.run_summary import RunSummary
from evalgate.runlock import ensure_idle
from evalgate.summary import RunMeta
from evalgate.summary_outline import read_outline


class SummaryAhead:
    """A run folder's summary, read before the folder is loaded (:func:`summary_ahead`): what
    it says, or why it was refused, and the file it was read from, so that loading uses it
    only while the file is that one, unchanged."""

    __slots__ = ("_stamp", "meta")

    def __init__(self, meta: RunMeta | ConfigError, stamp: tuple[int, int, int, int]) -> None:
        self.meta = meta
        self._stamp = stamp

    def still(self, path: Path) -> bool:
        return _stamp(path) == self._stamp


def _stamp(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def summary_ahead(run_dir: Path) -> SummaryAhead | None:
    """A stored run's summary read now, so that its text is let go before what a command
    holds next (a golden set) is built: nothing is refused here, the folder's checks and the
    summary's errors come where loading the folder meets them, in the same order
    (:func:`evalgate.engine.rescore.rescore_handed`)."""
    path = run_dir / SUMMARY_FILE
    stamp = _stamp(path)
    if stamp is None or not path.is_file():
        return None
    try:
        meta: RunMeta | ConfigError = meta_of(read_outline(run_dir), run_dir, True)
    except ConfigError as exc:
        meta = exc
    return SummaryAhead(meta, stamp) if _stamp(path) == stamp else None


def stored_meta(run_dir: Path, ahead: SummaryAhead | None = None) -> RunMeta | ConfigError:
    """What a stored run keeps of its summary, or why the summary is refused (raised by the
    caller once the results' errors had their turn); the folder's checks are raised here."""
    if not run_dir.is_dir():
        raise UsageError(f"{run_dir}: not a folder; pass a run folder written by 'evalgate run'")
    ensure_idle(run_dir)
    finished = (run_dir / SUMMARY_FILE).exists()
    if finished and ahead is not None and ahead.still(run_dir / SUMMARY_FILE):
        return ahead.meta
    # Only the summary's metadata is kept: it is read before the results so that reading a
    # large summary and holding the results do not overlap. The results' errors still come
    # first, as if they were read first.
    try:
        # no summary: the run was killed before its end, so cases may be missing
        return meta_of(
            read_outline(run_dir) if finished else RunSummary(run_id=""), run_dir, finished
        )
    except ConfigError as exc:
        return exc


def meta_of(summary: RunSummary, run_dir: Path, finished: bool) -> RunMeta:
    """What a stored run keeps of its summary."""
    return RunMeta(
        run_id=summary.run_id or run_dir.name,
        started_at=summary.started_at or now_iso(),
        finished_at=summary.finished_at,
        duration_s=summary.duration_s,
        config_hash=summary.config_hash,
        target_url=summary.target_url,
        preset=summary.target_preset,
        requested_prompt_version=summary.requested_prompt_version,
        git=summary.git,
        shard=summary.shard,
        interrupted=summary.interrupted or not finished,
        pending_cases=summary.pending_cases,
    )
