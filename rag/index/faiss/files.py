"""On-disk format of a FAISS collection: a manifest, a FAISS file and a JSON chunk store, written atomically."""

from __future__ import annotations

import fcntl
import json
import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

from i18n import message
from rag.documents.chunking import Chunk
from rag.index.atomic import fsync_dir, write_atomic
from rag.index.types import (
    CollectionError,
    CollectionInfo,
    DocumentInfo,
    chunk_from_record,
    chunk_record,
    is_count,
    short,
)

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# Far above any embedding model's width; a manifest declaring more is damaged or crafted.
_MAX_DIMENSION = 8192
# Far above any collection's size (FAISS counts in int64, the file header packs them): a manifest listing more
# pages, chunks or generations is damaged or crafted.
_MAX_COUNT = 2**40
# Commits take milliseconds: a reader overtaken this many times in a row is facing a real fault, not a race.
_READ_ATTEMPTS = 5
_PICKLE_SUFFIXES = (".pkl", ".pickle")


@dataclass
class Manifest(CollectionInfo):
    """Everything needed to reopen a FAISS collection: how it was built, what it holds, and the file format."""

    format_version: int = FORMAT_VERSION
    collection_id: str = ""
    """Set by the first commit and kept by every later one: a collection deleted and made again under the same
    name has another id, so a writer that loaded the old one cannot mistake it for its own. Empty in manifests
    written before ids existed, until their next commit."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str, where: Path) -> Manifest:
        try:
            raw = json.loads(text)
            docs = [DocumentInfo(**d) for d in raw.pop("documents")]
            manifest = cls(documents=docs, **raw)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise CollectionError(
                message("collection.invalid_manifest", path=str(where), detail=short(exc), rebuild=_REBUILD)
            ) from exc
        problem = manifest_problem(manifest)
        if problem:
            raise CollectionError(
                message("collection.manifest_problem", path=str(where), problem=problem, rebuild=_REBUILD)
            )
        return manifest


def manifest_problem(m: Manifest) -> str | None:
    """What is wrong with the values of a parsed manifest, or None."""
    if not (is_count(m.format_version) and m.format_version == FORMAT_VERSION):
        return message("manifest.format_version", version=m.format_version)
    if not (is_count(m.dimension, 1) and m.dimension <= _MAX_DIMENSION):
        return message("manifest.dimension")
    if not is_count(m.generation):
        return message("manifest.generation")
    if not isinstance(m.collection_id, str):
        return message("manifest.collection_id")
    if not (isinstance(m.embedding_model, str) and is_count(m.chunk_tokens, 1) and is_count(m.chunk_overlap)):
        return message("manifest.model_or_chunks")
    if m.generation > _MAX_COUNT:
        return message("manifest.generation")
    for d in m.documents:
        strings = all(isinstance(v, str) for v in (d.name, d.sha256, d.added_at, d.format))
        if not (strings and is_count(d.pages) and is_count(d.chunks) and max(d.pages, d.chunks) <= _MAX_COUNT):
            return message("manifest.document", name=short(d.name))
    if sum(d.chunks for d in m.documents) > _MAX_COUNT:
        return message("manifest.document", name=short(m.documents[-1].name))
    return None


_REBUILD = message("collection.rebuild")


def _files(generation: int) -> tuple[str, str]:
    return f"vectors-{generation}.faiss", f"chunks-{generation}.json"


def read_manifest(folder: Path) -> Manifest | None:
    path = folder / MANIFEST
    # Checked even without a manifest: a LangChain FAISS folder (index.faiss + index.pkl) is not a new collection.
    pickles = [p.name for p in folder.iterdir() if p.suffix in _PICKLE_SUFFIXES] if folder.is_dir() else []
    if pickles:
        raise CollectionError(
            message("collection.pickles", folder=str(folder), files=", ".join(pickles), rebuild=_REBUILD)
        )
    if not path.exists():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise CollectionError(
            message("collection.file_unreadable", path=str(path), detail=short(exc), rebuild=_REBUILD)
        ) from exc
    return Manifest.from_json(text, path)


def read_generation(folder: Path, manifest: Manifest) -> tuple[np.ndarray, list[Chunk]]:
    """Vectors and chunks of the manifest's generation, checked against each other and the manifest."""
    vectors_name, chunks_name = _files(manifest.generation)
    expected = sum(d.chunks for d in manifest.documents)
    if manifest.generation == 0 and expected == 0:
        return np.zeros((0, manifest.dimension), dtype=np.float32), []
    try:
        _check_vectors_file(folder / vectors_name, manifest.dimension, expected)
        index = faiss.read_index(str(folder / vectors_name))
        raw_chunks = json.loads((folder / chunks_name).read_text(encoding="utf-8"))
        if not isinstance(raw_chunks, list):
            raise ValueError(f"{chunks_name} does not hold a list of chunks")
        chunks = [chunk_from_record(c) for c in raw_chunks]
    except (OSError, RuntimeError, ValueError, TypeError, KeyError, MemoryError) as exc:
        raise CollectionError(
            message("collection.unreadable", folder=str(folder), detail=short(exc), rebuild=_REBUILD)
        ) from exc
    if index.d != manifest.dimension or index.metric_type != faiss.METRIC_INNER_PRODUCT:
        raise CollectionError(message("collection.vectors_mismatch", folder=str(folder), rebuild=_REBUILD))
    if not (index.ntotal == len(chunks) == expected):
        counts = {"vectors": index.ntotal, "chunks": len(chunks), "expected": expected}
        raise CollectionError(message("collection.inconsistent", folder=str(folder), rebuild=_REBUILD, **counts))
    vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), np.float32)
    return np.ascontiguousarray(vectors, dtype=np.float32), chunks


def read_latest_generation(folder: Path, manifest: Manifest) -> tuple[Manifest, np.ndarray, list[Chunk]]:
    """Like `read_generation`, but if a writer commits a newer generation (and deletes this one's files) while
    they are being read, read the newer one instead: an open racing a commit must not fail, nor say "rebuild"."""
    for _ in range(_READ_ATTEMPTS - 1):
        try:
            return manifest, *read_generation(folder, manifest)
        except CollectionError:
            latest = read_manifest(folder)
            if latest is None or latest.generation == manifest.generation:
                raise
            manifest = latest
    return manifest, *read_generation(folder, manifest)


def _flat_index_header(dimension: int, count: int) -> bytes:
    """The bytes FAISS writes before the vectors of a flat inner-product index of `count` vectors."""
    empty = bytes(faiss.serialize_index(faiss.IndexFlatIP(dimension)))
    # After the type tag and the int32 dimension comes the int64 vector count; the header ends with the
    # uint64 number of floats that follow.
    return empty[:8] + struct.pack("<q", count) + empty[16:-8] + struct.pack("<Q", count * dimension)


def _check_vectors_file(path: Path, dimension: int, count: int) -> None:
    """Refuse a vectors file that is not exactly the index the manifest describes, before FAISS reads it.

    FAISS allocates whatever a file's header declares: a 77-byte file can make it reserve gigabytes.
    """
    header = _flat_index_header(dimension, count)
    with open(path, "rb") as handle:
        head = handle.read(len(header))
        size = os.fstat(handle.fileno()).st_size
    if head != header or size != len(header) + 4 * count * dimension:
        raise ValueError(f"{path.name} does not hold the {count} vectors of dimension {dimension} the manifest lists")


def write_generation(folder: Path, manifest: Manifest, vectors: np.ndarray, chunks: list[Chunk]) -> None:
    """Write the data files of `manifest.generation`, then the manifest that points at them.

    Until the manifest's rename, readers and a crashed writer's successor see the previous generation.
    """
    vectors_name, chunks_name = _files(manifest.generation)
    index = faiss.IndexFlatIP(manifest.dimension)
    if len(vectors):
        index.add(vectors)
    write_atomic(folder / vectors_name, lambda tmp: faiss.write_index(index, tmp))
    records = [chunk_record(c) for c in chunks]
    payload = json.dumps(records, ensure_ascii=False)
    write_atomic(folder / chunks_name, lambda tmp: Path(tmp).write_text(payload, encoding="utf-8"))
    write_atomic(folder / MANIFEST, lambda tmp: Path(tmp).write_text(manifest.to_json(), encoding="utf-8"))
    fsync_dir(folder)
    remove_stale_files(folder, manifest.generation)


def remove_stale_files(folder: Path, generation: int) -> None:
    """Drop data files of older generations and temporary files a crashed writer left behind."""
    keep = set(_files(generation))
    for path in folder.iterdir():
        stale_data = path.name.startswith(("vectors-", "chunks-")) and path.name not in keep
        if stale_data or path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)


@contextmanager
def folder_lock(folder: Path, create: bool = True) -> Iterator[None]:
    """An exclusive lock between processes writing the same collection (the CLI and the app, say), or deleting it.

    Deleting renames the folder away, lock file and all, while holding the lock: whoever was waiting on that file
    gets a lock on a file that is no longer the folder's, notices, and locks the folder's current `.lock` instead.

    Raises:
        FileNotFoundError: `create` is False and the folder does not exist (any more).
    """
    path = folder / ".lock"
    while True:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        try:
            handle = open(path, "a+")
        except FileNotFoundError:
            if not create:
                raise
            continue  # renamed away between the mkdir and the open
        with handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                if _is_current(handle.fileno(), path):
                    yield
                    return
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _is_current(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False
