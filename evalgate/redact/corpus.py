"""Measure redaction against a labelled corpus: per-type recall and false positives.

A corpus is a YAML file with ``items``; each item has an ``id``, a ``split`` (``tune`` or
``heldout``), a ``text`` and ``secrets``: the ``{type, value}`` pairs that must be replaced (an
empty list marks a hard negative that must come out untouched). The test suite and
``benchmarks/redaction_eval.py`` both use this module, so the figures in the docs are the ones
the tests assert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evalgate.errors import ConfigError
from evalgate.redact import Redactor


@dataclass(frozen=True)
class Label:
    """One value that must be replaced, and the placeholder type it should get."""

    type: str
    value: str


@dataclass(frozen=True)
class Item:
    """One corpus text with its labels."""

    id: str
    split: str
    text: str
    labels: tuple[Label, ...]


@dataclass
class TypeStats:
    """Counts for one labelled type."""

    labelled: int = 0
    removed: int = 0  # every letter and digit of the value was inside some replaced span
    typed: int = 0  # ...and the span covering it had the expected type

    @property
    def recall(self) -> float:
        return self.removed / self.labelled if self.labelled else 1.0


@dataclass
class Report:
    """The measured figures for one slice of a corpus."""

    items: int = 0
    negatives: int = 0
    negatives_altered: list[str] = field(default_factory=list)
    findings: int = 0
    spurious: list[tuple[str, str]] = field(default_factory=list)  # (item id, replaced text)
    missed: list[tuple[str, str, str]] = field(default_factory=list)  # (item id, type, value)
    by_type: dict[str, TypeStats] = field(default_factory=dict)

    @property
    def negative_fp_rate(self) -> float:
        return len(self.negatives_altered) / self.negatives if self.negatives else 0.0

    @property
    def span_fp_rate(self) -> float:
        return len(self.spurious) / self.findings if self.findings else 0.0


def load(path: str | Path) -> list[Item]:
    """Read a corpus file; raise ConfigError naming the item when a label is not in its text."""
    raw: Any = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("items"), list):
        raise ConfigError(f"{path}: expected a mapping with an 'items' list")
    items = []
    for entry in raw["items"]:
        labels = tuple(Label(str(s["type"]), str(s["value"])) for s in entry.get("secrets") or ())
        item = Item(str(entry["id"]), str(entry.get("split", "tune")), str(entry["text"]), labels)
        for label in labels:
            if label.value not in item.text:
                raise ConfigError(f"{path}: item {item.id}: value {label.value!r} is not in text")
        items.append(item)
    return items


def _spans(text: str, value: str) -> Iterable[tuple[int, int]]:
    start = text.find(value)
    while start != -1:
        yield start, start + len(value)
        start = text.find(value, start + 1)


def evaluate(
    items: Sequence[Item], make: Callable[[], Redactor] = Redactor, split: str | None = None
) -> Report:
    """Run a fresh Redactor (one per item, as one per case) over ``items`` and count."""
    report = Report()
    for item in items:
        if split is not None and item.split != split:
            continue
        report.items += 1
        findings = make().scan(item.text)
        covered: dict[int, str] = {}
        for f in findings:
            for i in range(f.start, f.end):
                covered[i] = f.type
        labelled: set[int] = set()
        for label in item.labels:
            stats = report.by_type.setdefault(label.type, TypeStats())
            for start, end in _spans(item.text, label.value):
                labelled.update(range(start, end))
                stats.labelled += 1
                chars = [i for i in range(start, end) if item.text[i].isalnum()]
                if all(i in covered for i in chars):
                    stats.removed += 1
                    stats.typed += all(covered[i] == label.type for i in chars)
                else:
                    report.missed.append((item.id, label.type, label.value))
        report.findings += len(findings)
        for f in findings:
            if not labelled.intersection(range(f.start, f.end)):
                report.spurious.append((item.id, item.text[f.start : f.end]))
        if not item.labels:
            report.negatives += 1
            if findings:
                report.negatives_altered.append(item.id)
    return report


def table(report: Report, title: str) -> str:
    """A plain-text table of the report, for the benchmark script and the docs."""
    lines = [
        f"{title}: {report.items} items, {report.negatives} hard negatives",
        f"{'type':<12}{'labelled':>9}{'removed':>9}{'recall':>9}{'typed':>9}",
    ]
    for name, s in sorted(report.by_type.items()):
        lines.append(f"{name:<12}{s.labelled:>9}{s.removed:>9}{s.recall:>9.3f}{s.typed:>9}")
    lines.append(
        f"negatives altered: {len(report.negatives_altered)}/{report.negatives} "
        f"({report.negative_fp_rate:.1%}); spurious spans: {len(report.spurious)}/"
        f"{report.findings} replaced ({report.span_fp_rate:.1%})"
    )
    return "\n".join(lines)


def thresholds() -> Mapping[str, float]:
    """Required recall per type (PHONE and IP have looser shapes, so a looser bar)."""
    strict = ("API_KEY", "SECRET", "TOKEN", "JWT", "PRIVATE_KEY", "CARD", "EMAIL")
    return {**dict.fromkeys(strict, 0.98), "PHONE": 0.95, "IP": 0.95}
