"""Example custom scorer: the answer mentions the title of a retrieved document.

Titles come from ``response.extra["titles"]``, a list parallel to ``response.retrieved``.
Map it in evalgate.yaml:

    target:
      response:
        retrieved: retrieval.doc_ids
        extra: {titles: retrieval.titles}

Use in a golden case:  ``- mentions_retrieved_title: true``  or  ``{min: 2}``.
"""

from __future__ import annotations

from typing import Any

from evalgate import Score, scorer

PARAMS = {
    "oneOf": [
        {"const": True},
        {
            "type": "object",
            "properties": {"min": {"type": "integer", "minimum": 1}},
            "additionalProperties": False,
        },
    ]
}


@scorer("mentions_retrieved_title", params=PARAMS)
def mentions_retrieved_title(response: Any, params: Any, case: Any) -> Score:
    """The answer names at least ``min`` (default 1) of the retrieved documents' titles."""
    need = params.get("min", 1) if isinstance(params, dict) else 1
    titles = response.extra.get("titles") if hasattr(response.extra, "get") else None
    if not isinstance(titles, list) or not titles:
        return Score.fail(
            "no retrieved titles in the response; map extra: {titles: <path to titles>}"
        )
    answer = (response.output or "").casefold() if isinstance(response.output, str) else ""
    named = [t for t in titles if isinstance(t, str) and t.strip() and t.casefold() in answer]
    value = min(1.0, len(named) / need)
    if len(named) >= need:
        return Score(value, True, f"mentions {', '.join(repr(t) for t in named)}")
    shown = ", ".join(repr(t) for t in titles[:5] if isinstance(t, str))
    return Score(value, False, f"expected {need} retrieved title(s) named; none of {shown} found")
