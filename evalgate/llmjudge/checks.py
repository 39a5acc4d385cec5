"""Load-time checks of judge-graded expectations, located at their golden line (exit 2)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from evalgate.config.model import Config
from evalgate.config.yamlsrc import Doc
from evalgate.errors import Problem
from evalgate.llmjudge import JUDGE_SCORERS
from evalgate.model import Case, ScorerSpec


def judge_config_problems(doc: Doc) -> list[Problem]:
    """What the schema cannot say about the ``judge:`` block, located in evalgate.yaml."""
    judge = doc.data.get("judge")
    url = judge.get("base_url") if isinstance(judge, dict) else None
    if isinstance(url, str) and not url.lower().startswith(("http://", "https://")):
        return [
            doc.problem(
                ("judge", "base_url"),
                "judge.base_url must start with http:// or https:// (the API root, e.g."
                " https://api.openai.com/v1)",
            )
        ]
    return []


def _specs(cases: Iterable[Case]) -> Iterable[ScorerSpec]:
    for c in cases:
        if not JUDGE_SCORERS.isdisjoint(c.expect_names):  # the others are not checked here
            yield from c.expect
        for t in c.turns:
            yield from t.expect


def judge_problems(cfg: Config, cases: Iterable[Case]) -> list[Problem]:
    problems: list[Problem] = []
    for s in _specs(cases):
        if s.name not in JUDGE_SCORERS:
            continue
        if not cfg.judge.model:
            problems.append(
                Problem(
                    s.file,
                    s.line,
                    s.col,
                    f"{s.name} is graded by the LLM judge, but judge.model is not set;"
                    " add a judge: block to evalgate.yaml (docs/judge.md)",
                )
            )
        elif s.name == "grounded":
            key = "passages"
            if isinstance(s.params, Mapping) and s.params.get("passages"):
                key = str(s.params["passages"])
            if key not in cfg.target.response.extra:
                problems.append(
                    Problem(
                        s.file,
                        s.line,
                        s.col,
                        f"grounded reads the retrieved passages from"
                        f" target.response.extra.{key}, which is not mapped; map it to the"
                        " list of passage texts in the response",
                    )
                )
    return problems
