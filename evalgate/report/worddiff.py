"""A word-level diff of two answers (over :mod:`difflib`), for the HTML report.

The result is plain data, ``[[op, text], ...]`` with ``op`` one of ``=`` (in both), ``-`` (only
in the baseline) and ``+`` (only in this run); the page renders it with ``textContent``, so the
text is never markup. Words and single punctuation marks (with the whitespace that follows)
are the tokens; each side is cut to :data:`MAX_CHARS` first, and long or repetitive answers use
difflib's heuristic, so the diff stays quick whatever the answers.
"""

from __future__ import annotations

import difflib
import re

from evalgate.gate.answers import MAX_ANSWER_CHARS
from evalgate.textsafe import truncate

MAX_CHARS = MAX_ANSWER_CHARS  # what a baseline keeps of an answer: both sides alike
# a word or a punctuation mark with the whitespace after it: fewer tokens, and no run of
# lone spaces that matches everywhere
_TOKEN = re.compile(r"\w+\s*|[^\w\s]\s*|\s+", re.UNICODE)
# Above this many token pairs, difflib's own heuristic (popular tokens cannot start a match)
# keeps the work bounded: an exact diff of repetitive text grows with the cube of its length.
EXACT_PAIRS = 40_000

Segment = list[str]  # [op, text]


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def word_diff(before: str, after: str) -> list[Segment]:
    """``before`` → ``after`` as segments; joining the ``=`` and ``-`` texts gives ``before``,
    the ``=`` and ``+`` texts ``after`` (both cut to :data:`MAX_CHARS`). A change reads as one
    piece: whitespace alone between two changed words is not shown as kept."""
    a = tokens(truncate(before, MAX_CHARS))
    b = tokens(truncate(after, MAX_CHARS))
    out: list[Segment] = []
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        for op, words in (("-", removed), ("+", added)):
            if words:
                out.append([op, "".join(words)])
            words.clear()

    exact = len(a) * len(b) <= EXACT_PAIRS
    ops = difflib.SequenceMatcher(None, a, b, autojunk=not exact).get_opcodes()
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        between = 0 < k < len(ops) - 1 and all(t.isspace() for t in a[i1:i2])
        if tag == "equal" and not between:
            flush()
            if out and out[-1][0] == "=":
                out[-1][1] += "".join(a[i1:i2])
            else:
                out.append(["=", "".join(a[i1:i2])])
        else:
            removed += a[i1:i2]
            added += b[j1:j2]
    flush()
    return out


__all__ = ["MAX_CHARS", "word_diff"]
