"""A deterministic OpenAI-compatible judge for the demo and the tests (no model involved).

``POST /v1/chat/completions`` grades the rubric and grounded prompts of evalgate.llmjudge with
plain rules; ``POST /v1/embeddings`` returns hashed bag-of-words vectors. Models:
``demo-judge`` (the rules), ``demo-judge-garbage`` (answers prose, not JSON),
``demo-judge-split`` (the verdict flips with the request's seed: votes disagree).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

_QUOTED = re.compile(r"[\"'‘“]([^\"'’”]{2,60})[\"'’”]")
_WORD = re.compile(r"[a-z0-9]+")
_NEGATIVE = re.compile(r"\b(not|never|no)\b.{0,20}\b(mention|say|contain|include)", re.I)
DIM = 64
FINGERPRINT = "fp_demo_rules_1"  # who answers: a new rule set would report another


def _section(text: str, name: str) -> str:
    m = re.search(rf"^{name}:\n(.*?)(?:\n\n[A-Z ]+\d*:\n|\Z)", text, re.S | re.M)
    return m.group(1).strip() if m else ""


def _rubric(user: str) -> dict[str, Any]:
    criterion, answer = _section(user, "CRITERION"), _section(user, "ANSWER")
    phrases = _QUOTED.findall(criterion)
    low = answer.lower()
    if _NEGATIVE.search(criterion):
        bad = [p for p in phrases if p.lower() in low]
        if bad:
            return {"passed": False, "critique": f"the answer mentions {bad[0]!r}"}
        return {"passed": True, "critique": "the answer avoids what the criterion forbids"}
    missing = [p for p in phrases if p.lower() not in low]
    if missing:
        return {"passed": False, "critique": f"the answer does not mention {missing[0]!r}"}
    if not answer:
        return {"passed": False, "critique": "the answer is empty"}
    return {"passed": True, "critique": "the answer meets the criterion"}


def _grounded(user: str) -> dict[str, Any]:
    passages = [
        set(_WORD.findall(line.lower()))
        for line in _section(user, "PASSAGES").splitlines()
        if line.strip()
    ]
    unsupported = []
    for sentence in re.split(r"(?<=[.!?])\s+", _section(user, "ANSWER")):
        words = {w for w in _WORD.findall(sentence.lower()) if len(w) > 3}
        if words and not any(len(words & p) >= 0.6 * len(words) for p in passages):
            unsupported.append(sentence.strip())
    return {"supported": not unsupported, "unsupported_claims": unsupported}


def chat(body: dict[str, Any]) -> dict[str, Any]:
    model = str(body.get("model") or "demo-judge")
    messages = body.get("messages") or []
    system = str(messages[0].get("content", "")) if messages else ""
    user = str(messages[-1].get("content", "")) if messages else ""
    if model.endswith("-garbage"):
        content = "I think the answer is mostly fine, honestly."
    else:
        verdict = _grounded(user) if "PASSAGES:" in user else _rubric(user)
        if model.endswith("-split") and "passed" in verdict and int(body.get("seed") or 0) % 3 == 2:
            verdict = {"passed": not verdict["passed"], "critique": "on second thought, no"}
        content = json.dumps(verdict)
    tokens_in = len((system + user).split())
    return {
        "id": "chatcmpl-demo",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "system_fingerprint": FINGERPRINT,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": tokens_in,
            "completion_tokens": len(content.split()),
            "total_tokens": tokens_in + len(content.split()),
        },
    }


def vector(text: str) -> list[float]:
    v = [0.0] * DIM
    for w in _WORD.findall(text.lower()):
        v[int.from_bytes(hashlib.sha256(w.encode()).digest()[:4], "big") % DIM] += 1.0
    n = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / n for x in v]


def embeddings(body: dict[str, Any]) -> dict[str, Any]:
    raw = body.get("input")
    texts = [raw] if isinstance(raw, str) else [str(t) for t in raw or []]
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": vector(t)} for i, t in enumerate(texts)
        ],
        "model": str(body.get("model") or "demo-embed"),
        "usage": {"prompt_tokens": sum(len(t.split()) for t in texts), "total_tokens": 0},
    }
