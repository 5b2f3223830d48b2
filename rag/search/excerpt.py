"""The sentence of a passage that matches a query: what a search-only answer shows, and what answer types read."""

from __future__ import annotations

from collections.abc import Callable

from rag.documents.chunking import split_sentences
from rag.index.bm25 import tokenize


def best_sentence(passage: str, query: str, idf: Callable[[str], float] | None = None) -> tuple[str, float]:
    """The sentence sharing the most of the query's words (weighted by `idf`, or counted), and that weight."""
    terms = set(tokenize(query))
    weigh = idf or (lambda _term: 1.0)
    sentences = split_sentences(passage) or [passage]
    scored = [(sum(weigh(t) for t in set(tokenize(s)) & terms), s) for s in sentences]
    weight, sentence = max(scored, key=lambda pair: pair[0])
    return sentence, weight


def excerpt(passage: str, query: str, limit: int = 320) -> str:
    """A passage on one line, whole when short; else the sentence that matched the query, in full, with "…" where
    text was left out (never cut mid-sentence, so the fact the question asked for is not cut off)."""
    flat = " ".join(passage.split())
    if len(flat) <= limit:
        return flat
    sentence, weight = best_sentence(flat, query)
    if weight <= 0:
        return flat[:limit].rsplit(" ", 1)[0] + "…"
    sentence = sentence.strip()
    start = flat.find(sentence)
    before = "…" if start > 0 else ""
    after = "…" if start + len(sentence) < len(flat) else ""
    return f"{before}{sentence}{after}"
