"""What every reader of documents produces (pages of text, or sections for files without pages) and how a file is
refused (DocumentError)."""

from __future__ import annotations

import hashlib
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from i18n import message

MB = 1024 * 1024


SectionUnit = Literal["lines", "paragraphs"]
"""What a section's range counts: lines of a text file, paragraphs of a Word file."""


@dataclass(frozen=True)
class Section:
    """Where a part of a file without pages sits, as its reader can find it: the nearest heading above it (None
    before the first one) and its first and last line (of a text file) or paragraph (of a Word file), 1-based.

    Kept as data, not as a sentence, so a citation reads in the language of whoever reads it."""

    heading: str | None
    first: int
    last: int
    unit: SectionUnit = "lines"


@dataclass(frozen=True)
class OcrLine:
    """One line recognised by OCR: its text and its box as fractions of the page (left, top, right, bottom)."""

    text: str
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class Page:
    """The text of one page; `number` is 1-based, `label` is the PDF's own page label when it has one.

    Files without pages (Word, Markdown, text, HTML) have one Page per section, numbered in order, each with its
    `section`. `ocr` says a PDF page's text was recognised from its image; `lines` then holds the recognised lines,
    so the page image can highlight a passage that has no text layer to be found in.
    """

    number: int
    text: str
    label: str | None = None
    section: Section | None = None
    ocr: bool = False
    lines: tuple[OcrLine, ...] = ()


@dataclass(frozen=True)
class LoadedDocument:
    """A readable document: its name, content hash, and the pages (or sections) that have text.

    `format` says which reader read it (rag/documents/formats.py); only a PDF has page images."""

    name: str
    sha256: str
    page_count: int
    pages: list[Page]
    warnings: list[str] = field(default_factory=list)
    format: str = "pdf"


class DocumentError(Exception):
    """A file that cannot be indexed; `reason` is a sentence for the user (an i18n Message when raised
    here), `code` a stable identifier of the kind of failure."""

    def __init__(self, name: str, code: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.code = code
        self.reason = reason


def sha256_of(data: bytes) -> str:
    """The content hash a collection uses to recognise a document it already holds."""
    return hashlib.sha256(data).hexdigest()


def read_source(source: Path | str | bytes, name: str | None = None, max_bytes: int | None = None) -> tuple[str, bytes]:
    """Return (file name, bytes) for a path or for uploaded bytes.

    Raises:
        DocumentError: the file is larger than `max_bytes` (a path is checked before it is read) or is not a
            regular file (a device or a pipe could be read forever).
        OSError: the file cannot be read.
    """
    if isinstance(source, bytes):
        name = name or "upload.pdf"
        _check_size(name, len(source), max_bytes)
        return name, source
    path = Path(source)
    name = name or path.name
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise DocumentError(name, "not_a_file", message("pdf.not_a_file"))
    _check_size(name, info.st_size, max_bytes)
    with open(path, "rb") as handle:
        data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    _check_size(name, len(data), max_bytes)  # it may have grown since stat()
    return name, data


def _check_size(name: str, size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise DocumentError(
            name,
            "too_large",
            message("pdf.too_large", size_mb=size / MB, limit_mb=max_bytes / MB),
        )
