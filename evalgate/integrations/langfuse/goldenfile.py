"""Reading what goldens already hold, and appending imported cases to a golden file as text.

Appending never round-trips the file through a YAML dumper: the existing text (comments,
ordering, quoting) is kept byte for byte and the new cases are added after it. That needs
``cases:`` to be the last top-level key, in block style (or empty: ``cases: []``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from evalgate.errors import ConfigError
from evalgate.fsutil import atomic_write_text
from evalgate.model import JSON

HEADER = (
    "# Cases imported from Langfuse production traces by 'evalgate import langfuse'.\n"
    "# Review each case: check input and expect, then delete its 'review: pending' line.\n"
)


def input_key(value: JSON) -> str:
    """A canonical text for comparing inputs (dict key order does not matter)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Known:
    """Trace ids, inputs and case ids already present in the loaded goldens."""

    trace_ids: set[str] = field(default_factory=set)
    inputs: set[str] = field(default_factory=set)
    case_ids: set[str] = field(default_factory=set)

    def add(self, case: Mapping[str, JSON]) -> None:
        self.case_ids.add(str(case.get("id")))
        source = case.get("source")
        if isinstance(source, Mapping) and source.get("langfuse_trace_id"):
            self.trace_ids.add(str(source["langfuse_trace_id"]))
        if "input" in case:
            self.inputs.add(input_key(case["input"]))


def golden_files(paths: Iterable[Path]) -> list[Path]:
    """The YAML files under the given files/folders (missing paths are skipped)."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(sorted(q for q in p.rglob("*") if q.suffix in (".yaml", ".yml")))
        elif p.is_file():
            found.append(p)
    return sorted(set(found))


def scan(paths: Iterable[Path]) -> Known:
    """Collect what the goldens already hold; files that do not parse are reported."""
    known = Known()
    for path in golden_files(paths):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(
                f"{path}: cannot read it to check for already imported traces ({exc});"
                " fix the file (evalgate validate shows where)"
            ) from exc
        cases = doc.get("cases") if isinstance(doc, dict) else None
        for case in cases if isinstance(cases, list) else []:
            if isinstance(case, dict):
                known.add(case)
    return known


def render(cases: Sequence[Mapping[str, JSON]], indent: int, notes: Sequence[str]) -> str:
    """Cases as YAML list items, each after a comment line, indented by ``indent``."""
    pad = " " * indent
    chunks: list[str] = []
    for case, note in zip(cases, notes, strict=True):
        text = yaml.safe_dump(
            [dict(case)], sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
        )
        lines = [f"# {note}", *text.splitlines()]
        chunks.append("".join(f"{pad}{line}\n" if line else "\n" for line in lines))
    return "".join(chunks)


def append_cases(
    path: Path, cases: Sequence[Mapping[str, JSON]], notes: Sequence[str], dataset: str
) -> None:
    """Create ``path`` with these cases, or append them to its ``cases:`` list."""
    if not cases:
        return
    if not path.exists():
        body = f"{HEADER}dataset: {json.dumps(dataset)}\ncases:\n" + render(cases, 2, notes)
        atomic_write_text(path, body)
        return
    text = path.read_text(encoding="utf-8")
    text, indent = _open_cases_list(path, text)
    if text and not text.endswith("\n"):
        text += "\n"
    atomic_write_text(path, text + render(cases, indent, notes))


def _open_cases_list(path: Path, text: str) -> tuple[str, int]:
    """Check the file can take appended cases; return its text and the item indentation."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}); fix it before importing") from exc
    if root is None:
        return text.rstrip("\n") + "\ncases:\n", 2
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{path}:1:1: a golden file must be a mapping with a 'cases:' list")
    keys = [k.value for k, _ in root.value]
    if "cases" not in keys:
        return text.rstrip("\n") + "\ncases:\n", 2
    key, node = root.value[keys.index("cases")]
    where = f"{path}:{key.start_mark.line + 1}:{key.start_mark.column + 1}"
    if keys[-1] != "cases":
        raise ConfigError(
            f"{where}: cannot append imported cases: 'cases:' must be the last top-level key;"
            " move it to the end of the file, or import into a new file with --out"
        )
    if not isinstance(node, yaml.SequenceNode):
        raise ConfigError(f"{where}: 'cases' must be a list")
    if node.flow_style:
        if node.value:
            raise ConfigError(
                f"{where}: cannot append to a flow-style list ('cases: [...]');"
                " write the cases as a block list ('- id: ...') or use a new --out file"
            )
        # "cases: []": drop the brackets, then the items follow as a block list
        start, end = node.start_mark.index, node.end_mark.index
        return text[:start].rstrip(" ") + text[end:], 2
    return text, node.start_mark.column if node.value else 2
