"""The answer a baseline keeps for each case, so a reviewer can see what changed.

One text per case, made the same way for the baseline and for a run (``answer_text``), so the
two sides of a comparison read alike: the answer's text, then one line per tool call
(``→ name {"arg": 1}``, compact JSON). A tool-call-only answer is its calls, never nothing.

What a baseline file keeps is redacted (the project's ``redact`` patterns and the built-in
detectors), masked (secrets from ``${VAR}``), cut to :data:`MAX_ANSWER_CHARS`, and the whole
file's answers stay within :data:`ANSWERS_BUDGET` characters: beyond it the largest answers are
dropped first and the file lists the cases whose answer was dropped.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from evalgate import masking
from evalgate.model import Response
from evalgate.results import CaseResult, read_at
from evalgate.textsafe import truncate

MAX_ANSWER_CHARS = 2_000  # one case's answer in a baseline file
ANSWERS_BUDGET = 200_000  # all answers of one baseline file together
CALL_MARK = "→ "
_PRE_CUT = 4 * MAX_ANSWER_CHARS  # redaction reads at most this much of a huge answer

Redact = Callable[[str], str]


def answer_text(resp: Response | None) -> str | None:
    """The answer as one text: its output, then one line per tool call; None when empty."""
    if resp is None:
        return None
    parts = [resp.output] if resp.output else []
    for call in resp.tool_calls:
        args = json.dumps(
            dict(call.arguments), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        parts.append(f"{CALL_MARK}{call.name} {args}")
    return "\n".join(parts) if parts else None


def representative(repeats: Iterable[CaseResult]) -> CaseResult | None:
    """The repeat whose answer stands for the case: the first that passed, else the first
    scored one with an answer."""
    scored = sorted(
        (r for r in repeats if r.status in ("passed", "failed") and not r.confirmation),
        key=lambda r: r.repeat,
    )
    with_answer = [r for r in scored if answer_text(r.response)]
    return next((r for r in with_answer if r.status == "passed"), None) or next(
        iter(with_answer), None
    )


def redactor(patterns: Mapping[str, str] | None = None) -> Redact:
    """A function redacting one case's text with a fresh :class:`~evalgate.redact.Redactor`
    (placeholders are numbered per case)."""
    from evalgate.redact import Redactor

    custom = dict(patterns or {})
    Redactor(custom)  # a bad pattern is a config error now, not at the first answer

    def redact(text: str) -> str:
        return Redactor(custom).redact_text(text)

    return redact


def kept(text: str, redact: Redact | None) -> str:
    """What a baseline file keeps of one answer: redacted, masked, cut."""
    text = text[:_PRE_CUT]
    if redact is not None:
        text = redact(text)
    return truncate(masking.scrub(text), MAX_ANSWER_CHARS)


def case_answers(results: Iterable[CaseResult], redact: Redact | None) -> dict[str, str]:
    """Case id -> the answer a baseline keeps for it (cases without an answer are left out).

    One pass, holding one answer per case: ``results`` may be a whole ``results.jsonl`` read
    line by line (a later line for the same repeat replaces an earlier one). The answer is the
    :func:`representative` repeat's.
    """
    best: dict[str, tuple[tuple[int, int], str]] = {}
    for r in results:
        if r.status not in ("passed", "failed") or r.confirmation:
            continue
        text = answer_text(r.response)
        if not text:
            continue
        key = (0 if r.status == "passed" else 1, r.repeat)
        held = best.get(r.case_id)
        if held is None or key <= held[0]:
            best[r.case_id] = (key, text[:_PRE_CUT])
    return {cid: kept(text, redact) for cid, (_, text) in best.items()}


class AnswerPicker:
    """The answers a baseline keeps, picked by a pass over ``results.jsonl`` that reads it for
    something else too (:func:`evalgate.results_compact.read_indexed`), as :func:`case_answers`
    and :func:`within_budget` pick them, without holding the answers.

    Each result is given with where its line starts (:meth:`add`); what is held per case is
    the chosen result's rank, where its line starts and the length of what a baseline keeps of
    its answer. :meth:`capped` applies the file's budget to those lengths and reads back the
    answers that fit (at most ``budget`` characters), one line at a time.
    """

    def __init__(self, file: Path, redact: Redact | None = None) -> None:
        self._file = file
        self._redact = redact
        # case id -> (rank, line offset << _LEN_BITS | kept length); ranks are shared tuples;
        # the first rank (the first repeat, passed: most cases') is held as the int alone
        self._best: dict[str, tuple[tuple[int, int], int] | int] = {}
        self._ranks: dict[tuple[int, int], tuple[int, int]] = {}

    def add(self, r: CaseResult, offset: int) -> None:
        """A result read from the line starting at byte ``offset`` of the file."""
        if r.status not in ("passed", "failed") or r.confirmation:
            return
        text = answer_text(r.response)
        if not text:
            return
        rank = (0 if r.status == "passed" else 1, r.repeat)
        held = self._best.get(r.case_id)
        if held is None or rank <= (_FIRST if isinstance(held, int) else held[0]):
            where = offset << _LEN_BITS | len(kept(text, self._redact))
            if rank == _FIRST:
                self._best[r.case_id] = where
            else:
                self._best[r.case_id] = (self._ranks.setdefault(rank, rank), where)

    def capped(
        self, ids: Iterable[str], budget: int = ANSWERS_BUDGET
    ) -> tuple[dict[str, str], tuple[str, ...]]:
        """``within_budget`` of the kept answers of ``ids``: the answers that fit (a case
        without one is left out) and the ids of the cases whose answer was dropped."""
        fit: list[tuple[int, str, int]] = []  # a heap: the next answer to drop first
        empty: list[str] = []
        total = 0
        dropped: list[str] = []
        for cid in ids:
            held = self._best.get(cid)
            if held is None:
                continue
            if not isinstance(held, int):
                held = held[1]
            size = held & _LEN_MASK
            if not size:
                empty.append(cid)
                continue
            # the largest first, ties by case id: what within_budget drops, in its order; an
            # answer dropped stays dropped, as the answers after it only add to the total
            heapq.heappush(fit, (-size, cid, held >> _LEN_BITS))
            total += size
            while total > budget:
                size, gone, _ = heapq.heappop(fit)
                total += size
                dropped.append(gone)
        out = dict.fromkeys(empty, "")
        where = sorted((off, cid) for _, cid, off in fit)
        lines = read_at([self._file], [((c, 0), 0, o) for o, c in where])
        for (_, cid), r in zip(where, lines, strict=True):
            out[cid] = kept(answer_text(r.response) or "", self._redact)
        return out, tuple(sorted(dropped))

    def clear(self) -> None:
        """Let go of what was picked (the answers were read back by :meth:`capped`)."""
        self._best.clear()
        self._ranks.clear()


_LEN_BITS = 32
_LEN_MASK = (1 << _LEN_BITS) - 1
_FIRST = (0, 0)  # the rank of a first repeat that passed


def within_budget(
    answers: Mapping[str, str | None], budget: int = ANSWERS_BUDGET
) -> tuple[dict[str, str | None], tuple[str, ...]]:
    """Answers whose total length is within ``budget``: the largest are dropped first (ties by
    case id). Returns the answers and the ids of the cases whose answer was dropped."""
    out = dict(answers)
    total = sum(len(a) for a in out.values() if a)
    dropped: list[str] = []
    for cid, text in sorted(
        ((c, a) for c, a in out.items() if a), key=lambda x: (-len(x[1] or ""), x[0])
    ):
        if total <= budget:
            break
        total -= len(text or "")
        out[cid] = None
        dropped.append(cid)
    return out, tuple(sorted(dropped))


__all__ = [
    "ANSWERS_BUDGET",
    "MAX_ANSWER_CHARS",
    "AnswerPicker",
    "answer_text",
    "case_answers",
    "kept",
    "redactor",
    "representative",
    "within_budget",
]
