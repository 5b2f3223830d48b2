"""Writing a Qdrant collection: creating it, its chunks, and the compare-and-set document record that makes them
searchable (see `rag.index.qdrant.collection` for the layout)."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np

from rag.documents.chunking import Chunk
from rag.index.bm25 import indexed_text, term_weights
from rag.index.qdrant.connection import Connection
from rag.index.qdrant.records import CollectionConfig, chunk_id, record_id
from rag.index.types import DocumentInfo, chunk_record

DENSE, LEXICAL = "dense", "bm25"
_UPSERT_BATCH = 128


def create_collection(connection: Connection, qname: str, config: CollectionConfig) -> None:
    """Create the Qdrant collection with its two vectors; one created meanwhile by another writer is kept."""
    from qdrant_client import models
    from qdrant_client.http.exceptions import UnexpectedResponse

    client = connection.client
    try:
        client.create_collection(
            qname,
            vectors_config={DENSE: models.VectorParams(size=config.dimension, distance=models.Distance.DOT)},
            sparse_vectors_config={LEXICAL: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            metadata=config.to_metadata(),
        )
    except (ValueError, UnexpectedResponse):  # created meanwhile by another writer (local mode: ValueError)
        if not client.collection_exists(qname):
            raise
    if not connection.local:  # local mode has no payload indexes (and warns about each)
        for field, schema in (("kind", "keyword"), ("sha256", "keyword")):
            client.create_payload_index(qname, field, field_schema=schema)


def upsert_chunks(
    connection: Connection, qname: str, sha256: str, chunks: list[Chunk], vectors: np.ndarray, average_terms: float
) -> set[int]:
    """Write a document's chunks (not yet searchable: see `commit_record`); returns the term ids they contain."""
    from qdrant_client import models

    points = []
    terms: set[int] = set()
    for i, (chunk, vector) in enumerate(zip(chunks, vectors, strict=True)):
        weights = term_weights(indexed_text(chunk), average_terms)
        terms.update(weights)
        payload = {"kind": "chunk", "sha256": sha256, **chunk_record(chunk)}
        sparse = models.SparseVector(indices=list(weights), values=list(weights.values()))
        vector_by_name = {DENSE: vector.tolist(), LEXICAL: sparse}
        points.append(models.PointStruct(id=chunk_id(sha256, i), vector=vector_by_name, payload=payload))
    for start in range(0, len(points), _UPSERT_BATCH):
        connection.client.upsert(qname, points[start : start + _UPSERT_BATCH], wait=True)
    return terms


def commit_record(
    connection: Connection, qname: str, info: DocumentInfo, old: list[tuple[str, DocumentInfo]], terms: set[int]
) -> bool:
    """Make the new document's chunks searchable and the replaced ones' not, in one request, unless another
    writer changed the file's record since `old` was read; True when this writer's record is the one stored.

    The record is written compare-and-set: over the version `old` holds (Qdrant's `update_filter` on its hash),
    or only if there is none (`insert_only`). It also holds the document's vocabulary, which tells how many of
    a question's words the collection knows, and a token that says which writer stored it.
    """
    from qdrant_client import models

    point = record_id(info.name)
    token = uuid.uuid4().hex
    payload = {"kind": "document", **info.__dict__, "terms": sorted(terms), "writer": token}
    record = models.PointStruct(id=point, vector={}, payload=payload)
    current = [d for p, d in old if p == point]
    if current:
        same_version = models.FieldCondition(key="sha256", match=models.MatchValue(value=current[0].sha256))
        upsert = models.PointsList(
            points=[record],
            update_filter=models.Filter(must=[same_version]),
            update_mode=models.UpdateMode.UPDATE_ONLY,
        )
    else:
        upsert = models.PointsList(points=[record], update_mode=models.UpdateMode.INSERT_ONLY)
    operations: list[Any] = [models.UpsertOperation(upsert=upsert)]
    # Records kept under the file's hash by earlier versions: superseded whoever wins.
    legacy: list[int | str | uuid.UUID] = [p for p, _ in old if p != point]
    if legacy:
        operations.append(models.DeleteOperation(delete=models.PointIdsList(points=legacy)))
    client = connection.client
    client.batch_update_points(qname, operations, wait=True)
    # A conditional write that does not apply is not an error: read back whose record is stored.
    stored = client.retrieve(qname, ids=[point], with_payload=["writer"])
    return bool(stored) and (stored[0].payload or {}).get("writer") == token
