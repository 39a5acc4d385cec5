"""The baseline folder: ``<version>.json`` files, ``production.json``, and which one a run uses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalgate.errors import ConfigError, InconclusiveError, UsageError
from evalgate.fsutil import atomic_write_json, atomic_write_text
from evalgate.gate.baseline import (
    _HOW_TO_RECORD,
    BASELINE_FORMAT_VERSION,
    PRODUCTION_FILE,
    READABLE_FORMAT_VERSIONS,
    Baseline,
    BaselineCase,
    version_file_stem,
)
from evalgate.gate.baseline_check import (
    BaselineProblem,
    Checked,
    check_document,
    parse_strict,
)
from evalgate.gate.baseline_read import read_baseline
from evalgate.gate.casetable import CaseTable
from evalgate.lazydoc import LazyMap

if TYPE_CHECKING:
    from evalgate.results import CaseStats

Known = Mapping[str, "CaseStats"] | None

_TMP = re.compile(r"^\..*\.tmp$")


class BaselineStore:
    """The baseline folder: ``<version>.json`` files and ``production.json``."""

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)

    def path_for(self, version: str) -> Path:
        return self.dir / f"{version_file_stem(version)}.json"

    def _read(
        self, path: Path, cases: bool = False, known: Known = None, columns: bool = True
    ) -> Any:
        """The document (``cases``: each sound case typed as it is parsed, see
        ``gate/baseline_read.py``, sharing ``known``'s texts); a file that is not JSON is
        refused, naming it."""
        try:
            if cases:  # a file in the layout evalgate writes is read a piece at a time
                return read_baseline(path, known, columns=columns)
            return parse_strict(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:  # BaselineProblem is a ValueError
            raise ConfigError(
                f"{path}: damaged baseline file ({exc}); restore it from git or record it again"
                f" ({_HOW_TO_RECORD})"
            ) from None

    def _parse(self, path: Path, known: Known = None, columns: bool = True) -> Baseline:
        data = self._read(path, cases=True, known=known, columns=columns)
        version = data.get("format_version") if isinstance(data, dict) else None
        if version not in READABLE_FORMAT_VERSIONS or isinstance(version, bool):
            raise ConfigError(
                f"{path}: baseline format_version {version!r} is not supported (this evalgate"
                f" reads {', '.join(map(str, READABLE_FORMAT_VERSIONS))}); use a matching"
                " evalgate or record it again"
            )
        try:
            check_document(data)
        except BaselineProblem as exc:
            raise ConfigError(
                f"{path}: not a baseline evalgate could have recorded ({exc}); restore it from"
                f" git or record it again ({_HOW_TO_RECORD})"
            ) from None
        try:
            return _typed(data)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise ConfigError(
                f"{path}: damaged baseline file (bad or missing field {exc}); restore it from"
                f" git or record it again ({_HOW_TO_RECORD})"
            ) from exc

    def load(self, version: str, known: Known = None, *, columns: bool = True) -> Baseline | None:
        """The baseline recorded for ``version``, or None. ``known``: the per-case figures of
        the run it is for (their case-id and content-hash texts are shared). ``columns``
        False: its cases a dict of records (``baseline record`` replaces them in place)."""
        path = self.path_for(version)
        if not path.exists():
            return None
        baseline = self._parse(path, known, columns)
        if baseline.prompt_version != version:
            raise ConfigError(
                f"{path}: holds prompt version {baseline.prompt_version!r}, not {version!r};"
                " rename the file or record the baseline again"
            )
        return baseline

    def save(self, baseline: Baseline) -> Path:
        """Write ``<version>.json`` atomically (the old file stays whole if this fails)."""
        path = self.path_for(baseline.prompt_version)
        # each case's figures built as they are checked, and again as they are written: the
        # document of a 100,000-case baseline is never held whole (nor its text)
        doc = baseline.document(cases=LazyMap(baseline.cases, BaselineCase.to_dict))
        try:  # what is written must load again
            check_document(doc)
        except BaselineProblem as exc:
            raise ConfigError(f"{path}: not recording this baseline: {exc}") from None
        atomic_write_json(path, doc, sort_keys=True)
        return path

    def record(self, baseline: Baseline, max_samples: int) -> tuple[Path, Baseline]:
        """Add ``baseline`` (one run) to the history of its version's file, keeping the newest
        ``max_samples`` runs per case (1: replace), and write it. Returns the path and what was
        written. ``baseline`` is left as it is."""
        return self.record_handed([baseline], max_samples, given=False)

    def record_handed(
        self, handed: list[Baseline], max_samples: int, *, given: bool = True
    ) -> tuple[Path, Baseline]:
        """:meth:`record` for a caller that hands ``baseline`` over (``handed``, one baseline,
        is emptied): the file's baseline is grown in place, each of its cases and of the new
        one let go as the grown case is made, so the two and the grown one are not held whole
        together. ``given`` False: the caller keeps ``baseline``, which is left as it is."""
        from evalgate.gate.history import grow_handed  # history builds on this module

        baseline = handed.pop()
        old = self.load(baseline.prompt_version, columns=False) if max_samples > 1 else None
        kept_dropped = old.answers_dropped if old is not None else ()
        grown = grow_handed([old, baseline], max_samples, new_given=given)
        del old, baseline
        if kept_dropped:  # cases kept as they were stay listed
            grown = dataclasses.replace(
                grown, answers_dropped=(*grown.answers_dropped, *kept_dropped)
            )
        grown = grown.with_answers_capped()
        return self.save(grown), grown

    def _files(self) -> list[Path]:
        if not self.dir.is_dir():
            return []
        return [
            p
            for p in sorted(self.dir.glob("*.json"))
            if p.name != PRODUCTION_FILE and not _TMP.match(p.name)
        ]

    def list(self) -> list[Baseline]:
        """Every recorded baseline, oldest first."""
        found = [self._parse(p) for p in self._files()]
        return sorted(found, key=lambda b: (_when(b.recorded_at), b.prompt_version))

    def latest(self, known: Known = None) -> Baseline | None:
        """The newest recorded baseline (the last of :meth:`list`), every file checked as
        :meth:`list` checks them, in the same order, but one held at a time besides it."""
        best: Baseline | None = None
        best_key: tuple[dt.datetime, str] | None = None
        for p in self._files():
            found = self._parse(p, known)
            key = (_when(found.recorded_at), found.prompt_version)
            if best_key is None or key >= best_key:  # a tie: the later file, as sorted() keeps
                best, best_key = found, key
            del found
        return best

    def production(self) -> str | None:
        """The promoted prompt version, or None."""
        path = self.dir / PRODUCTION_FILE
        if not path.exists():
            return None
        data = self._read(path)
        if (
            not isinstance(data, dict)
            or data.get("format_version") not in READABLE_FORMAT_VERSIONS
            or isinstance(data.get("format_version"), bool)
            or not isinstance(data.get("prompt_version"), str)
        ):
            raise ConfigError(
                f"{path}: not a valid production marker (expected format_version"
                f" {BASELINE_FORMAT_VERSION} and a prompt_version);"
                " fix it with 'evalgate baseline promote V'"
            )
        return str(data["prompt_version"])

    def promote(self, version: str) -> Path:
        """Mark ``version`` (which must have a baseline) as the one in production."""
        if self.load(version) is None:
            raise UsageError(
                f"no baseline for prompt version {version!r} in {self.dir}; {_HOW_TO_RECORD}"
            )
        path = self.dir / PRODUCTION_FILE
        doc = {"format_version": BASELINE_FORMAT_VERSION, "prompt_version": version}
        atomic_write_text(path, json.dumps(doc, indent=2, sort_keys=True) + "\n")
        return path

    def resolve(self, spec: str, run_version: str | None, known: Known = None) -> Baseline | None:
        """The baseline to compare with (``known``: as for :meth:`load`).

        ``auto``: the run's own promptVersion if recorded, else the promoted version, else the
        latest recorded, else None (the gate then judges on absolute thresholds only). Any other
        value names a version, which must exist (InconclusiveError otherwise).
        """
        if spec != "auto":
            found = self.load(spec, known)
            if found is None:
                raise InconclusiveError(
                    f"no baseline for prompt version {spec!r} in {self.dir}; {_HOW_TO_RECORD}"
                )
            return found
        if run_version:
            own = self.load(run_version, known)
            if own is not None:
                return own
        prod = self.production()
        if prod is not None:
            found = self.load(prod, known)
            if found is None:
                raise ConfigError(
                    f"{self.dir / PRODUCTION_FILE}: promotes {prod!r} but"
                    f" {self.path_for(prod).name} is missing; restore it or run"
                    " 'evalgate baseline promote V' with a recorded version"
                )
            return found
        return self.latest(known)


def _typed(data: dict[str, Any]) -> Baseline:
    """``Baseline.from_dict(data)`` for a document read from a file (``data`` is let go):
    when every case was typed as it was parsed, its dict of cases becomes the baseline's,
    each case in place of its wrapper, not copied, and the ids of cases whose answer was
    dropped are the cases' own."""
    cases = data.get("cases")
    if type(cases) is CaseTable and cases.checked:  # read a piece at a time, in columns
        data["cases"] = {}
        baseline = Baseline.from_dict(data)
        del data
        dropped = _own_ids(baseline.answers_dropped, cases)
        return dataclasses.replace(baseline, cases=cases, answers_dropped=dropped)
    if type(cases) is not dict or not all(type(v) is Checked for v in cases.values()):
        return Baseline.from_dict(data)
    for cid, case in cases.items():
        cases[cid] = case.value
    data["cases"] = {}
    baseline = Baseline.from_dict(data)
    del data
    dropped = _own_ids(baseline.answers_dropped, cases)
    return dataclasses.replace(baseline, cases=cases, answers_dropped=dropped)


def _own_ids(ids: tuple[str, ...], cases: Mapping[str, BaselineCase]) -> tuple[str, ...]:
    """``ids`` with each that is a case's id the case's own text (one text per id, not two):
    both are walked in order, as written (sorted); out of order, fewer are shared."""
    if not ids:
        return ids
    keys = iter(cases)
    key = next(keys, None)
    out: list[str] = []
    for cid in ids:
        while key is not None and key < cid:
            key = next(keys, None)
        out.append(key if key is not None and key == cid else cid)
    return tuple(out)


def _when(stamp: str) -> dt.datetime:
    try:
        t = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)
