"""Intent rules of the demo copilot: prompt injection, ticket requests, small talk, topics."""

from __future__ import annotations

import re

from evalgate.demo.kb import Article
from evalgate.demo.retrieval import INDEX

_TOPIC_MIN_SCORE = 0.1
"""Lower than retrieval's bar: a ticket only needs a plausible category, not a quotable source."""

_INJECTION = re.compile(
    r"|".join(
        (
            r"\b(?:ignore|forget|override)\b.{0,40}\b(?:instructions?|rules?|prompts?|guidelines?)",
            r"\bdisregard\b",
            r"\b(?:system|hidden|developer|initial)\s+(?:prompt|message|instructions?)\b",
            r"\byou\s+are\s+now\b",
            r"\b(?:developer|admin|god|dan|jailbreak)\s+mode\b",
            r"\bsystem\s+override\b",
            r"\bjailbreak",
            r"\b(?:reveal|print|show|leak|dump)\b.{0,40}\b(?:api\s+keys?|secrets?|tokens?|credentials)",
            r"\bwithout\s+(?:any\s+)?(?:confirmation|restrictions?|asking)\b",
            r"\bpretend\s+(?:to\s+be|you)\b",
        )
    ),
    re.IGNORECASE | re.DOTALL,
)
_CLOSE_WORD = re.compile(r"\b(?:close|closed|resolve|resolved)\b", re.IGNORECASE)
_TICKET_WORD = re.compile(r"\bticket\b", re.IGNORECASE)
_TICKET_NO = re.compile(r"\bticket\s*(?:#|no\.?\s*|number\s*)?(\d{2,})\b", re.IGNORECASE)
_CREATE = re.compile(
    r"\b(?:open|create|file|raise|submit|log)\b.{0,25}\b(?:ticket|case|request)\b"
    r"|\bescalat"
    r"|\b(?:talk|speak|chat)\b.{0,25}\b(?:human|person|agent|someone|manager)\b"
    r"|\b(?:real|live)\s+(?:person|human|agent)\b",
    re.IGNORECASE,
)
_URGENT = re.compile(
    r"\b(?:urgent|urgently|asap|immediately|emergency|critical|outage|production\s+is\s+down)\b",
    re.IGNORECASE,
)
_SMALLTALK = re.compile(
    r"^\s*(?:hi|hello|hey|thanks|thank\s+you|thx|bye|goodbye|cheers|ok|okay|great)\b",
    re.IGNORECASE,
)


def is_injection(message: str) -> bool:
    """Whether the message tries to override instructions or extract secrets."""
    return _INJECTION.search(message) is not None


def close_request(message: str) -> str | None:
    """The ticket id the user asks to close, ``""`` if they gave none, ``None`` if not asked."""
    if not (_CLOSE_WORD.search(message) and _TICKET_WORD.search(message)):
        return None
    m = _TICKET_NO.search(message)
    return m.group(1) if m else ""


def is_ticket_request(message: str) -> bool:
    """Whether the user asks for a ticket, an escalation or a human."""
    return _CREATE.search(message) is not None


def is_urgent(message: str) -> bool:
    return _URGENT.search(message) is not None


def is_smalltalk(message: str) -> bool:
    return _SMALLTALK.search(message) is not None


def topic_article(text: str, min_score: float = _TOPIC_MIN_SCORE) -> Article | None:
    """The best product-topic article for ``text`` (the generic support page does not count)."""
    for hit in INDEX.search(text, k=5, min_score=min_score):
        if hit.article.category != "general":
            return hit.article
    return None
