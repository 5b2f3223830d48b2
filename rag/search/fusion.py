"""Hybrid retrieval: dense and BM25 rankings of one or more queries, fused by normalised score or by rank."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rag.index.types import QueryRanking, Rankings
from rag.search.language import language_match

# The constant of the original RRF paper (Cormack et al., 2009): it damps the weight of the very first ranks.
RRF_K = 60
# The dense ranking's share in convex fusion. Measured (docs/retrieval.md): 0.3 to 0.5 is a plateau on both question
# sets, and 0.4 is best on each set chosen separately; nothing about individual questions went into it.
CONVEX_ALPHA = 0.4
# How many of a query's best dense passages its language is compared with: the passages it is about to be fused
# over, in whatever language the multilingual dense ranking found them (the boost's pool, rag/search/answer_type.py).
LANGUAGE_POOL = 20

Fusion = Literal["convex", "rrf"]


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


def _min_max(ranked: list[tuple[int, float]]) -> dict[int, float]:
    """Scores mapped onto [0, 1] by the list's own minimum and maximum (all 1 when they are equal)."""
    if not ranked:
        return {}
    low, high = min(s for _, s in ranked), max(s for _, s in ranked)
    return {row: (s - low) / (high - low) if high > low else 1.0 for row, s in ranked}


def lexical_weight(rankings: Rankings, query: QueryRanking, by_language: bool = False) -> float:
    """BM25's say for one query, in [0, 1]: the share of its words the collection knows, times (when `by_language`)
    how well its language matches that of its best dense passages (rag/search/language.py).

    BM25 can only match words the documents use. An English question on Portuguese documents still has many
    "known" words (English terms, code and names occur in Portuguese text, and stems of both languages are indexed),
    but its BM25 ranking rests on those stray words, and the multilingual dense ranking should keep the say when it
    is the better cross-language ranker. The language of the dense candidates, not of the whole collection, is
    compared: in a collection of several languages the question is judged against the passages it is about.
    Off by default (RetrievalOptions.language_weight): measured, it helps the bundled e5 on the held-out set only,
    and hurts a weaker dense model (docs/retrieval.md).
    """
    weight = query.known_fraction
    if by_language:
        passages = [rankings.chunks[row].text for row, _ in query.dense[:LANGUAGE_POOL] if row < len(rankings.chunks)]
        match = language_match(query.query, passages)
        weight *= 1.0 if match is None else match
    return weight


def convex_fusion(
    rankings: Rankings, alpha: float = CONVEX_ALPHA, by_language: bool = False
) -> list[tuple[int, float]]:
    """Fuse each query's dense and BM25 lists by score: weight * (alpha * cosine + (1 - alpha) * lexical_weight *
    BM25), both min-max normalised within their list, a row missing from a list counting 0 there; summed over
    queries, best first, ties in order of first appearance.

    Unlike RRF it keeps how far apart the scores are: a passage far ahead in one ranking stays ahead, which is what
    put the right passage first more often (MRR 0.66 -> 0.77 on the dev set, 0.78 -> 0.85 on the probe set).
    """
    fused: dict[int, float] = {}
    for query in rankings.queries:
        dense, lexical = _min_max(query.dense), _min_max(query.lexical)
        share = (1 - alpha) * lexical_weight(rankings, query, by_language)
        for row in dict.fromkeys([*dense, *lexical]):
            score = alpha * dense.get(row, 0.0) + share * lexical.get(row, 0.0)
            fused[row] = fused.get(row, 0.0) + query.weight * score
    return sorted(fused.items(), key=lambda pair: -pair[1])


def fuse(
    rankings: Rankings,
    lexical: bool,
    fusion: Fusion = "convex",
    alpha: float = CONVEX_ALPHA,
    by_language: bool = False,
) -> list[tuple[int, float]]:
    """One ranking of chunk rows from every query's dense list (at the query's weight) and, when `lexical`, its
    BM25 list at that weight times `lexical_weight` (the share of the query's words the collection contains, and
    how well the query's language matches its passages').

    `convex` (the default, measured better) fuses hybrid rankings by normalised score; `rrf` by reciprocal rank.
    Dense-only rankings of several queries are always fused by reciprocal rank: cosines of different queries are
    not on one scale.
    """
    if lexical and fusion == "convex":
        return convex_fusion(rankings, alpha, by_language)
    lists: list[list[int]] = []
    weights: list[float] = []
    for query in rankings.queries:
        lists.append([row for row, _ in query.dense])
        weights.append(query.weight)
        if lexical:
            lists.append([row for row, _ in query.lexical])
            weights.append(query.weight * lexical_weight(rankings, query, by_language))
    return reciprocal_rank_fusion(lists, weights)
