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
