"""What Conversa keeps in Qdrant besides vectors: the collection's settings, document records, point ids, filters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from i18n import message
from rag.index.types import CollectionError, DocumentInfo, is_count

_FORMAT = 1
# Point ids derive from content, so re-adding a file after a crash overwrites its half-written chunks.
_IDS = uuid.UUID("5d0c3f0e-8d8a-4a52-9a0e-2f6c1b7d9e41")


@dataclass(frozen=True)
class CollectionConfig:
    """How the collection was built, kept in the Qdrant collection's metadata."""

    embedding_model: str
    dimension: int
    chunk_tokens: int
    chunk_overlap: int
    average_terms: float

    def to_metadata(self) -> dict[str, object]:
        return {"conversa_format": _FORMAT, **self.__dict__}

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any] | None, where: str) -> CollectionConfig:
        metadata = metadata or {}
        if metadata.get("conversa_format") != _FORMAT:
            raise CollectionError(message("qdrant.foreign_collection", where=where))
        model, dim = metadata.get("embedding_model"), metadata.get("dimension")
        size, overlap = metadata.get("chunk_tokens"), metadata.get("chunk_overlap")
        terms = metadata.get("average_terms")
        if not (isinstance(model, str) and is_count(dim, 1) and is_count(size, 1) and is_count(overlap)):
            raise CollectionError(message("qdrant.damaged_settings", where=where))
        if not (isinstance(terms, int | float) and terms > 0):
            raise CollectionError(message("qdrant.damaged_settings", where=where))
        return cls(model, dim, size, overlap, float(terms))


def document_record(payload: dict[str, Any] | None) -> DocumentInfo:
    """A document record from Qdrant, checked: a shared server's data is not trusted blindly."""
    p = payload or {}
    name, sha256, added_at, pages, chunks = (p.get(k) for k in ("name", "sha256", "added_at", "pages", "chunks"))
    format = p.get("format", "pdf")  # records written before other formats existed are PDFs
    if not (isinstance(name, str) and isinstance(sha256, str) and isinstance(added_at, str)):
        raise CollectionError(message("qdrant.damaged_record"))
    if not isinstance(format, str):
        raise CollectionError(message("qdrant.damaged_record"))
    if not (is_count(pages) and is_count(chunks)):
        raise CollectionError(message("qdrant.damaged_record"))
    return DocumentInfo(name, sha256, pages, chunks, added_at, format)


def chunk_id(sha256: str, index: int) -> str:
    return str(uuid.uuid5(_IDS, f"chunk:{sha256}:{index}"))


def record_id(name: str) -> str:
    """The point of a document's record: one per file name, so writers replacing the same file meet on one point.
    (Collections written before kept records under the file's hash; those are replaced at the file's next write.)"""
    return str(uuid.uuid5(_IDS, f"document-name:{name}"))


def kind_is(kind: str) -> Any:
    from qdrant_client import models

    return models.FieldCondition(key="kind", match=models.MatchValue(value=kind))


def chunks_of(shas: list[str]) -> Any:
    from qdrant_client import models

    return models.Filter(must=[kind_is("chunk"), models.FieldCondition(key="sha256", match=models.MatchAny(any=shas))])
