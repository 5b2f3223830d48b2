"""Adding a document, the part both stores share: its record, and its passages' vectors, reusing known ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np

from rag.documents.chunking import Chunk
from rag.documents.document import LoadedDocument
from rag.index.embeddings import EmbeddingModel
from rag.index.types import DocumentInfo, Progress

_EMBED_BATCH = 64


def document_info(document: LoadedDocument, chunks: int) -> DocumentInfo:
    """What a collection records of a document it indexes now."""
    added_at = datetime.now(UTC).isoformat(timespec="seconds")
    return DocumentInfo(document.name, document.sha256, document.page_count, chunks, added_at, document.format)


def embed_chunks(
    embedding: EmbeddingModel,
    chunks: list[Chunk],
    known: Callable[[str], np.ndarray | None],
    progress: Progress | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for `chunks`, and how many passages were embedded: a passage `known(chunk.key)` already has a vector
    for, or one repeated in `chunks`, is not embedded again."""
    vectors = np.zeros((len(chunks), embedding.dimension), dtype=np.float32)
    todo: dict[str, list[int]] = {}
    for i, chunk in enumerate(chunks):
        vector = known(chunk.key)
        if vector is not None:
            vectors[i] = vector
        else:
            todo.setdefault(chunk.key, []).append(i)
    # Passages of similar length in one batch: less padding (sentence-transformers sorts only within a call).
    pending = sorted(todo.values(), key=lambda rows: len(chunks[rows[0]].text))
    done = 0
    if progress:
        progress(0, len(pending))
    for start in range(0, len(pending), _EMBED_BATCH):
        batch = pending[start : start + _EMBED_BATCH]
        embedded = np.asarray(embedding.embed_passages([chunks[rows[0]].text for rows in batch]), np.float32)
        for rows, vector in zip(batch, embedded, strict=True):
            vectors[rows] = vector
        done += len(batch)
        if progress:
            progress(done, len(pending))
    return vectors, len(pending)
