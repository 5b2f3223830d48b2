"""On-disk format of a collection: a manifest, a FAISS file and a JSON chunk store, written atomically."""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import faiss
import numpy as np

from rag.chunking import Chunk

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_PICKLE_SUFFIXES = (".pkl", ".pickle")


class CollectionError(Exception):
    """A collection that cannot be opened or used as asked; the message says how to fix it."""


@dataclass
class DocumentInfo:
    """What a collection knows of one document."""

    name: str
    sha256: str
    pages: int
    chunks: int
    added_at: str


@dataclass
class Manifest:
    """Everything needed to reopen a collection and to know how it was built."""

    embedding_model: str
    dimension: int
    chunk_tokens: int
    chunk_overlap: int
    format_version: int = FORMAT_VERSION
    generation: int = 0
    documents: list[DocumentInfo] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str, where: Path) -> Manifest:
        try:
            raw = json.loads(text)
            docs = [DocumentInfo(**d) for d in raw.pop("documents")]
            manifest = cls(documents=docs, **raw)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise CollectionError(f"{where} is not a valid Conversa manifest ({exc}); {_REBUILD}") from exc
        if manifest.format_version != FORMAT_VERSION:
            raise CollectionError(f"{where} has format version {manifest.format_version!r}; {_REBUILD}")
        if not (isinstance(manifest.dimension, int) and 0 < manifest.dimension <= 8192):
            raise CollectionError(f"{where} declares an impossible vector dimension; {_REBUILD}")
        if not isinstance(manifest.generation, int) or manifest.generation < 0:
            raise CollectionError(f"{where} declares an invalid generation; {_REBUILD}")
        return manifest


_REBUILD = "delete the collection folder and ingest the documents again to rebuild it."


def check_name(name: str) -> str:
    """Collection names become folder names: refuse anything that could point outside the data dir."""
    if not _NAME.match(name) or name in (".", ".."):
        raise CollectionError(
            f"Invalid collection name {name!r}: use letters, digits, '-', '_' or '.', at most 64 characters."
        )
    return name


def _files(generation: int) -> tuple[str, str]:
    return f"vectors-{generation}.faiss", f"chunks-{generation}.json"


def read_manifest(folder: Path) -> Manifest | None:
    path = folder / MANIFEST
    if not path.exists():
        return None
    pickles = [p.name for p in folder.iterdir() if p.suffix in _PICKLE_SUFFIXES]
    if pickles:
        raise CollectionError(
            f"{folder} holds pickle files ({', '.join(pickles)}); Conversa never loads pickles because they "
            f"can run code. Remove them, or {_REBUILD}"
        )
    return Manifest.from_json(path.read_text(encoding="utf-8"), path)


def read_generation(folder: Path, manifest: Manifest) -> tuple[np.ndarray, list[Chunk]]:
    """Vectors and chunks of the manifest's generation, checked against each other and the manifest."""
    vectors_name, chunks_name = _files(manifest.generation)
    expected = sum(d.chunks for d in manifest.documents)
    if manifest.generation == 0 and expected == 0:
        return np.zeros((0, manifest.dimension), dtype=np.float32), []
    try:
        index = faiss.read_index(str(folder / vectors_name))
        raw_chunks = json.loads((folder / chunks_name).read_text(encoding="utf-8"))
        chunks = [
            Chunk(doc=c["doc"], page=int(c["page"]), text=c["text"], page_label=c.get("label")) for c in raw_chunks
        ]
    except (OSError, RuntimeError, ValueError, TypeError, KeyError) as exc:
        raise CollectionError(f"The collection in {folder} cannot be read ({exc}); {_REBUILD}") from exc
    if index.d != manifest.dimension or index.metric_type != faiss.METRIC_INNER_PRODUCT:
        raise CollectionError(f"The vectors in {folder} do not match its manifest; {_REBUILD}")
    if not (index.ntotal == len(chunks) == expected):
        raise CollectionError(
            f"The collection in {folder} is inconsistent ({index.ntotal} vectors, {len(chunks)} chunks, "
            f"{expected} in the manifest); {_REBUILD}"
        )
    vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), np.float32)
    return np.ascontiguousarray(vectors, dtype=np.float32), chunks


def write_atomic(path: Path, write) -> None:
    """Write through a temporary file in the same folder, flush it to disk, then rename over `path`."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_generation(folder: Path, manifest: Manifest, vectors: np.ndarray, chunks: list[Chunk]) -> None:
    """Write the data files of `manifest.generation`, then the manifest that points at them.

    Until the manifest's rename, readers and a crashed writer's successor see the previous generation.
    """
    vectors_name, chunks_name = _files(manifest.generation)
    index = faiss.IndexFlatIP(manifest.dimension)
    if len(vectors):
        index.add(vectors)
    write_atomic(folder / vectors_name, lambda tmp: faiss.write_index(index, tmp))
    records = [{"doc": c.doc, "page": c.page, "label": c.page_label, "text": c.text} for c in chunks]
    payload = json.dumps(records, ensure_ascii=False)
    write_atomic(folder / chunks_name, lambda tmp: Path(tmp).write_text(payload, encoding="utf-8"))
    write_atomic(folder / MANIFEST, lambda tmp: Path(tmp).write_text(manifest.to_json(), encoding="utf-8"))
    _fsync_dir(folder)
    remove_stale_files(folder, manifest.generation)


def remove_stale_files(folder: Path, generation: int) -> None:
    """Drop data files of older generations and temporary files a crashed writer left behind."""
    keep = set(_files(generation))
    for path in folder.iterdir():
        stale_data = path.name.startswith(("vectors-", "chunks-")) and path.name not in keep
        if stale_data or path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock between processes writing the same collection (the CLI and the app, say)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
