"""A collection's in-memory FAISS index: exact search while it is small, approximate (HNSW) past a size threshold."""

from __future__ import annotations

import faiss
import numpy as np

# Neighbours per node: the common default for 384-dimensional text embeddings.
HNSW_NEIGHBOURS = 32
# Search breadth: recall@10 >= 0.95 against exact search even on unstructured random vectors
# (tests/test_vector_index.py); real embeddings, which cluster by topic, reach ~1.0.
HNSW_EF_SEARCH = 128
HNSW_EF_CONSTRUCTION = 40


def build_index(vectors: np.ndarray, dimension: int, hnsw_threshold: int) -> faiss.Index:
    """An inner-product index holding `vectors` (normalised, so scores are cosines).

    Args:
        vectors: float32 array of shape (n, dimension); may be empty.
        dimension: the embedding model's dimension.
        hnsw_threshold: from this many vectors on, an approximate HNSW index is built instead of an exact flat one;
            0 never (CONVERSA_HNSW_THRESHOLD, `Settings.hnsw_threshold`).

    Returns:
        `faiss.IndexFlatIP` below the threshold, `faiss.IndexHNSWFlat` (inner product) at or above it.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dimension)
    if len(vectors) >= hnsw_threshold > 0:
        index = faiss.IndexHNSWFlat(dimension, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(vectors)
    return index


def is_approximate(index: faiss.Index) -> bool:
    """Whether searches of `index` may miss a true nearest neighbour."""
    return not isinstance(index, faiss.IndexFlat)


def search_one(index: faiss.Index, vector: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """`index.search` for one question, on one OpenMP thread.

    On a busy 2-core machine, two threads spent most of a 10k-chunk search waiting for each other at OpenMP
    barriers: 88-91 ms p50 against 0.5 ms on one thread (load 16; docs/performance.md). A single query has too
    little work to split. OpenMP's thread count is per calling thread, so this one's is set and then restored.
    """
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return index.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), n)
    finally:
        faiss.omp_set_num_threads(threads)
