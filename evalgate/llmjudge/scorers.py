"""The judge-graded scorers, registered like the built-ins (names, parameter schemas, help).

Their functions are never called on the event loop: the runner's scoring phase
(:mod:`evalgate.llmjudge.phase`) awaits the judge for them. Called any other way (no judge in
this process) they raise, which makes the case an ``error``: never a silent pass.
"""

from __future__ import annotations

from typing import Any

from evalgate.model import Case, Response, Score
from evalgate.scorers.registry import scorer

_VOTES: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": 15}
_CRITERIA: dict[str, Any] = {"type": "string", "minLength": 1}

RUBRIC_PARAMS: dict[str, Any] = {
    "oneOf": [
        _CRITERIA,
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["criteria"],
            "properties": {
                "criteria": _CRITERIA,
                "examples": {"type": "array", "items": {"type": "object"}},
                "pass_when": {"type": "string", "minLength": 1},
                "votes": _VOTES,
            },
        },
    ]
}
GROUNDED_PARAMS: dict[str, Any] = {
    "oneOf": [
        {"const": True},
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "passages": {"type": "string", "minLength": 1},
                "votes": _VOTES,
            },
        },
    ]
}
SIMILAR_PARAMS: dict[str, Any] = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["reference"],
            "properties": {
                "reference": {"type": "string", "minLength": 1},
                "threshold": {"type": "number", "minimum": -1, "maximum": 1},
            },
        },
    ]
}


class NeedsJudge(RuntimeError):
    pass


def _needs_judge(name: str) -> Score:
    raise NeedsJudge(
        f"{name} is graded by the LLM judge, which this command does not run;"
        " configure judge: in evalgate.yaml (docs/judge.md)"
    )


@scorer("rubric", params=RUBRIC_PARAMS)
def rubric(response: Response, params: Any, case: Case) -> Score:
    """LLM judge: does the answer meet a criterion in plain words? (pass/fail + critique)"""
    return _needs_judge("rubric")


@scorer("grounded", params=GROUNDED_PARAMS)
def grounded(response: Response, params: Any, case: Case) -> Score:
    """LLM judge: is every claim supported by the retrieved passages? (names unsupported ones)"""
    return _needs_judge("grounded")


@scorer("similar", params=SIMILAR_PARAMS)
def similar(response: Response, params: Any, case: Case) -> Score:
    """Embedding similarity (the judge's /embeddings) to a reference answer, with a threshold."""
    return _needs_judge("similar")
