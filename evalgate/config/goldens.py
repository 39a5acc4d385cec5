"""Load golden files into frozen :class:`Case` records, collecting every problem with its line."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from evalgate.config.case_hash import ALL_METADATA, CaseReads
from evalgate.config.casebuild import FileLoader
from evalgate.config.expectcheck import param_check
from evalgate.config.schema import schema_part, validate
from evalgate.config.yamlfast import FastStream, NotSubset
from evalgate.config.yamlsrc import MAX_GOLDEN_BYTES, load_yaml_text, read_yaml_bytes
from evalgate.config.yamlstream import Fallback, ItemStream, YamlFailure
from evalgate.errors import Problem
from evalgate.fsutil import display_path
from evalgate.model import Case
from evalgate.scorers.registry import REGISTRY, Registry

GOLDEN_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class GoldenSet:
    """Every case loaded, the files they came from, and the problems found."""

    cases: tuple[Case, ...]
    files: tuple[str, ...]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Golden files under the given files and folders (folders searched recursively, sorted)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.suffix in GOLDEN_SUFFIXES and f.is_file())
            if not found:
                problems.append(
                    Problem(display_path(p), 0, 0, "no golden files (*.yaml, *.yml) in this folder")
                )
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            problems.append(
                Problem(
                    display_path(p),
                    0,
                    0,
                    "no such file or folder; check 'goldens' in the config or the --goldens option",
                )
            )
    seen: set[Path] = set()
    unique = []
    for f in files:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique, problems


def load_golden_file(
    path: Path, registry: Registry = REGISTRY, reads: CaseReads = ALL_METADATA
) -> tuple[list[Case], list[Problem]]:
    """The cases of one golden file, or the problems that stop it loading."""
    display = display_path(path)
    raw, problems = read_yaml_bytes(path, display, limit=MAX_GOLDEN_BYTES)
    if raw is None:
        return [], problems
    text = raw.decode("utf-8")
    try:
        return _load_fast(text, display, path.stem, registry, reads)
    except (NotSubset, RecursionError):
        pass  # the event reader reads it (and reports any problem in it)
    try:
        return _load_streamed(raw, display, path.stem, registry, reads)
    except Fallback:
        return _load_whole(text, display, path.stem, registry, reads)


def _load_fast(
    text: str, display: str, stem: str, registry: Registry, reads: CaseReads = ALL_METADATA
) -> tuple[list[Case], list[Problem]]:
    """:func:`_load_streamed` for a document in the fast reader's subset (else
    :class:`NotSubset`): the same cases and problems."""
    stream = FastStream(text, display, "cases")
    try:
        return _read_streamed(stream, display, stem, registry, reads)
    finally:
        stream.close()


def _load_streamed(
    text: str | bytes, display: str, stem: str, registry: Registry, reads: CaseReads = ALL_METADATA
) -> tuple[list[Case], list[Problem]]:
    """Case by case: only one case's YAML values and positions are held at a time."""
    stream = ItemStream(text, display, "cases")
    try:
        return _read_streamed(stream, display, stem, registry, reads)
    except YamlFailure as exc:
        return [], [exc.problem]  # as the whole-document parse: the syntax error alone
    finally:
        stream.close()


def _read_streamed(
    stream: ItemStream | FastStream, display: str, stem: str, registry: Registry, reads: CaseReads
) -> tuple[list[Case], list[Problem]]:
    top, yaml_problems = stream.head()
    loader = FileLoader(top, registry, param_check(), reads)
    schema = validate(top, "golden")  # the top level: 'cases' is [] here
    ctx, defaults_problems = None, []
    if not schema and not yaml_problems:
        ctx = loader.context(top.data, stem)
        defaults_problems, loader.problems = loader.problems, []
    case_schema = schema_part("golden", "properties", "cases", "items")
    cases: list[Case] = []
    for i, doc, found in stream.items():
        yaml_problems.extend(found)
        if yaml_problems:
            continue  # the file is refused for these; keep reading for syntax errors
        loader.doc = doc
        schema.extend(loader.case_problems(doc.data, case_schema, ("cases", i)))
        if schema or ctx is None:
            cases.clear()  # scorer checks still run, so one pass reports everything
            loader.check_expects(doc.data, i)
        else:
            cases.append(loader.case(doc.data, i, ctx))
    if yaml_problems:
        return [], yaml_problems
    if schema:
        return [], _sorted(schema + loader.problems)
    problems = defaults_problems + loader.problems + loader.shape_problems
    if not cases:
        problems.append(
            top.problem(("cases",), "no cases in this file; add at least one under 'cases'")
        )
    return cases, _sorted(problems)


def _load_whole(
    text: str, display: str, stem: str, registry: Registry, reads: CaseReads = ALL_METADATA
) -> tuple[list[Case], list[Problem]]:
    """The whole document at once: for files the case-by-case reader does not take."""
    doc, problems = load_yaml_text(text, display)
    if problems:
        return [], problems
    if doc.data is None:
        return [], [Problem(display, 1, 1, "golden file is empty; add 'cases:' with at least one")]
    if not isinstance(doc.data, dict):
        return [], [doc.problem((), "a golden file is a mapping with 'dataset' and 'cases' keys")]
    schema_problems = validate(doc, "golden")
    loader = FileLoader(doc, registry, param_check(), reads)
    raw = doc.data.get("cases")
    if schema_problems:
        # scorer checks still run on what parsed, so one pass reports everything
        for i, c in enumerate(raw if isinstance(raw, list) else []):
            loader.check_expects(c, i)
        return [], _sorted(schema_problems + loader.problems)
    ctx = loader.context(doc.data, stem)
    if not raw:
        loader.problems.append(
            doc.problem(("cases",), "no cases in this file; add at least one under 'cases'")
        )
    cases = [loader.case(c, i, ctx) for i, c in enumerate(raw or [])]
    return cases, _sorted(loader.problems + loader.shape_problems)


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line, p.col, p.message))


def load_goldens(
    paths: Sequence[Path], registry: Registry = REGISTRY, reads: CaseReads = ALL_METADATA
) -> GoldenSet:
    """Load every golden file under ``paths``: cases ordered by id, all problems collected.

    ``reads``: what the request templates read of a case, for the content hash.
    """
    # the values and cases built hold no reference cycles (what does is freed once the
    # collector is back on): left on, it would walk every case built so far again and again
    # while they are built, freeing nothing
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_goldens(paths, registry, reads)
    finally:
        if collecting:
            gc.enable()


def _load_goldens(paths: Sequence[Path], registry: Registry, reads: CaseReads) -> GoldenSet:
    files, problems = discover(paths)
    cases: list[Case] = []
    first_seen: dict[str, Case] = {}
    for f in files:
        fcases, fproblems = load_golden_file(f, registry, reads)
        problems.extend(fproblems)
        for c in fcases:
            prev = first_seen.get(c.id)
            if prev is not None:
                problems.append(
                    Problem(
                        c.file,
                        c.line,
                        1,
                        f"duplicate case id '{c.id}' (first defined at"
                        f" {prev.file}:{prev.line}); case ids must be unique across all goldens",
                    )
                )
                continue
            first_seen[c.id] = c
            cases.append(c)
    cases.sort(key=lambda c: c.id)
    return GoldenSet(tuple(cases), tuple(display_path(f) for f in files), tuple(problems))
