"""Measure the refusal detector on the labeled corpus.

Usage: python benchmarks/refusal_eval.py [--corpus tests/fixtures/refusal_corpus.yaml]

Prints precision, recall and F1 per slice ("tuning" and "heldout"), a breakdown by kind and
language, and every misclassified example with the evidence the detector matched.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalgate.scorers.refusal import is_refusal  # noqa: E402


def load(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The corpus: slice name -> list of {text, refusal, kind, lang}."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {name: list(items) for name, items in data.items()}


def confusion(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts, figures and the misclassified examples for one slice."""
    tp = fp = fn = tn = 0
    errors: list[tuple[str, Mapping[str, Any], str]] = []
    for item in items:
        got, evidence = is_refusal(item["text"])
        want = bool(item["refusal"])
        if got and want:
            tp += 1
        elif got:
            fp += 1
            errors.append(("false positive", item, evidence))
        elif want:
            fn += 1
            errors.append(("false negative", item, ""))
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "n": len(items),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "errors": errors,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests/fixtures/refusal_corpus.yaml")
    args = parser.parse_args(argv)
    corpus = load(args.corpus)
    for name, items in corpus.items():
        c = confusion(items)
        pos = sum(1 for i in items if i["refusal"])
        print(f"== {name}: {c['n']} examples ({pos} refusals, {c['n'] - pos} answers)")
        print(
            f"   precision {c['precision']:.3f}  recall {c['recall']:.3f}  f1 {c['f1']:.3f}"
            f"   (tp {c['tp']}, fp {c['fp']}, fn {c['fn']}, tn {c['tn']})"
        )
        kinds = Counter(i["kind"] for i in items)
        wrong = Counter(item["kind"] for _, item, _ in c["errors"])
        langs = Counter(i["lang"] for i in items)
        wrong_lang = Counter(item["lang"] for _, item, _ in c["errors"])
        print("   by kind: " + ", ".join(f"{k} {kinds[k] - wrong[k]}/{kinds[k]}" for k in kinds))
        print(
            "   by lang: " + ", ".join(f"{k} {langs[k] - wrong_lang[k]}/{langs[k]}" for k in langs)
        )
        for what, item, evidence in c["errors"]:
            extra = f'  [matched: "{evidence}"]' if evidence else ""
            print(f"   {what} ({item['kind']}, {item['lang']}): {item['text']!r}{extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
