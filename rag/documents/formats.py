"""The kinds of file Conversa reads, told apart by content first and by name second; the one list of suffixes
that the upload box, the command line and folder ingestion offer."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from i18n import message
from rag.documents.document import DocumentError

FORMATS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
}
"""Suffix (lower case) to the reader's format name."""

SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(FORMATS)

_ZIP = b"PK\x03\x04"
_WORD_BODY = "word/document.xml"


def is_supported(path: Path | str) -> bool:
    """Whether a file's name says it is a kind Conversa reads (what folders are searched for)."""
    return Path(path).suffix.lower() in FORMATS


def supported_list() -> str:
    """The suffixes as a user reads them: ".pdf, .docx, .md, ..."."""
    return ", ".join(SUPPORTED_SUFFIXES)


def parts_noun(format: str) -> str:
    """What a document of this format is counted in, as a noun of the i18n catalogue: pages or sections."""
    return "pages" if format == "pdf" else "sections"


def detect_format(data: bytes, name: str) -> str:
    """The format to read `data` as: a PDF by its signature whatever its name (and a .pdf always, so a non-PDF
    named .pdf gets the PDF reader's reason), a Word file by its archive's content, the others by suffix.

    Raises:
        DocumentError: the file is empty, or neither its content nor its suffix is a kind Conversa reads.
    """
    if not data:
        raise DocumentError(name, "empty_file", message("pdf.empty"))
    suffix = Path(name).suffix.lower()
    if b"%PDF-" in data[:1024] or suffix == ".pdf":
        return "pdf"
    if data.startswith(_ZIP) and _holds_word_body(data):
        return "docx"
    if suffix in FORMATS:
        return FORMATS[suffix]
    if suffix == ".doc":
        raise DocumentError(name, "unsupported", message("format.doc_legacy"))
    shown = suffix or message("format.no_suffix")
    raise DocumentError(name, "unsupported", message("format.unsupported", suffix=shown, supported=supported_list()))


def _holds_word_body(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _WORD_BODY in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
