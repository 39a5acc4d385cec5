"""Keyword retrieval over the built-in knowledge base.

A deterministic stand-in for a vector store: light stemming, idf weights, and a field boost
(title > keywords > body). Scores are normalised to [0, 1] by what a perfect title match of
every query term would score, so an off-topic question scores near zero.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from evalgate.demo.kb import ARTICLES, Article

MIN_SCORE = 0.2
"""Articles scoring below this are not retrieved at all."""
TOP_K = 3

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_STOPWORD_TEXT = """
a about after all also am an and any are as at be been but by can could did do does doing for from
get got had has have how i if in into is it its just me my no not of on or our out please so some
than that the their them then there these they this to too us was we were what when where which
who why will with would you your yours want need know tell much many long
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_FIELD_WEIGHT = {"title": 3.0, "keywords": 2.0, "body": 1.0}
_MAX_WEIGHT = 3.0


@functools.lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A crude suffix stripper: enough to match invoice/invoices, ship/shipping, reset/resets."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    else:
        for suffix in ("ing", "ed", "es", "s"):
            if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
                word = word[: -len(suffix)]
                break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "sl":
        word = word[:-1]
    return word


def terms(text: str) -> list[str]:
    """The stemmed content words of ``text``, in order, stopwords removed."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


def sentences(text: str) -> list[str]:
    """Split an article body into sentences."""
    return [s for s in _SENTENCE.split(text.strip()) if s]


@dataclass(frozen=True)
class Hit:
    """One retrieved article, its normalised score, and how many of its chunks matched."""

    article: Article
    score: float
    chunks: int


class Index:
    """An in-memory index over a fixed set of articles (built once; read-only afterwards)."""

    def __init__(self, articles: Sequence[Article] = ARTICLES) -> None:
        self.articles = tuple(articles)
        self._sentences: list[list[tuple[str, frozenset[str]]]] = []
        self._chunks: list[list[frozenset[str]]] = []
        # term -> {article index: field weight}, so a search touches only matching articles.
        self._postings: dict[str, dict[int, float]] = {}
        for i, a in enumerate(self.articles):
            fields = (
                (_FIELD_WEIGHT["body"], terms(a.body)),
                (_FIELD_WEIGHT["keywords"], [t for k in a.keywords for t in terms(k)]),
                (_FIELD_WEIGHT["title"], terms(a.title)),
            )
            for weight, ts in fields:
                for t in ts:
                    self._postings.setdefault(t, {})[i] = weight
            sents = sentences(a.body)
            self._sentences.append([(s, frozenset(terms(s))) for s in sents])
            # Two sentences per chunk, like a small-chunk splitter would produce.
            self._chunks.append(
                [frozenset(terms(" ".join(sents[j : j + 2]))) for j in range(0, len(sents), 2)]
            )
        n = len(self.articles)
        self._idf = {t: math.log(1.0 + n / len(p)) for t, p in self._postings.items()}
        # An unknown word is as informative as the rarest known one: it lowers the score of
        # every article instead of being silently ignored.
        self._unknown_idf = math.log(1.0 + n / 0.5)

    def idf(self, term: str) -> float:
        return self._idf.get(term, self._unknown_idf)

    def search(self, text: str, k: int = TOP_K, min_score: float = MIN_SCORE) -> list[Hit]:
        """The best ``k`` articles for ``text`` scoring at least ``min_score``, best first."""
        query = list(dict.fromkeys(terms(text)))
        if not query:
            return []
        total = _MAX_WEIGHT * sum(self.idf(t) for t in query)
        raw: dict[int, float] = {}
        for t in query:
            idf = self.idf(t)
            for i, weight in self._postings.get(t, {}).items():
                raw[i] = raw.get(i, 0.0) + weight * idf
        hits: list[Hit] = []
        for i, value in raw.items():
            score = value / total
            if score >= min_score:
                matched = sum(1 for c in self._chunks[i] if any(t in c for t in query))
                hits.append(Hit(self.articles[i], round(score, 4), max(matched, 1)))
        hits.sort(key=lambda h: (-h.score, h.article.id))
        return hits[:k]

    def best_sentences(self, article: Article, text: str, n: int = 2) -> list[str]:
        """The ``n`` sentences of ``article`` that share most with ``text``, in article order."""
        query = set(terms(text))
        sents = self._sentences[self.articles.index(article)]
        scored = [(sum(self.idf(t) for t in query & ts), -i, s) for i, (s, ts) in enumerate(sents)]
        best = sorted(scored, reverse=True)[:n]
        return [s for _, _, s in sorted(best, key=lambda x: -x[1])]


INDEX = Index()
