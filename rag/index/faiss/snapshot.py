"""What a FAISS collection searches: one immutable snapshot of a generation (vectors, chunks, FAISS and BM25
indexes), built from memory or read from disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from rag.documents.chunking import Chunk
from rag.index.bm25 import LexicalIndex, LexicalIndexError, indexed_text, lexical_file
from rag.index.faiss.files import Manifest, read_latest_generation
from rag.index.faiss.vectors import build_index, search_one


@dataclass(frozen=True)
class Snapshot:
    """An immutable snapshot: searches read one while a writer prepares the next."""

    manifest: Manifest
    vectors: np.ndarray
    chunks: list[Chunk]
    index: faiss.Index
    lexical: LexicalIndex


def build_snapshot(
    manifest: Manifest,
    vectors: np.ndarray,
    chunks: list[Chunk],
    hnsw_threshold: int,
    lexical: LexicalIndex | None = None,
) -> Snapshot:
    index = build_index(vectors, manifest.dimension, hnsw_threshold)
    lexical = lexical if lexical is not None else LexicalIndex.build([indexed_text(c) for c in chunks])
    return Snapshot(manifest, vectors, chunks, index, lexical)


def read_snapshot(folder: Path, manifest: Manifest, hnsw_threshold: int) -> Snapshot:
    """The manifest's generation; its BM25 index is rebuilt from the chunks if its file is missing or stale."""
    manifest, vectors, chunks = read_latest_generation(folder, manifest)
    try:
        lexical = LexicalIndex.load(lexical_file(folder, manifest.generation), len(chunks))
    except LexicalIndexError:
        lexical = None  # a collection written before BM25 existed, or by another tokeniser: rebuilt in memory
    return build_snapshot(manifest, vectors, chunks, hnsw_threshold, lexical)


def dense_top(state: Snapshot, vector: list[float], n: int) -> list[tuple[int, float]]:
    """The state's top-`n` (row, cosine) for a query vector."""
    if n <= 0:
        return []
    scores, rows = search_one(state.index, np.asarray(vector, dtype=np.float32).reshape(1, -1), n)
    return [(int(r), float(s)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]
