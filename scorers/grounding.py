"""Example custom scorer: answer from retrieved knowledge, or fall back honestly.

When nothing relevant was retrieved (no documents, or ``response.extra["top_score"]`` below
``min_score``, default 0.3), the answer must refuse or fall back: say it does not know, offer a
ticket, or hand over to a human (a ``create_ticket`` tool call counts too). When relevant
documents were retrieved, the scorer passes. Map the score in evalgate.yaml:

    target:
      response:
        retrieved: retrieval.doc_ids
        extra: {top_score: retrieval.top_score}

Use in a golden case:  ``- grounded_or_fallback: true``  or  ``{min_score: 0.5}``.
"""

from __future__ import annotations

import re
from typing import Any

from evalgate import Score, scorer

PARAMS = {
    "oneOf": [
        {"const": True},
        {
            "type": "object",
            "properties": {"min_score": {"type": "number", "minimum": 0, "maximum": 1}},
            "additionalProperties": False,
        },
    ]
}

FALLBACK = re.compile(
    r"\b(?:i (?:don't|do not) know|i'm not sure|i am not sure|(?:couldn't|could not|can't|cannot)"
    r" find|no (?:information|article|answer|details)|(?:open|create|file|raise)(?:d)? a"
    r" (?:support )?ticket|human (?:agent|colleague)|(?:support|our) team|escalat\w*"
    r"|(?:can't|cannot|unable to|not able to) (?:help|answer|assist))",
    re.IGNORECASE,
)


@scorer("grounded_or_fallback", params=PARAMS)
def grounded_or_fallback(response: Any, params: Any, case: Any) -> Score:
    """Without relevant retrieval the answer must fall back (refuse, ticket, human handoff)."""
    min_score = params.get("min_score", 0.3) if isinstance(params, dict) else 0.3
    extra = response.extra if hasattr(response.extra, "get") else {}
    top = extra.get("top_score")
    top = float(top) if isinstance(top, (int, float)) and not isinstance(top, bool) else None
    if response.retrieved and (top is None or top >= min_score):
        shown = f" (top score {top:.2f})" if top is not None else ""
        return Score(1.0, True, f"grounded in {len(response.retrieved)} document(s){shown}")
    why = (
        "nothing was retrieved" if not response.retrieved else f"top score {top:.2f} < {min_score}"
    )
    answer = response.output if isinstance(response.output, str) else ""
    if any(getattr(c, "name", "") == "create_ticket" for c in response.tool_calls):
        return Score(1.0, True, f"{why}; fell back by creating a ticket")
    m = FALLBACK.search(answer)
    if m:
        return Score(1.0, True, f"{why}; fell back: {m.group(0)!r}")
    snippet = " ".join(answer.split())[:60]
    hint = "no ticket, handoff or 'I don't know'"
    return Score(0.0, False, f"{why}, yet the answer does not fall back ({hint}): {snippet!r}")
