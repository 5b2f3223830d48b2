"""Ingestion of many files into a collection, one report per file, never stopped by a bad one."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from config.settings import DEFAULTS
from i18n import FALLBACK, counted, message
from rag.documents.document import MB, DocumentError, read_source, sha256_of
from rag.documents.formats import is_supported, parts_noun
from rag.documents.loading import load_document
from rag.index.store import KnowledgeBase
from rag.index.types import CollectionError, Progress, printable


@dataclass(frozen=True)
class FileReport:
    """The outcome for one file: `added`, `replaced`, `unchanged` or `rejected` (with its reason).

    `pages` counts a PDF's pages, or the sections of the other formats (`format`)."""

    name: str
    status: str
    pages: int = 0
    chunks: int = 0
    embedded: int = 0
    reason: str | None = None
    code: str | None = None
    warnings: tuple[str, ...] = ()
    ocr_pages: int = 0
    """Pages whose text was recognised by OCR (scans), when the file was read this time."""
    format: str = "pdf"

    @property
    def ok(self) -> bool:
        return self.status != "rejected"

    def describe(self) -> str:
        """One line for the user; control characters in a file name are shown escaped, never sent raw."""
        name = printable(self.name)
        if self.status == "rejected":
            return f"{name}: rejected: {self.reason}"
        parts = counted(self.pages, parts_noun(self.format), FALLBACK)
        text = f"{name}: {self.status}, {parts}, {self.chunks} chunks"
        if self.ocr_pages:
            text += f", {message('ingest.ocr_pages', pages=counted(self.ocr_pages, 'pages', FALLBACK))}"
        if self.status != "unchanged":
            text += f" ({self.embedded} embedded)"
        if self.warnings:
            text += "; " + "; ".join(self.warnings)
        return text


def _is_text(name: str) -> bool:
    """A name that can be stored: file names that are not UTF-8 reach Python as lone surrogates."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given, and the documents of every supported kind directly inside each folder (not its subfolders),
    sorted."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and is_supported(p)))
        else:
            files.append(path)
    return files


def ingest_file(
    collection: KnowledgeBase,
    source: Path | bytes,
    name: str | None = None,
    password: str | None = None,
    progress: Progress | None = None,
    max_upload_mb: float = DEFAULTS.max_upload_mb,
    ocr_progress: Progress | None = None,
    ocr_max_pages: int = DEFAULTS.ocr_max_pages,
) -> FileReport:
    """Load, chunk, embed and index one file; any failure becomes a rejected report with its reason.

    A file over `max_upload_mb` (CONVERSA_MAX_UPLOAD_MB) is rejected before it is read into memory. Scanned
    pages are recognised by OCR, at most `ocr_max_pages` (CONVERSA_OCR_MAX_PAGES) of them, reporting (pages
    recognised, pages to recognise) to `ocr_progress`; `progress` reports the passages embedded.
    """
    try:
        name, data = read_source(source, name, max_bytes=int(max_upload_mb * MB))
    except DocumentError as exc:
        return FileReport(exc.name, "rejected", reason=exc.reason, code=exc.code)
    except OSError as exc:
        return FileReport(
            str(name or source),
            "rejected",
            reason=message("ingest.unreadable", detail=str(exc.strerror)),
            code="unreadable",
        )
    if not _is_text(name):
        return FileReport(name, "rejected", reason=message("ingest.name_not_utf8"), code="bad_name")
    sha256 = sha256_of(data)
    existing = next((d for d in collection.documents() if d.sha256 == sha256), None)
    if existing is not None:
        return FileReport(name, "unchanged", existing.pages, existing.chunks, format=existing.format)
    try:
        document = load_document(data, name, password=password, ocr_max_pages=ocr_max_pages, ocr_progress=ocr_progress)
    except DocumentError as exc:
        return FileReport(name, "rejected", reason=exc.reason, code=exc.code)
    try:
        # Only a PDF's bytes are kept: they are what the app renders a cited page from.
        kept = data if document.format == "pdf" else None
        result = collection.add(document, progress, data=kept)
    except CollectionError as exc:  # e.g. the collection was deleted meanwhile: this file only, said why
        return FileReport(name, "rejected", reason=str(exc), code="not_added")
    info = result.document
    return FileReport(
        name,
        result.status,
        info.pages,
        info.chunks,
        result.embedded,
        warnings=tuple(document.warnings),
        format=document.format,
        ocr_pages=sum(page.ocr for page in document.pages),
    )


def ingest_paths(
    collection: KnowledgeBase,
    paths: Iterable[Path | str],
    password: str | None = None,
    on_file: Callable[[Path], Progress | None] | None = None,
    max_upload_mb: float = DEFAULTS.max_upload_mb,
    on_ocr: Callable[[Path], Progress | None] | None = None,
    ocr_max_pages: int = DEFAULTS.ocr_max_pages,
) -> list[FileReport]:
    """Ingest files and folders; `on_file(path)` may return a progress callback for that file's passages embedded,
    `on_ocr(path)` one for its scanned pages recognised by OCR.

    Files over `max_upload_mb` (CONVERSA_MAX_UPLOAD_MB) are rejected before they are read.
    """
    reports = []
    for path in expand_paths(paths):
        progress = on_file(path) if on_file else None
        ocr_progress = on_ocr(path) if on_ocr else None
        reports.append(
            ingest_file(
                collection,
                path,
                password=password,
                progress=progress,
                max_upload_mb=max_upload_mb,
                ocr_progress=ocr_progress,
                ocr_max_pages=ocr_max_pages,
            )
        )
    return reports
