"""Query-time ordering experiments for hybrid retrieval (the MRR@5 gap, docs/retrieval.md): score-based convex
fusion instead of RRF, and rescoring the best fused candidates by their best sentence window.

    python bench/fusion_experiments.py --data-dir DATA convex DEV.jsonl PROBE.jsonl
    python bench/fusion_experiments.py --data-dir DATA windows --cache WINDOWS.npz DEV.jsonl PROBE.jsonl

Both experiments score hit@5 / MRR@5 of the combined (no-LLM) query of every question, as the default retrieval
searches it, and start with the product's hybrid search as the baseline.

`convex` (Bruch et al. 2023, "An Analysis of Fusion Functions for Hybrid Retrieval"): over the union of the dense and
BM25 top-50 lists, score = alpha * norm(cosine) + (1 - alpha) * known_fraction * norm(bm25), a row missing from one
list taking that list's normalised minimum (0). `minmax` normalises both lists by their own min and max; `bm25-zero`
does so for the cosines but takes 0 as the BM25 minimum (BM25's theoretical one). Alpha runs over 0.3..0.9.

`windows`: every chunk is cut into overlapping windows (rag.documents.chunking.chunk_text, --window-tokens /
--window-overlap)
embedded once as passages and cached in WINDOWS.npz (rebuilt when the collection's chunks or the window settings
differ). The best 20 of a fused list (RRF, and convex minmax at CONVEX_ALPHA) are then reordered by the best window
cosine to the query (`max window`), by RRF of the fused rank and the window rank (`RRF(fused, window)`), or by the
mean of the chunk cosine and the best window cosine (`mean(chunk, window)`); rows past 20 keep their order.

Every parameter is chosen on one set (the best MRR@5 that keeps that set's baseline hit@5) and reported on the
other, in both directions. The collection is only read.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench.retrieval_sweep import CachedQueries  # noqa: E402
from rag.documents.chunking import chunk_text  # noqa: E402
from rag.index.faiss.collection import Collection, Hit  # noqa: E402
from rag.index.types import QueryRanking, Rankings
from rag.search.evaluation import EvalReport, evaluate, first_hit_rank, load_questions  # noqa: E402
from rag.search.fusion import RRF_K, fuse, reciprocal_rank_fusion  # noqa: E402
from rag.search.retrieval import RetrievalOptions, SearchResult, concat_query, search, sources_from_hits  # noqa: E402

K = 5
CANDIDATES = 50
RESCORE_POOL = 20
ALPHAS = [round(0.3 + 0.1 * i, 1) for i in range(7)]
# What `convex` chooses on either question set; `windows` also rescores this fusion.
CONVEX_ALPHA = 0.4

BASELINE = "baseline: the product's hybrid search"

Order = list[tuple[int, float]]
"""(chunk row, score), best first."""


@dataclass(frozen=True)
class Question:
    """One question's search query, its dense and BM25 rankings and its query vector, computed once."""

    query: str
    ranking: QueryRanking
    vector: np.ndarray


@dataclass(frozen=True)
class Windows:
    """Window vectors of every chunk: `owner[i]` is the chunk row of window `i`."""

    owner: np.ndarray
    vectors: np.ndarray
    window_tokens: int
    chunk_tokens: int


class CountingCachedQueries(CachedQueries):
    """bench/retrieval_sweep.py's query cache, passing token counting through (window cutting needs it)."""

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.inner.count_tokens(texts)


def open_cached(data_dir: Path, name: str) -> Collection:
    collection = Collection.open(data_dir, name)
    cached = CountingCachedQueries(collection.embedding.embeddings)
    collection.embedding = replace(collection.embedding.loaded(), embeddings=cached)
    return collection


def prepare(collection: Collection, questions: list[dict]) -> dict[str, Question]:
    """Rankings of every question's combined query, keyed by that query."""
    prepared: dict[str, Question] = {}
    for item in questions:
        history = item.get("history") or []
        query = concat_query(item["question"], history) if history else item["question"]
        if query not in prepared:
            ranking = collection.rank([(query, 1.0)], CANDIDATES, lexical=True).queries[0]
            vector = np.asarray(collection.embedding.embed_query(query), dtype=np.float32)
            prepared[query] = Question(query, ranking, vector)
    return prepared


def as_search(collection: Collection, prepared: dict[str, Question], order: Callable[[Question], Order]):
    """A search for rag.search.evaluation.evaluate: the top k of `order` of the question's prepared rankings."""
    chunks = collection.chunks()

    def run(question: str, history: list[dict]) -> SearchResult:
        query = concat_query(question, history) if history else question
        rows = order(prepared[query])[:K]
        return SearchResult(question, query, sources_from_hits([Hit(chunks[r], s) for r, s in rows]))

    return run


def rrf_order(q: Question) -> Order:
    """Reciprocal rank fusion as the product does it (rag.search.fusion.fuse, fusion="rrf") of one query."""
    return fuse(Rankings([], [q.ranking]), lexical=True, fusion="rrf")


def _normalise(scores: dict[int, float], floor: float | None) -> dict[int, float]:
    """Scores mapped to [0, 1] by the list's max and its min (or `floor`, a theoretical minimum, when given)."""
    if not scores:
        return {}
    low = min(scores.values()) if floor is None else floor
    span = max(scores.values()) - low
    return {row: (s - low) / span if span > 0 else 1.0 for row, s in scores.items()}


def convex_order(alpha: float, normalisation: str) -> Callable[[Question], Order]:
    """alpha * norm(cosine) + (1 - alpha) * known_fraction * norm(BM25) over the union of the two lists."""

    def order(q: Question) -> Order:
        dense = _normalise(dict(q.ranking.dense), None)
        lexical = _normalise(dict(q.ranking.lexical), 0.0 if normalisation == "bm25-zero" else None)
        beta = (1 - alpha) * q.ranking.known_fraction
        rows = list(dict.fromkeys([r for r, _ in q.ranking.dense] + [r for r, _ in q.ranking.lexical]))
        fused = {r: alpha * dense.get(r, 0.0) + beta * lexical.get(r, 0.0) for r in rows}
        return sorted(fused.items(), key=lambda pair: -pair[1])

    return order


def build_windows(collection: Collection, cache: Path, window_tokens: int, overlap: int) -> Windows:
    """Window vectors of all chunks, from `cache` when it matches the collection and settings, else embedded."""
    chunks = collection.chunks()
    keys = np.array([c.key for c in chunks])
    settings = np.array([window_tokens, overlap], dtype=np.int64)
    model = np.array(collection.info.embedding_model)
    if cache.exists():
        with np.load(cache, allow_pickle=False) as saved:
            if (
                np.array_equal(saved["keys"], keys)
                and np.array_equal(saved["settings"], settings)
                and str(saved["model"]) == str(model)
            ):
                print(f"window vectors from {cache}", file=sys.stderr)
                return Windows(saved["owner"], saved["vectors"], int(saved["tokens"][0]), int(saved["tokens"][1]))
    embedding = collection.embedding
    texts: list[str] = []
    owner: list[int] = []
    for row, chunk in enumerate(chunks):
        for window in chunk_text(chunk.text, embedding.count_tokens, window_tokens, overlap):
            texts.append(window)
            owner.append(row)
    window_cost = sum(embedding.count_tokens(texts))
    chunk_cost = sum(embedding.count_tokens([c.text for c in chunks]))
    print(f"{len(texts)} windows of {len(chunks)} chunks: {window_cost} tokens against {chunk_cost}", file=sys.stderr)
    started = time.perf_counter()
    vectors = np.zeros((len(texts), embedding.dimension), dtype=np.float32)
    batch = 32
    for start in range(0, len(texts), batch):
        vectors[start : start + batch] = embedding.embed_passages(texts[start : start + batch])
        done = min(start + batch, len(texts))
        print(f"  {done}/{len(texts)} windows, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    tokens = np.array([window_cost, chunk_cost], dtype=np.int64)
    np.savez(cache, keys=keys, settings=settings, model=model, owner=np.array(owner), vectors=vectors, tokens=tokens)
    return Windows(np.array(owner), vectors, window_cost, chunk_cost)


def best_window_cosines(windows: Windows, rows: Sequence[int], vector: np.ndarray) -> dict[int, float]:
    """The highest cosine between the query and any window of each chunk row."""
    wanted = np.isin(windows.owner, rows)
    cosines = windows.vectors[wanted] @ vector
    best: dict[int, float] = {}
    for row, cosine in zip(windows.owner[wanted].tolist(), cosines.tolist(), strict=True):
        best[row] = max(cosine, best.get(row, -1.0))
    return best


def window_order(
    windows: Windows, chunk_vectors: np.ndarray, how: str, fused_order: Callable[[Question], Order]
) -> Callable[[Question], Order]:
    """`fused_order` with its best RESCORE_POOL rows reordered by their best window (`how`: see the docstring)."""

    def order(q: Question) -> Order:
        fused = fused_order(q)
        pool, rest = [r for r, _ in fused[:RESCORE_POOL]], fused[RESCORE_POOL:]
        best = best_window_cosines(windows, pool, q.vector)
        if how == "max window":
            head = sorted(((r, best[r]) for r in pool), key=lambda pair: -pair[1])
        elif how == "RRF(fused, window)":
            by_window = sorted(pool, key=lambda r: -best[r])
            head = reciprocal_rank_fusion([pool, by_window], k=RRF_K)
        else:
            cosine = chunk_vectors[pool] @ q.vector
            head = sorted(
                ((r, (c + best[r]) / 2) for r, c in zip(pool, cosine.tolist(), strict=True)), key=lambda p: -p[1]
            )
        return head + rest

    return order


def ranks(search_fn, questions: list[dict]) -> list[int | None]:
    """First-hit rank of every answerable question (for counting questions a variant moves up or down)."""
    return [
        first_hit_rank(search_fn(q["question"], q.get("history") or []), q["evidence"])
        for q in questions
        if q.get("evidence")
    ]


def _moved(base: list[int | None], other: list[int | None]) -> str:
    worse_value = K + 1
    pairs = [(o or worse_value, b or worse_value) for o, b in zip(other, base, strict=True)]
    return f"{sum(o < b for o, b in pairs)} up / {sum(o > b for o, b in pairs)} down"


def compare(
    collection: Collection, sets: dict[str, list[dict]], variants: dict[str, Callable[[Question], Order]]
) -> dict[str, dict[str, EvalReport]]:
    """Baseline (the product's search) plus every variant on every set; prints one Markdown table."""
    results: dict[str, dict[str, EvalReport]] = {}
    moved: dict[str, dict[str, str]] = {}
    base_ranks: dict[str, list[int | None]] = {}
    for name, questions in sets.items():
        prepared = prepare(collection, questions)

        def product(question: str, history: list[dict]) -> SearchResult:
            query = concat_query(question, history) if history else question
            return search(collection, question, query, K, RetrievalOptions())

        results.setdefault(BASELINE, {})[name] = evaluate(product, questions, K)
        base_ranks[name] = ranks(product, questions)
        for variant, order in variants.items():
            run = as_search(collection, prepared, order)
            results.setdefault(variant, {})[name] = evaluate(run, questions, K)
            moved.setdefault(variant, {})[name] = _moved(base_ranks[name], ranks(run, questions))
    header = " | ".join(f"{n} hit@{K} | {n} MRR@{K} | {n} vs baseline" for n in sets)
    print(f"| variant | {header} |")
    print("|---|" + "---:|---:|---:|" * len(sets))
    for variant, by_set in results.items():
        cells = " | ".join(
            f"{by_set[n].overall.hit_rate:.2f} | {by_set[n].overall.mrr:.3f} | {moved.get(variant, {}).get(n, '')}"
            for n in sets
        )
        print(f"| {variant} | {cells} |")
    return results


def cross_check(results: dict[str, dict[str, EvalReport]], candidates: list[str]) -> None:
    """For each set: the candidate with the best MRR@5 among those keeping the baseline's hit@5 there, and how it
    does on the other sets (ties: the first in `candidates`)."""
    baseline = results[BASELINE]
    for chosen_on in baseline:
        floor = baseline[chosen_on].overall.hit_rate
        keeping = [c for c in candidates if results[c][chosen_on].overall.hit_rate >= floor]
        if not keeping:
            print(f"\nchosen on {chosen_on}: no variant keeps its baseline hit@{K}")
            continue
        best = max(keeping, key=lambda c: (results[c][chosen_on].overall.mrr, -candidates.index(c)))
        others = ", ".join(
            f"{n}: hit@{K} {r.overall.hit_rate:.2f} / MRR@{K} {r.overall.mrr:.3f} "
            f"(baseline {baseline[n].overall.hit_rate:.2f} / {baseline[n].overall.mrr:.3f})"
            for n, r in results[best].items()
        )
        print(f"\nchosen on {chosen_on}: {best} -> {others}")
        for n, r in results[best].items():
            kinds = sorted(r.by_kind)
            cells = ", ".join(f"{k} {baseline[n].by_kind[k].mrr:.2f}->{r.by_kind[k].mrr:.2f}" for k in kinds)
            print(f"  {n} MRR@{K} by kind (baseline->chosen): {cells}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--collection", default="default")
    parser.add_argument("--cache", type=Path, help="window vectors (.npz), for `windows`")
    parser.add_argument("--window-tokens", type=int, default=96)
    parser.add_argument("--window-overlap", type=int, default=32)
    parser.add_argument("experiment", choices=["convex", "windows"])
    parser.add_argument("questions", type=Path, nargs="+")
    args = parser.parse_args()
    collection = open_cached(args.data_dir, args.collection)
    sets = {path.stem: load_questions(path) for path in args.questions}
    if args.experiment == "convex":
        variants = {
            f"convex {norm}, alpha {alpha}": convex_order(alpha, norm)
            for norm in ("minmax", "bm25-zero")
            for alpha in ALPHAS
        }
        variants = {"RRF": rrf_order, **variants}
        results = compare(collection, sets, variants)
        cross_check(results, [v for v in variants if v.startswith("convex")])
        return 0
    if args.cache is None:
        parser.error("`windows` needs --cache")
    windows = build_windows(collection, args.cache, args.window_tokens, args.window_overlap)
    print(
        f"\nwindows {args.window_tokens}/{args.window_overlap}: {len(windows.owner)} windows, "
        f"{windows.window_tokens} tokens embedded = {windows.window_tokens / windows.chunk_tokens:.2f}x the chunks'\n"
    )
    hows = ["max window", "RRF(fused, window)", "mean(chunk, window)"]
    bases = {"RRF": rrf_order, f"convex minmax {CONVEX_ALPHA}": convex_order(CONVEX_ALPHA, "minmax")}
    chunk_vectors = collection.snapshot().vectors
    rescored = {
        f"{base} -> {how}": window_order(windows, chunk_vectors, how, fused)
        for base, fused in bases.items()
        for how in hows
    }
    results = compare(collection, sets, {f"{base} (no windows)": fused for base, fused in bases.items()} | rescored)
    cross_check(results, list(rescored))
    return 0


if __name__ == "__main__":
    sys.exit(main())
