"""Two custom scorers the demo goldens use, written the way a team would write its own.

``grounded_or_fallback: true``
    The answer either cites at least one article and every cited article was retrieved, or it
    cites nothing and says plainly that it found nothing (no made-up answer).
``mentions_retrieved_title: true``
    The answer names the title of at least one retrieved article (``false``: of none). Needs
    ``extra: {titles: ...}`` in the response mapping of ``evalgate.yaml``.

They are registered when this module is imported, which the files in the demo's
``scorers/`` folders do; keeping the code here registers them once even when both the
repository's and the packaged demo config are loaded in one process.
"""

from __future__ import annotations

import re

from evalgate.model import Case, Response, Score
from evalgate.scorers.registry import scorer

_FALLBACK = re.compile(
    r"\b(?:couldn't|could not|can't|cannot|didn't|did not)\s+find\b"
    r"|\bno (?:relevant )?(?:information|articles?|results?)\b"
    r"|\b(?:i )?(?:don't|do not) know\b"
    r"|\bnot sure\b",
    re.IGNORECASE,
)


@scorer(
    "grounded_or_fallback",
    params={"const": True, "description": "write `grounded_or_fallback: true`"},
    description="cites only retrieved articles, or says it found nothing",
)
def grounded_or_fallback(response: Response, params: object, case: Case) -> Score:
    """Pass when the answer is grounded in retrieved articles or is an honest fallback."""
    cited = list(response.citations)
    retrieved = set(response.retrieved)
    if cited:
        missing = [c for c in cited if c not in retrieved]
        if missing:
            return Score.fail(f"cites {', '.join(missing)}, which retrieval did not return")
        return Score.ok(f"cites {', '.join(cited)}, all retrieved")
    if _FALLBACK.search(response.output or ""):
        return Score.ok("cites nothing and says it found nothing")
    return Score.fail(
        "answers without citing a retrieved article and without saying it found nothing"
    )


@scorer(
    "mentions_retrieved_title",
    params={"type": "boolean"},
    description="the answer names the title of a retrieved article",
)
def mentions_retrieved_title(response: Response, params: object, case: Case) -> Score:
    """Pass when the answer names a retrieved article's title (or, with ``false``, none)."""
    titles = response.extra.get("titles")
    if not isinstance(titles, list):
        return Score.fail(
            "no retrieved titles in the response; map them in evalgate.yaml under "
            "target.response.extra (titles: retrieval.titles)"
        )
    text = (response.output or "").lower()
    named = [t for t in titles if isinstance(t, str) and t and t.lower() in text]
    want = params is not False
    if want and not named:
        shown = ", ".join(repr(t) for t in titles[:3]) or "none retrieved"
        return Score.fail(f"names no retrieved title ({shown})")
    if not want and named:
        return Score.fail(f"names retrieved title {named[0]!r}")
    return Score.ok(f"names {named[0]!r}" if named else "names no retrieved title")
