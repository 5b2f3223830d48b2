"""Answer-type matching: a question that asks for a quantity prefers passages whose matching sentence holds one."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from rag.documents.chunking import Chunk
from rag.index.bm25 import tokenize
from rag.search.excerpt import best_sentence

# How many, how much, which value: Portuguese and English, the languages the collection's tokeniser stems.
QUANTITY = re.compile(
    r"\b(quant[oa]s?|qual (?:o )?(?:valor|n[úu]mero|tamanho|custo|pre[çc]o)|how (?:many|much|long|large|big))\b",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
# Added to the fused score (in [0, 1]) of a passage whose best sentence holds a number. Measured
# (docs/retrieval.md): 0.3 lifts quantity questions on two question sets without moving any other down; 0.5 does.
BOOST = 0.3
# Only the best fused passages are reordered: the boost breaks near-ties, it does not dig passages up.
POOL = 20

Order = list[tuple[int, float]]


def asks_for_quantity(question: str) -> bool:
    return QUANTITY.search(question) is not None


def _pool_idf(texts: list[set[str]]) -> Callable[[str], float]:
    """IDF over the passages being reordered, for stores that cannot tell a term's frequency in the collection."""
    n = len(texts)

    def idf(term: str) -> float:
        df = sum(term in words for words in texts)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    return idf


def boost_quantities(
    order: Order,
    chunks: list[Chunk],
    question: str,
    search_query: str,
    idf: Callable[[str], float] | None = None,
    boost: float = BOOST,
) -> Order:
    """`order` with the passages among its best POOL whose best sentence holds a digit moved up by `boost`, when
    `question` asks for a quantity; otherwise unchanged.

    The best sentence of a passage is the one sharing the most of the search query's words, weighted by `idf`
    (the collection's; None: IDF over the pool). A number elsewhere in the passage does not count: slides and code
    are full of unrelated numbers; nor does one in a passage that shares no word with the query.
    """
    if not order or not asks_for_quantity(question):
        return order
    head, rest = order[:POOL], order[POOL:]
    weigh = idf or _pool_idf([set(tokenize(chunks[row].text)) for row, _ in head])

    def holds_number(row: int) -> bool:
        best, weight = best_sentence(chunks[row].text, search_query, weigh)
        return weight > 0 and _DIGIT.search(best) is not None

    boosted = [(row, score + boost if holds_number(row) else score) for row, score in head]
    return sorted(boosted, key=lambda pair: -pair[1]) + rest
