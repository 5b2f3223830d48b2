"""The collection's FAISS index: exact below the size threshold, HNSW from it on, and HNSW finds what exact finds."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from config.settings import load_settings
from rag.index.faiss import snapshot as faiss_snapshot
from rag.index.faiss.vectors import build_index, is_approximate
from rag.index.store import open_collection
from tests.fakes import hash_embedding_model

DIMENSION = 384


def normalised(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return normalised(np.random.default_rng(0).standard_normal((2000, DIMENSION)))


def test_small_collection_gets_exact_search(vectors: np.ndarray) -> None:
    index = build_index(vectors[:999], DIMENSION, hnsw_threshold=1000)
    assert isinstance(index, faiss.IndexFlatIP)
    assert not is_approximate(index)
    assert index.ntotal == 999


def test_collection_past_threshold_gets_hnsw_with_inner_product(vectors: np.ndarray) -> None:
    index = build_index(vectors[:1000], DIMENSION, hnsw_threshold=1000)
    assert isinstance(index, faiss.IndexHNSWFlat)
    assert is_approximate(index)
    assert index.metric_type == faiss.METRIC_INNER_PRODUCT
    assert index.ntotal == 1000


def test_threshold_zero_never_builds_hnsw(vectors: np.ndarray) -> None:
    assert not is_approximate(build_index(vectors, DIMENSION, hnsw_threshold=0))


def test_threshold_setting_reaches_the_collection_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVERSA_HNSW_THRESHOLD", "500")
    built: list[faiss.Index] = []

    def recorded(vectors: np.ndarray, dimension: int, hnsw_threshold: int) -> faiss.Index:
        built.append(build_index(np.zeros((600, dimension), np.float32), dimension, hnsw_threshold))
        return build_index(vectors, dimension, hnsw_threshold)

    monkeypatch.setattr(faiss_snapshot, "build_index", recorded)
    open_collection(load_settings(), "kb", hash_embedding_model())

    assert len(built) == 1 and is_approximate(built[0])  # 600 vectors: approximate at 500, exact at the default


def test_empty_collection_builds_an_empty_index() -> None:
    index = build_index(np.zeros((0, DIMENSION), np.float32), DIMENSION, hnsw_threshold=1)
    assert index.ntotal == 0
    assert index.d == DIMENSION


def test_hnsw_recall_at_10_against_exact_search(vectors: np.ndarray) -> None:
    # Questions near some stored passages, as real questions are; unstructured random vectors are HNSW's hard case.
    rng = np.random.default_rng(1)
    queries = normalised(vectors[rng.choice(len(vectors), 200)] + 0.5 * rng.standard_normal((200, DIMENSION)) / 20)
    exact = build_index(vectors, DIMENSION, hnsw_threshold=0)
    approximate = build_index(vectors, DIMENSION, hnsw_threshold=1)
    _, truth = exact.search(queries, 10)
    scores, found = approximate.search(queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)])
    assert recall >= 0.95
    # Scores are cosines (inner products of normalised vectors), as with the exact index.
    assert np.all(scores <= 1.0001)
    assert np.allclose(scores[:, 0], np.sum(vectors[found[:, 0]] * queries, axis=1), atol=1e-4)
