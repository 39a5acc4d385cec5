"""Per-type recall and false positives of evalgate.redact on the labelled corpus, plus speed.

    python benchmarks/redaction_eval.py [--corpus tests/fixtures/redaction_corpus.yaml] [-v]

The ``tune`` slice was used while writing the detectors; the ``heldout`` slice was written
afterwards and is reported separately, because figures on the tuning slice flatter any detector.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalgate.redact import Redactor, corpus  # noqa: E402

SAMPLE = (
    "Hi, I'm jane.roe@example.org (phone +44 20 7946 0958). Order #48213 from 2024-03-15 "
    "failed at 10.0.0.12; card 4111 1111 1111 1111 was charged $1,299.00 on app v2.3.1. "
)
CALM = (
    "Thanks for reaching out! I checked order #48213 from 2024-03-15; the refund of $129.00 "
    "was issued. Version 2.3.1 fixes the sync bug (ticket 8842). Anything else, let me know. "
)


def _time(text: str, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        Redactor().redact_text(text)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT / "tests/fixtures/redaction_corpus.yaml"))
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses and spurious")
    args = parser.parse_args()
    items = corpus.load(args.corpus)
    for split in ("tune", "heldout"):
        report = corpus.evaluate(items, split=split)
        print(corpus.table(report, split))
        if args.verbose:
            for item_id, type_, value in report.missed:
                print(f"  missed   {item_id}: {type_} {value!r}")
            for item_id, text in report.spurious:
                print(f"  spurious {item_id}: {text!r}")
        print()
    dense = (SAMPLE * (100_000 // len(SAMPLE) + 1))[:100_000]
    calm = (CALM * (100_000 // len(CALM) + 1))[:100_000]
    print(f"100 KB, dense with PII (~{dense.count('@')} emails): {_time(dense):.1f} ms (best of 5)")
    print(f"100 KB, ordinary support text: {_time(calm):.1f} ms (best of 5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
