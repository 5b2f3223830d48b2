"""Hybrid retrieval: dense and BM25 rankings of one or more queries, fused by (weighted) reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.chunking import Chunk

# The constant of the original RRF paper (Cormack et al., 2009): it damps the weight of the very first ranks.
RRF_K = 60


@dataclass(frozen=True)
class QueryRanking:
    """What one query found in one snapshot of a collection: chunk rows with their scores, best first."""

    query: str
    weight: float
    dense: list[tuple[int, float]]
    """(row, cosine similarity)."""
    lexical: list[tuple[int, float]] = field(default_factory=list)
    """(row, BM25 score); empty in dense-only retrieval."""
    known_fraction: float = 1.0
    """Share of the query's words that occur anywhere in the collection."""


@dataclass(frozen=True)
class Rankings:
    """The rankings of all queries of one search, and the chunks their rows point into."""

    chunks: list[Chunk]
    queries: list[QueryRanking]


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None, k: int = RRF_K
) -> list[tuple[int, float]]:
    """Fuse ranked lists of ids: each list adds weight / (k + rank) to an id; best first, ties by first appearance.

    Only ranks matter, not scores, so a cosine in [0, 1] and an unbounded BM25 score can be combined.
    """
    weights = [1.0] * len(rankings) if weights is None else list(weights)
    if len(weights) != len(rankings):
        raise ValueError("reciprocal_rank_fusion needs one weight per ranking.")
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda pair: -pair[1])


def fuse(rankings: Rankings, lexical: bool) -> list[tuple[int, float]]:
    """One fused ranking of chunk rows: every query's dense list at the query's weight, and its BM25 list (when
    `lexical`) at that weight times the share of the query's words the collection contains.

    BM25 can only match words the documents use. When many of the question's words are unknown to the collection,
    typically a question asked in another language than the documents', its ranking rests on the few words left
    and deserves less say than the multilingual dense ranking.
    """
    lists: list[list[int]] = []
    weights: list[float] = []
    for query in rankings.queries:
        lists.append([row for row, _ in query.dense])
        weights.append(query.weight)
        if lexical:
            lists.append([row for row, _ in query.lexical])
            weights.append(query.weight * query.known_fraction)
    return reciprocal_rank_fusion(lists, weights)
