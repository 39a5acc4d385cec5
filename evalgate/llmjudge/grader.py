"""Grade one response with the judge: cache, votes, calibration, usage.

A verdict the judge could not give (down, slow, garbage) is a scorer ``error`` record: the case
is ``error`` and counts toward gate.max_error_rate (exit 3 past it), never a quality failure.
Failures of an uncalibrated judge are *advisory*: recorded with their critique, but they do not
fail the case (see :mod:`.calibration`).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from evalgate.llmjudge import JUDGE_ERROR_PREFIX, prompts
from evalgate.llmjudge.cache import JudgeCache, cache_key
from evalgate.llmjudge.client import JudgeClient, JudgeError, Usage
from evalgate.model import Case, Response, ScorerSpec
from evalgate.scorers.registry import ScoreRecord

DEFAULT_SIMILAR_THRESHOLD = 0.8
DOWN_AFTER = 3  # calls failing in a row before the judge ever answered: stop asking it


@dataclass
class Tally:
    """What the judge cost in this run (kept apart from the target's tokens and cost)."""

    calls: int = 0
    cached: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    unstable: int = 0
    advisory_failures: int = 0
    errors: int = 0
    # why failures were advisory (each reason once, first seen first)
    advisory_reasons: list[str] = field(default_factory=list)

    def add(self, u: Usage) -> None:
        self.input_tokens += u.input_tokens
        self.output_tokens += u.output_tokens


@dataclass
class Judge:
    client: JudgeClient
    cache: JudgeCache
    votes: int = 1
    blocking: bool = False  # without a policy: every failure blocks (True) or none does
    why_advisory: str = "the judge is not calibrated"
    # per scorer and criterion: may its failures block? (a calibration.Calibration's decide)
    policy: Callable[[str, Any], tuple[bool, str]] | None = None
    tally: Tally = field(default_factory=Tally)
    down: str | None = None  # set once the judge failed DOWN_AFTER times without ever answering
    # who gave the last verdict (the reply's model and fingerprint; from the cache on a hit)
    last_served: tuple[str | None, str | None] = (None, None)
    _answered: bool = False
    _unreachable: int = 0

    # -- entry point ----------------------------------------------------------------------
    async def grade(
        self, spec: ScorerSpec, response: Response, case: Case, turn: int | None = None
    ) -> ScoreRecord:
        try:
            if self.down is not None:  # never answered: do not wait out every case's retries
                raise JudgeError(self.down)
            detail, score, passed, reason = await self._grade(spec, response, case)
        except (JudgeError, prompts.BadVerdict, ValueError) as exc:
            self.tally.errors += 1
            if isinstance(exc, JudgeError) and not self._answered:
                self._unreachable += 1
                if self.down is None and self._unreachable >= DOWN_AFTER:
                    self.down = f"the judge looks down: its first {DOWN_AFTER} calls failed ({exc})"
            msg = f"{JUDGE_ERROR_PREFIX}{exc}"
            return ScoreRecord(spec.name, 0.0, False, msg, spec.weight, error=msg, turn=turn)
        self._answered = True
        blocks, why = self.decide(spec)
        advisory = not passed and not blocks and spec.name != "similar"
        if advisory:
            self.tally.advisory_failures += 1
            if why not in self.tally.advisory_reasons:
                self.tally.advisory_reasons.append(why)
            reason = f"{reason} [advisory: {why}]"  # (phase.ADVISORY reads it back)
        return ScoreRecord(
            spec.name,
            score,
            passed,
            reason,
            spec.weight,
            turn=turn,
            advisory=advisory,
            judge=detail,
        )

    def decide(self, spec: ScorerSpec) -> tuple[bool, str]:
        """May a failure of this scorer (and criterion) block? (True, "") or (False, why)."""
        if self.policy is not None:
            return self.policy(spec.name, spec.params)
        return self.blocking, "" if self.blocking else self.why_advisory

    async def _grade(
        self, spec: ScorerSpec, response: Response, case: Case
    ) -> tuple[dict[str, Any], float, bool, str]:
        out = response.output
        answer = out if isinstance(out, str) else "" if out is None else repr(out)
        if spec.name == "similar":
            return await self._similar(spec.params, answer)
        messages, schema, parse, votes = question(spec, response, case.input, answer)
        n = int(votes or self.votes)

        async def vote(i: int) -> tuple[prompts.Verdict, bool]:
            key = self.key(spec.name, messages, i)
            hit = self.cache.get(key)
            if hit is not None and isinstance(hit.get("passed"), bool):
                if i == 0:
                    self.last_served = _served(hit.get("served"))
                return prompts.Verdict(hit["passed"], str(hit.get("reason", ""))), True
            seed = None if self.client.ep.seed is None else self.client.ep.seed + i
            content, usage = await self.client.chat_json(messages, schema, spec.name, seed)
            served = self.client.last_served  # read before any other await: this reply's
            self.tally.calls += 1
            self.tally.add(usage)
            v = parse(content)
            if i == 0:
                self.last_served = served
            self.cache.put(key, {"passed": v.passed, "reason": v.reason, "served": list(served)})
            return v, False

        # the votes of one verdict in parallel (judge.concurrency still bounds the calls)
        got = await asyncio.gather(*(vote(i) for i in range(n)))
        verdicts = [v for v, _ in got]
        cached = sum(hit for _, hit in got)
        self.tally.cached += cached
        yes = sum(v.passed for v in verdicts)
        passed = yes * 2 > n  # a tie fails: the judge could not say it passes
        agreement = max(yes, n - yes) / n
        unstable = n > 1 and agreement < 1.0
        if unstable:
            self.tally.unstable += 1
        pick = next(v for v in verdicts if v.passed == passed)
        reason = pick.reason
        if unstable:
            reason = f"{reason} (judge split {yes}/{n} pass: unstable verdict)"
        detail: dict[str, Any] = {
            "votes": [v.passed for v in verdicts],
            "agreement": round(agreement, 4),
            "unstable": unstable,
            "cached": cached,
        }
        return detail, yes / n, passed, reason

    async def _similar(self, params: Any, answer: str) -> tuple[dict[str, Any], float, bool, str]:
        if isinstance(params, str):
            reference, threshold = params, DEFAULT_SIMILAR_THRESHOLD
        else:
            reference = str(params["reference"])
            threshold = float(params.get("threshold", DEFAULT_SIMILAR_THRESHOLD))
        if not answer.strip():
            return {"cosine": 0.0, "cached": 0}, 0.0, False, "the answer is empty"
        key = self.key("similar", [{"reference": reference, "answer": answer}], 0)
        hit = self.cache.get(key)
        cos = hit.get("cosine") if hit else None
        cached = 1 if isinstance(cos, (int, float)) else 0
        if not isinstance(cos, (int, float)):
            (a, b), usage = await self.client.embed([answer, reference])
            self.tally.calls += 1
            self.tally.add(usage)
            cos = _cosine(a, b)
            self.cache.put(key, {"cosine": cos})
        self.tally.cached += cached
        value = min(1.0, max(0.0, float(cos)))
        passed = value >= threshold
        reason = f"similarity {value:.3f} {'>=' if passed else '<'} threshold {threshold:g}"
        return {"cosine": round(float(cos), 6), "cached": cached}, value, passed, reason

    def key(
        self,
        scorer: str,
        messages: Sequence[Mapping[str, Any]],
        vote: int,
        **more: Any,
    ) -> str:
        """The cache key of one vote on ``messages`` by this judge (``more``: extra parts)."""
        ep = self.client.ep
        return cache_key(
            {
                **more,
                "base_url": ep.base_url.rstrip("/"),
                "model": ep.embedding_model or ep.model if scorer == "similar" else ep.model,
                "temperature": ep.temperature,
                "seed": ep.seed,
                "max_tokens": ep.max_tokens,
                "template": prompts.TEMPLATE_VERSION,
                "scorer": scorer,
                "messages": list(messages),  # criterion, examples, input, answer, passages
                "vote": vote,
            }
        )


Parse = Callable[[str], prompts.Verdict]


def question(
    spec: ScorerSpec, response: Response, case_input: Mapping[str, Any], answer: str
) -> tuple[list[dict[str, str]], dict[str, Any], Parse, int | None]:
    """What a rubric or grounded verdict asks: messages, verdict schema, parser, votes."""
    if spec.name == "rubric":
        r = prompts.Rubric.from_params(spec.params)
        messages = prompts.rubric_messages(r, case_input, answer)
        return messages, prompts.RUBRIC_SCHEMA, prompts.parse_rubric, r.votes
    passages = _passages(spec.params, response)
    messages = prompts.grounded_messages(passages, case_input, answer)
    votes = spec.params.get("votes") if isinstance(spec.params, Mapping) else None
    return messages, prompts.GROUNDED_SCHEMA, prompts.parse_grounded, votes


def _passages(params: Any, response: Response) -> list[str]:
    field_name = "passages"
    if isinstance(params, Mapping) and params.get("passages"):
        field_name = str(params["passages"])
    raw = response.extra.get(field_name)
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise ValueError(
            f"grounded needs the retrieved passages: map them with"
            f" target.response.extra.{field_name} (a list of strings); the response has none"
        )
    return [p if isinstance(p, str) else str(p) for p in raw]


def _served(raw: Any) -> tuple[str | None, str | None]:
    if (
        isinstance(raw, list)
        and len(raw) == 2
        and all(x is None or isinstance(x, str) for x in raw)
    ):
        return raw[0], raw[1]
    return None, None


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    if not all(math.isfinite(v) for v in (dot, na, nb)):
        raise JudgeError("the embeddings reply holds a non-finite vector")
    return 0.0 if na == 0 or nb == 0 else dot / (na * nb)  # a zero vector shares nothing
