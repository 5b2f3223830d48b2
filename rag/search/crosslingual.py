"""A question in another language than its passages: its dense query moved into the passages' language.

A multilingual embedding model places a question closer to passages in its own language than to the same content in
another: an English question on Portuguese documents finds the few English chunks (code, logs, link lists) before
the Portuguese page that answers it. The offset between languages is roughly one direction of the model's space
(Libovický et al., 2020, "On the language neutrality of pre-trained multilingual representations"). Its estimate
here: the mean query vector of the reference questions written in each language (rag/search/reference_questions.txt,
the coverage calibration's, already embedded), so every model gets its own without a setting or a word list. A
question whose language differs from that of its best dense passages is searched again with its vector moved by the
difference of the two means; its BM25 ranking is left as it is. Measured in docs/retrieval.md ("Issue 14: the
language shift").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from rag.index.embeddings import EmbeddingModel
from rag.index.types import Rankings
from rag.search.language import dominant_language

# How many of a query's best dense passages tell the documents' language: the pool fusion works over
# (rag/search/fusion.py's LANGUAGE_POOL), in whatever language the dense ranking found them.
_PASSAGES = 20
# A language needs this many reference questions for their mean to stand for the language rather than for their
# topics (the file holds 20 Portuguese and 20 English ones; a couple of short Portuguese ones read as Italian).
_MIN_REFERENCES = 10


@dataclass(frozen=True)
class LanguageRegions:
    """Where each language's questions sit in one embedding model's query space."""

    means: dict[str, np.ndarray]
    """The mean unit query vector of the reference questions in each language."""

    @classmethod
    def of(cls, questions: Sequence[str], vectors: np.ndarray) -> LanguageRegions:
        """Regions from reference questions and their unit query vectors (one row each), grouped by the language
        their stopwords say; languages with too few questions are left out."""
        first = [dominant_language([q]) for q in questions]
        languages = tuple(lang for lang, n in Counter(first).items() if lang is not None and n >= _MIN_REFERENCES)
        groups: dict[str, list[int]] = {}
        for row, question in enumerate(questions):
            language = dominant_language([question], languages)
            if language is not None:
                groups.setdefault(language, []).append(row)
        return cls({language: vectors[rows].mean(axis=0) for language, rows in groups.items()})

    def shift(self, query: str, passages: Sequence[str]) -> np.ndarray | None:
        """The offset from the query's language to its passages' language; None when they are the same, or either
        is not told (no stopword of a known language, or a language without reference questions)."""
        languages = tuple(self.means)
        asked = dominant_language([query], languages)
        found = dominant_language(passages, languages)
        if asked is None or found is None or asked == found:
            return None
        return self.means[found] - self.means[asked]


def toward_passages_language(
    rankings: Rankings, embedding: EmbeddingModel, regions: LanguageRegions, n: int
) -> Rankings:
    """The rankings with each query in another language than its best dense passages searched again, its vector
    moved into theirs; other queries, and every BM25 ranking, unchanged. Needs a store that can search by vector
    (`Rankings.search_vector`); without one the rankings come back as they are."""
    if rankings.search_vector is None:
        return rankings
    queries = []
    for query in rankings.queries:
        passages = [rankings.chunks[row].text for row, _ in query.dense[:_PASSAGES]]
        offset = regions.shift(query.query, passages) if query.dense else None
        if offset is not None:
            vector = np.asarray(embedding.embed_query(query.query), dtype=np.float32)
            moved = vector / max(float(np.linalg.norm(vector)), 1e-12) + offset
            moved /= max(float(np.linalg.norm(moved)), 1e-12)
            query = replace(query, dense=rankings.search_vector(moved.tolist(), n))
        queries.append(query)
    return replace(rankings, queries=queries)
