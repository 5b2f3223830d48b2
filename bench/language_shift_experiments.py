"""The language shift (rag/search/crosslingual.py) and the variants measured beside it, on rankings computed once.

    python bench/language_shift_experiments.py --data-dir DATA [--cache QUERIES.json] QA.jsonl [QA2.jsonl ...]

For every answerable question the no-LLM query's dense top 50 and BM25 top 50 are computed through the collection
(query vectors kept in QUERIES.json as in bench/heldout_checks.py), and, when the question's language differs from its
best 20 dense passages' (the product's test), its vector moved by lambda times the difference of the reference
questions' language means is searched again. Printed per set: hit@5 / MRR@5 overall, on the cross-language
questions and on the others, for convex fusion (dense 0.4, BM25 0.6 x known words; no answer types) of:

- `product before`: the unmoved dense ranking; `shift L`: the moved one (the product is `shift 1.0`);
- `shift L, BM25 x F`: also BM25's weight times F for a question in another language (F = 0: dense alone);
- `shift L, BM25 x match`: times its language match instead (RetrievalOptions.language_weight, for those only);
- `shift 1.0 + mapped M`: a third list, BM25 of the collection's words nearest each query word (M per word, by the
  model's vectors of the collection's vocabulary, hubness-corrected with CSLS, Conneau et al., 2018) at
  0.3 x (1 - language match): cross-language term mapping learned from the collection.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench.heldout_checks import open_core  # noqa: E402
from bench.variants import evidence_rows, fuse, print_variant_table, tally  # noqa: E402
from rag.documents.cleaning import normalize_for_match  # noqa: E402
from rag.index.bm25 import _stopwords  # noqa: E402
from rag.search.coverage import calibration_for  # noqa: E402
from rag.search.evaluation import load_questions  # noqa: E402
from rag.search.language import language_match  # noqa: E402
from rag.search.retrieval import concat_query  # noqa: E402

CANDIDATES = 50
_WORD = re.compile(r"[^\W\d_]+")
Order = list[tuple[int, float]]


class TermMap:
    """Each query word's nearest words of the collection, by the embedding model's query vectors of single words."""

    def __init__(self, embedding, texts: list[str]) -> None:
        stop = _stopwords()
        words = Counter(w for t in texts for w in set(_WORD.findall(t.lower())) if w not in stop and 3 <= len(w) <= 30)
        self.embedding, self.vocabulary = embedding, sorted(words)
        started = time.perf_counter()
        # Words of the collection as passages, query words as queries: e5's asymmetric use, as measured.
        self.vectors = self._unit(embedding.embed_passages(self.vocabulary))
        print(f"vocabulary: {len(self.vocabulary)} words embedded in {time.perf_counter() - started:.0f} s")
        between = self.vectors @ self.vectors.T
        np.fill_diagonal(between, -1.0)
        self.hub = np.sort(between, axis=1)[:, -10:].mean(axis=1)

    @staticmethod
    def _unit(vectors) -> np.ndarray:
        array = np.asarray(vectors, dtype=np.float32)
        return array / np.linalg.norm(array, axis=1, keepdims=True)

    def words(self, query: str, per_word: int) -> str:
        stop = _stopwords()
        asked = list(dict.fromkeys(w for w in _WORD.findall(query.lower()) if w not in stop and len(w) >= 3))
        if not asked:
            return ""
        similarity = self._unit(self.embedding.embed_queries(asked)) @ self.vectors.T
        own_hub = np.sort(similarity, axis=1)[:, -10:].mean(axis=1, keepdims=True)
        csls = 2 * similarity - own_hub - self.hub[None, :]
        return " ".join(self.vocabulary[j] for row in csls for j in np.argsort(-row)[:per_word])


def run(core, path: Path, term_map: TermMap | None) -> None:
    collection = core.existing_collection()
    snapshot = collection.snapshot()
    chunks, lexical = snapshot.chunks, snapshot.lexical
    regions = calibration_for(collection).regions
    normalised = [normalize_for_match(c.text) for c in chunks]
    ranks: dict[str, dict[str, list[int | None]]] = {}
    for item in load_questions(path):
        if not item.get("evidence"):
            continue
        query = concat_query(item["question"], item.get("history") or [])
        rankings = collection.rank([(query, 1.0)], CANDIDATES)
        ranking = rankings.queries[0]
        good = evidence_rows(normalised, item["evidence"])
        passages = [chunks[row].text for row, _ in ranking.dense[:20]]
        offset = regions.shift(query, passages)
        other = offset is not None
        match = language_match(query, passages)
        match = 1.0 if match is None else match
        vector = np.asarray(collection.embedding.embed_query(query), dtype=np.float32)
        vector /= np.linalg.norm(vector)
        known, bm25 = ranking.known_fraction, ranking.lexical
        variants = {"product before": fuse([(ranking.dense, 0.4), (bm25, 0.6 * known)])}
        for step in (0.5, 0.75, 1.0, 1.5):
            dense = ranking.dense
            if other:
                moved = vector + step * offset
                dense = rankings.search_vector((moved / np.linalg.norm(moved)).tolist(), CANDIDATES)
            variants[f"shift {step}"] = fuse([(dense, 0.4), (bm25, 0.6 * known)])
            if step in (0.75, 1.0):
                for factor in (0.0, 0.5):
                    weight = 0.6 * known * (factor if other else 1.0)
                    variants[f"shift {step}, BM25 x {factor}"] = fuse([(dense, 0.4), (bm25, weight)])
                weight = 0.6 * known * (match if other else 1.0)
                variants[f"shift {step}, BM25 x match"] = fuse([(dense, 0.4), (bm25, weight)])
            if step == 1.0 and term_map is not None:
                for per_word in (3, 5):
                    mapped = lexical.top(term_map.words(query, per_word), CANDIDATES) if other else []
                    lists = [(dense, 0.4), (bm25, 0.6 * known), (mapped, 0.3 * (1 - match))]
                    variants[f"shift 1.0 + mapped {per_word}"] = fuse(lists)
        group = "crosslingual" if item["kind"] == "crosslingual" else "same language"
        tally(ranks, variants, good, group)
    print_variant_table(path, ranks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--collection", default="default")
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--no-term-map", action="store_true", help="skip embedding the collection's vocabulary")
    parser.add_argument("questions", type=Path, nargs="+")
    args = parser.parse_args()
    core, stored = open_core(args.data_dir, args.collection, args.cache)
    try:
        collection = core.existing_collection()
        term_map = None
        if not args.no_term_map:
            term_map = TermMap(collection.embedding, [c.text for c in collection.snapshot().chunks])
        for path in args.questions:
            run(core, path, term_map)
    finally:
        stored.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
