"""What every store speaks: collection and document records, search rankings, and the error a store raises."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeGuard, get_args

from i18n import message
from rag.documents.chunking import Chunk
from rag.documents.document import OcrLine, Section, SectionUnit

Progress = Callable[[int, int], None]
"""Called with (done so far, in all): passages embedded, or scanned pages recognised by OCR."""

# \Z, not $: `$` also matches before a final newline, and "name\n" must not become a folder name.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")


class CollectionError(Exception):
    """A collection that cannot be opened or used as asked; the message says how to fix it."""


@dataclass
class DocumentInfo:
    """What a collection knows of one document."""

    name: str
    sha256: str
    pages: int
    """Pages of a PDF; sections of the other formats."""
    chunks: int
    added_at: str
    format: str = "pdf"
    """The reader's format (rag/documents/formats.py); records written before other formats existed are PDFs."""


@dataclass
class CollectionInfo:
    """How a collection was built (embedding model, chunking) and what it holds, whichever store keeps it."""

    embedding_model: str
    dimension: int
    chunk_tokens: int
    chunk_overlap: int
    generation: int = 0
    """Counts committed changes; a reader that sees a new generation knows the collection changed."""
    documents: list[DocumentInfo] = field(default_factory=list)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk and its score (the cosine similarity in dense search)."""

    chunk: Chunk
    score: float


@dataclass(frozen=True)
class AddResult:
    """What adding one document did: `added`, `replaced` (a changed file of the same name) or `unchanged`."""

    status: str
    document: DocumentInfo
    embedded: int
    """Passages actually sent to the embedding model (reused and duplicate ones are not)."""


@dataclass(frozen=True)
class QueryRanking:
    """What one query found in one snapshot of a collection: chunk rows with their scores, best first."""

    query: str
    weight: float
    dense: list[tuple[int, float]]
    """(row, cosine similarity)."""
    lexical: list[tuple[int, float]] = field(default_factory=list)
    """(row, BM25 score); empty in dense-only retrieval."""
    known_fraction: float = 1.0
    """Share of the query's words that occur anywhere in the collection."""


@dataclass(frozen=True)
class Rankings:
    """The rankings of all queries of one search, and the chunks their rows point into."""

    chunks: list[Chunk]
    queries: list[QueryRanking]
    idf: Callable[[str], float] | None = None
    """A BM25 token's IDF over the whole collection, where the store can tell it cheaply (the FAISS store)."""
    search_vector: Callable[[list[float], int], list[tuple[int, float]]] | None = None
    """Dense top-n (row, cosine) of a query vector in the same state of the collection, rows into `chunks` (which may
    grow to hold them); for a second search with a vector of the caller's (rag/search/crosslingual.py)."""


def check_model(name: str, built_with: str, dimension: int, embedding_model: str, embedding_dimension: int) -> None:
    """Refuse to search a collection with another embedding model than the one it was built with: its vectors
    would be compared with vectors from another space, and the results would be silently wrong."""
    if (embedding_model, embedding_dimension) != (built_with, dimension):
        raise CollectionError(
            message("collection.wrong_model", name=name, built_with=built_with, model=embedding_model)
        )


def check_name(name: str) -> str:
    """Collection names become folder names: refuse anything that could point outside the data dir."""
    if not isinstance(name, str) or not _NAME.match(name) or name in (".", ".."):
        raise CollectionError(message("collection.invalid_name", name=printable(str(name))))
    return name


def is_count(value: object, minimum: int = 0) -> TypeGuard[int]:
    # JSON gives no type guarantees, and bool is an int to Python.
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "..."


def printable(text: str) -> str:
    """A name as it may be printed: control characters (ANSI escapes, newlines) and undecodable bytes escaped."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def chunk_record(chunk: Chunk) -> dict[str, object]:
    """A chunk's stored form: {"doc", "page", "label", "text"}, "section" for a file without pages, and "ocr": true
    with the recognised "lines" (each [text, left, top, right, bottom]) for OCR text only, so collections written
    before read the same."""
    record: dict[str, object] = {"doc": chunk.doc, "page": chunk.page, "label": chunk.page_label, "text": chunk.text}
    if chunk.section is not None:
        s = chunk.section
        record["section"] = {"heading": s.heading, "first": s.first, "last": s.last, "unit": s.unit}
    if chunk.ocr:
        record["ocr"] = True
        record["lines"] = [[line.text, *line.box] for line in chunk.lines]
    return record


def chunk_from_record(record: object) -> Chunk:
    """A chunk from its stored form (`chunk_record`), checked: stored data is not trusted."""
    if not isinstance(record, dict):
        raise ValueError("a chunk record is not an object")
    doc, page, text, label = record.get("doc"), record.get("page"), record.get("text"), record.get("label")
    if not (isinstance(doc, str) and isinstance(text, str) and is_count(page, 1)):
        raise ValueError("a chunk record has invalid values")
    if label is not None and not isinstance(label, str):
        raise ValueError("a chunk record has an invalid page label")
    ocr = record.get("ocr", False)
    if not isinstance(ocr, bool):
        raise ValueError("a chunk record has an invalid OCR flag")
    lines = tuple(_ocr_line(item) for item in record.get("lines", ())) if ocr else ()
    section = _section(record.get("section"))
    return Chunk(doc=doc, page=page, text=text, page_label=label, section=section, ocr=ocr, lines=lines)


def _ocr_line(item: object) -> OcrLine:
    if not (isinstance(item, list) and len(item) == 5 and isinstance(item[0], str)):
        raise ValueError("a chunk record has an invalid OCR line")
    box = item[1:]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1 for v in box):
        raise ValueError("a chunk record has an invalid OCR line box")
    return OcrLine(item[0], (float(box[0]), float(box[1]), float(box[2]), float(box[3])))


def _section(value: object) -> Section | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("a chunk record has an invalid section")
    heading, first, last, unit = (value.get(k) for k in ("heading", "first", "last", "unit"))
    if heading is not None and not isinstance(heading, str):
        raise ValueError("a chunk record has an invalid section heading")
    if not (is_count(first, 1) and is_count(last, 1) and unit in get_args(SectionUnit)):
        raise ValueError("a chunk record has an invalid section range")
    return Section(heading, first, last, unit)
