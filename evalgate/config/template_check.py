"""Template placeholders checked against the loaded cases.

``{{ input.mesage }}`` is a valid template, but if no case has ``input.mesage`` every request
would carry ``null``: that is a typo, caught at load time rather than as a run of HTTP 400s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from evalgate.config.case_hash import ALL_METADATA, CaseReads
from evalgate.config.model import Config
from evalgate.config.schema import did_you_mean
from evalgate.errors import ConfigError, Problem
from evalgate.model import Case


def _has(value: Any, segments: Sequence[str | int]) -> bool:
    for seg in segments:
        if isinstance(seg, int):
            if not isinstance(value, list) or seg >= len(value):
                return False
            value = value[seg]
        else:
            if not isinstance(value, Mapping) or seg not in value:
                return False
            value = value[seg]
    return True


def _locate(path: Path | None, needle: str) -> tuple[str, int, int]:
    if path is None:
        return ("evalgate.yaml", 0, 0)
    shown = str(path)
    try:
        shown = str(path.relative_to(Path.cwd().resolve()))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            col = line.find(needle)
            if col >= 0:
                return (shown, n, col + 1)
    except (OSError, ValueError):
        pass
    return (shown, 0, 0)


def case_reads(cfg: Config) -> CaseReads:
    """What the request templates (with the preset applied) read of a case besides its input.

    The content hash covers exactly that: metadata keys no template reads, and tags unless a
    template reads them, can change without the case counting as changed.
    """
    from evalgate.target.presets import apply_preset
    from evalgate.target.template import placeholder_uses

    try:
        t = apply_preset(cfg.target)
    except ConfigError:
        return ALL_METADATA
    keys: set[str] = set()
    every_key = tags = dataset = False
    for part in (t.url, t.body, dict(t.headers), dict(t.query)):
        for u in placeholder_uses(part):
            if u.root != "case":
                continue
            first = u.segments[0] if u.segments else None
            if first is None:  # {{ case }}: all of it
                every_key = tags = dataset = True
            elif first == "metadata" and len(u.segments) > 1:
                if isinstance(u.segments[1], str):
                    keys.add(u.segments[1])
            elif first == "metadata":
                every_key = True
            tags = tags or first == "tags"
            dataset = dataset or first == "dataset"
    return CaseReads(None if every_key else frozenset(keys), tags, dataset)


def _values(cases: Sequence[Case], where: str) -> Iterator[Any]:
    """The cases' inputs (of every turn), or their metadata, one at a time."""
    if where == "input":
        yield from (c.input for c in cases if not c.turns)
        yield from (turn.input for c in cases for turn in c.turns)
    else:
        yield from (c.metadata for c in cases)


def template_problems(cfg: Config, cases: Sequence[Case]) -> list[Problem]:
    """Placeholders into ``input`` or ``case.metadata`` that no loaded case can fill."""
    from evalgate.target.template import placeholder_uses

    if not cases:
        return []
    t = cfg.target
    uses = [
        u
        for part in (t.url, t.body, dict(t.headers), dict(t.query))
        for u in placeholder_uses(part)
    ]
    problems: list[Problem] = []
    for u in uses:
        if u.has_default or not u.segments:
            continue
        if u.root == "input":
            where = "input"
            segments = u.segments
        elif u.root == "case" and u.segments[0] == "metadata" and len(u.segments) > 1:
            where = "case.metadata"
            segments = u.segments[1:]
        else:
            continue
        # read a case at a time: a case's input is built each time it is read (PackedCase)
        if any(_has(v, segments) for v in _values(cases, where)):
            continue
        keys = sorted({str(k) for v in _values(cases, where) if isinstance(v, Mapping) for k in v})
        hint = did_you_mean(str(segments[0]), keys) if isinstance(segments[0], str) else ""
        file, line, col = _locate(cfg.path, u.text)
        problems.append(
            Problem(
                file,
                line,
                col,
                f"template: {u.text} is missing in every case{hint}; the {where} of the cases has"
                f" {', '.join(keys[:10]) or 'no keys'} (add '| default(...)' if it is optional)",
            )
        )
    return problems
