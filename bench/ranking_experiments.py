"""Reordering the product's candidates (issue 14, third pass): feedback in the documents' language, other moves of the
query vector, and a best-sentence re-scoring of the fused top candidates, on rankings computed once.

    python bench/ranking_experiments.py --data-dir DATA [--cache QUERIES.json] \
        [--translations bench/reference_translations.txt] QA.jsonl [QA2.jsonl ...]

For every answerable question the product's rankings are computed through the collection as `search` does them
(no-LLM query; dense top 50, moved by the language shift when the question's language differs from its best 20
passages'; BM25 top 50; query vectors kept in QUERIES.json as in bench/heldout_checks.py). "Cross-language" below
means what the product detects (the shift applied), not the question set's `kind`. Every variant ends with the
answer-type boost, as the product. Printed per set: hit@5 / MRR@5 overall, on the `crosslingual` questions and on
the others:

- `product`: convex fusion of dense (0.4) and BM25 (0.6 x known words), as the product;
- `prf dense M/T xW`: for cross-language questions a third list, BM25 of the T terms (stems) of highest collection
  IDF that occur in at least 2 of the best M dense passages and not in the query, at W x 0.6 (`all`: for every
  question); `prf fused M/T xW`: the terms from the best M fused passages instead;
- `prf in bm25 M/T`: the same terms added to the question's own BM25 query instead of a third list;
- `rocchio M xB`: the dense query vector plus B x the mean vector of the best M fused passages, searched again
  (cross-language questions; `all`: every question);
- `both dense, unmoved S`: the unmoved dense ranking fused too, at S of the dense share 0.4;
- `paired shift ridge L` (with --translations): the shift estimated from the reference questions paired with their
  translations (bench/reference_translations.txt, one a line in the reference file's order) as the mean of the
  pairs' differences, plus (L not None) a ridge-regularised linear correction fitted on the pairs;
- `product +sent S`: the best 20 fused passages also get S x the IDF-weighted share of the query's terms that their
  best sentence (rag/search/excerpt.py) holds.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench.heldout_checks import open_core  # noqa: E402
from bench.variants import evidence_rows, fuse, print_variant_table, tally  # noqa: E402
from rag.documents.cleaning import normalize_for_match  # noqa: E402
from rag.index.bm25 import query_words, tokenize  # noqa: E402
from rag.search.answer_type import boost_quantities  # noqa: E402
from rag.search.coverage import calibration_for, reference_questions  # noqa: E402
from rag.search.crosslingual import toward_passages_language  # noqa: E402
from rag.search.evaluation import load_questions  # noqa: E402
from rag.search.excerpt import best_sentence  # noqa: E402
from rag.search.language import dominant_language  # noqa: E402
from rag.search.retrieval import concat_query  # noqa: E402

CANDIDATES = 50
Order = list[tuple[int, float]]


@dataclass
class Case:
    query: str
    question: str
    kind: str
    good: set[int]
    dense: Order
    lexical: Order
    known: float
    other: bool
    """Whether the product moved the question (its language differs from its passages')."""
    vector: np.ndarray
    """The unit query vector the dense ranking was searched with (moved, for a cross-language question)."""
    unmoved_vector: np.ndarray
    unmoved: Order
    """The dense ranking of the question's own vector."""


def unit(vector) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    return array / np.linalg.norm(array)


def cases(collection, path: Path) -> list[Case]:
    chunks = collection.snapshot().chunks
    calibration = calibration_for(collection)
    normalised = [normalize_for_match(c.text) for c in chunks]
    found = []
    for item in load_questions(path):
        if not item.get("evidence"):
            continue
        query = concat_query(item["question"], item.get("history") or [])
        rankings = collection.rank([(query, 1.0)], CANDIDATES)
        before = rankings.queries[0].dense
        ranking = toward_passages_language(rankings, collection.embedding, calibration.regions, CANDIDATES).queries[0]
        good = evidence_rows(normalised, item["evidence"])
        offset = calibration.regions.shift(query, [chunks[row].text for row, _ in before[:20]])
        own = unit(collection.embedding.embed_query(query))
        vector = own if offset is None else unit(own + offset)
        found.append(
            Case(
                query, item["question"], item["kind"], good, ranking.dense, ranking.lexical,
                ranking.known_fraction, offset is not None, vector, own, before,
            )
        )  # fmt: skip
    return found


def feedback_terms(query: str, source: Order, chunks, idf, passages: int, terms: int) -> list[str]:
    """The `terms` stems of highest IDF that at least 2 of the best `passages` of `source` hold, the query not."""
    asked = set(tokenize(query))
    counts: Counter[str] = Counter()
    for row, _ in source[:passages]:
        counts.update(set(tokenize(chunks[row].text)) - asked)
    shared = [t for t, n in counts.items() if n >= 2 and t.isalpha() and len(t) >= 3]
    return sorted(shared, key=lambda t: (-idf(t), t))[:terms]


def feedback_words(query: str, source: Order, chunks, idf, passages: int, words: int) -> dict[tuple[str, ...], float]:
    """Relevance-model weights (RM3-like, Lavrenko and Croft, 2001) of the words of the best `passages`: each word's
    share of each passage's words, summed over the passages, times its collection IDF; words at least 2 of them
    hold and the query does not, the `words` best, as their stems."""
    asked = set(tokenize(query))
    weights: Counter[tuple[str, ...]] = Counter()
    seen: Counter[tuple[str, ...]] = Counter()
    for row, _ in source[:passages]:
        found = [w for w in query_words(chunks[row].text) if w and not set(w) & asked]
        for stems, n in Counter(found).items():
            weights[stems] += n / len(found)
            seen[stems] += 1
    scored = {w: weight * max(idf(t) for t in w) for w, weight in weights.items() if seen[w] >= 2 and len(w[0]) >= 3}
    return dict(sorted(scored.items(), key=lambda pair: (-pair[1], pair[0]))[:words])


def lexical_of_words(lexical, words: dict[tuple[str, ...], float], n: int) -> Order:
    """BM25 of weighted words, each scored by its stems together."""
    vocab = lexical._vocab
    total = np.zeros(lexical.size, dtype=np.float32)
    for stems, weight in words.items():
        ids = [vocab[t] for t in stems if t in vocab]
        if ids:
            total += weight * np.asarray(lexical.retriever.get_scores_from_ids(ids), dtype=np.float32)
    rows = np.argsort(-total, kind="stable")[:n]
    return [(int(r), float(total[r])) for r in rows if total[r] > 0]


def lexical_of_terms(lexical, tokens: list[str], n: int) -> Order:
    """BM25 of already tokenised terms (stems are not stemmed again)."""
    vocab = lexical._vocab
    ids = [vocab[t] for t in dict.fromkeys(tokens) if t in vocab]
    if not ids:
        return []
    scores = np.asarray(lexical.retriever.get_scores_from_ids(ids), dtype=np.float32)
    rows = np.argsort(-scores, kind="stable")[:n]
    return [(int(r), float(scores[r])) for r in rows if scores[r] > 0]


def dense_of(vectors: np.ndarray, query: np.ndarray) -> Order:
    cosines = vectors @ unit(query)
    return [(int(r), float(cosines[r])) for r in np.argsort(-cosines)[:CANDIDATES]]


def sentence_rescore(order: Order, chunks, tokens: set[str], idf, weight: float, pool: int = 20) -> Order:
    total = sum(idf(t) for t in tokens)
    if not total:
        return order
    head, rest = order[:pool], order[pool:]
    query = " ".join(tokens)

    def share(row: int) -> float:
        sentence, _ = best_sentence(chunks[row].text, query, idf)
        return sum(idf(t) for t in set(tokenize(sentence)) & tokens) / total

    rescored = [(row, score + weight * share(row)) for row, score in head]
    return sorted(rescored, key=lambda pair: -pair[1]) + rest


@dataclass
class Pairs:
    """Reference questions paired with their translations: English and Portuguese unit query vectors."""

    english: np.ndarray
    portuguese: np.ndarray

    @classmethod
    def of(cls, embedding, translations: Path) -> Pairs:
        translated = [line.strip() for line in translations.read_text(encoding="utf-8").splitlines() if line.strip()]
        english, portuguese = [], []
        for original, translation in zip(reference_questions(), translated, strict=True):
            pair = [unit(embedding.embed_query(original)), unit(embedding.embed_query(translation))]
            if dominant_language([original], ("en", "pt")) == "en":
                pair.reverse()
            portuguese.append(pair[0])
            english.append(pair[1])
        return cls(np.vstack(english), np.vstack(portuguese))

    def moved(self, vector: np.ndarray, ridge: float | None) -> np.ndarray:
        """English `vector` moved by the pairs' mean difference, plus a ridge correction fitted on the pairs."""
        differences = self.portuguese - self.english
        offset = differences.mean(axis=0)
        moved = vector + offset
        if ridge is not None:
            centre = self.english.mean(axis=0)
            centred = self.english - centre
            # Dual form (40 pairs, hundreds of dimensions): A = X^T (X X^T + ridge I)^-1 R.
            coefficients = np.linalg.solve(centred @ centred.T + ridge * np.eye(len(centred)), differences - offset)
            moved = moved + ((vector - centre) @ centred.T) @ coefficients
        return moved


def variants_of(case: Case, chunks, lexical, vectors: np.ndarray, pairs: Pairs | None) -> dict[str, Order]:
    idf = lexical.idf
    base = [(case.dense, 0.4), (case.lexical, 0.6 * case.known)]
    product = fuse(base)
    variants = {"product": product}
    for passages, terms in ((3, 10), (5, 10), (5, 20), (10, 20)):
        for label, source in (("dense", case.dense), ("fused", product)):
            extra = feedback_terms(case.query, source, chunks, idf, passages, terms)
            prf = lexical_of_terms(lexical, extra, CANDIDATES)
            for weight in (0.3, 0.6):
                name = f"prf {label} {passages}/{terms} x{weight}"
                variants[name] = fuse([*base, (prf, weight * 0.6)]) if case.other else product
                if label == "dense" and (passages, terms, weight) == (5, 20, 0.3):
                    variants[name + " all"] = fuse([*base, (prf, weight * 0.6)])
        extra = feedback_terms(case.query, case.dense, chunks, idf, passages, terms)
        together = lexical_of_terms(lexical, [*tokenize(case.query), *extra], CANDIDATES)
        added = fuse([base[0], (together, 0.6 * case.known)])
        variants[f"prf in bm25 {passages}/{terms}"] = added if case.other else product
    for passages, words in ((5, 10), (5, 20), (10, 20)):
        relevance = lexical_of_words(lexical, feedback_words(case.query, case.dense, chunks, idf, passages, words), 50)
        for weight in (0.3, 0.6):
            variants[f"rm3 {passages}/{words} x{weight}"] = (
                fuse([*base, (relevance, weight * 0.6)]) if case.other else product
            )
    for passages in (3, 5):
        for beta in (0.5, 1.0):
            moved = case.vector + beta * vectors[[row for row, _ in product[:passages]]].mean(axis=0)
            rocchio = fuse([(dense_of(vectors, moved), 0.4), base[1]])
            variants[f"rocchio {passages} x{beta}"] = rocchio if case.other else product
            variants[f"rocchio {passages} x{beta} all"] = rocchio
    for share in (0.1, 0.2):
        lists = [(case.dense, 0.4 - share), (case.unmoved, share), base[1]]
        variants[f"both dense, unmoved {share}"] = fuse(lists) if case.other else product
    if pairs is not None:
        for ridge in (None, 10.0, 1.0, 0.1):
            paired = fuse([(dense_of(vectors, pairs.moved(case.unmoved_vector, ridge)), 0.4), base[1]])
            variants[f"paired shift ridge {ridge}"] = paired if case.other else product
    for weight in (0.1, 0.2, 0.3):
        variants[f"product +sent {weight}"] = sentence_rescore(product, chunks, set(tokenize(case.query)), idf, weight)
    return {name: boost_quantities(order, chunks, case.question, case.query, idf) for name, order in variants.items()}


def run(collection, path: Path, pairs: Pairs | None) -> None:
    snapshot = collection.snapshot()
    chunks, lexical = snapshot.chunks, snapshot.lexical
    vectors = np.asarray(snapshot.vectors, dtype=np.float32)
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    ranks: dict[str, dict[str, list[int | None]]] = {}
    for case in cases(collection, path):
        group = "crosslingual" if case.kind == "crosslingual" else "same language"
        tally(ranks, variants_of(case, chunks, lexical, vectors, pairs), case.good, group)
    print_variant_table(path, ranks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--collection", default="default")
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--translations", type=Path, help="the reference questions translated, one a line, in order")
    parser.add_argument("questions", type=Path, nargs="+")
    args = parser.parse_args()
    core, stored = open_core(args.data_dir, args.collection, args.cache)
    try:
        collection = core.existing_collection()
        pairs = Pairs.of(collection.embedding, args.translations) if args.translations else None
        for path in args.questions:
            run(collection, path, pairs)
    finally:
        stored.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
