"""PDF loading: one cleaned text record per page, and a clear reason for every file that cannot be read."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

from rag.text_cleaning import clean_pages

# pypdf logs every recoverable oddity of a damaged file; the user gets one reason per file instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)

_SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (a Word or other Office file?)",
    b"{\\rtf": "an RTF document",
}


@dataclass(frozen=True)
class Page:
    """The text of one page; `number` is 1-based, `label` is the PDF's own page label when it has one."""

    number: int
    text: str
    label: str | None = None


@dataclass(frozen=True)
class LoadedDocument:
    """A readable PDF: its name, content hash, and the pages that have text."""

    name: str
    sha256: str
    page_count: int
    pages: list[Page]
    warnings: list[str] = field(default_factory=list)


class DocumentError(Exception):
    """A file that cannot be indexed; `reason` is a sentence for the user, `code` a stable identifier."""

    def __init__(self, name: str, code: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.code = code
        self.reason = reason


def sha256_of(data: bytes) -> str:
    """The content hash a collection uses to recognise a document it already holds."""
    return hashlib.sha256(data).hexdigest()


def read_source(source: Path | str | bytes, name: str | None = None) -> tuple[str, bytes]:
    """Return (file name, bytes) for a path or for uploaded bytes."""
    if isinstance(source, bytes):
        return name or "upload.pdf", source
    path = Path(source)
    return name or path.name, path.read_bytes()


def load_pdf(
    source: Path | str | bytes,
    name: str | None = None,
    password: str | None = None,
    extract: Callable[[object], str] | None = None,
) -> LoadedDocument:
    """Read a PDF into cleaned pages.

    Args:
        source: a path, or the file's bytes (an upload).
        name: the file name to cite; defaults to the path's name.
        password: the user password of an encrypted PDF.
        extract: how to get one page's text (tests inject failures); default `page.extract_text()`.

    Raises:
        DocumentError: with its own reason for an empty file, a non-PDF, a damaged file, an encrypted file
            without (or with a wrong) password, a scan without a text layer, or a file without text.
    """
    name, data = read_source(source, name)
    reader = _open(name, data, password)
    try:
        page_count = len(reader.pages)
    except Exception as exc:  # pypdf raises many types for a broken page tree
        raise DocumentError(name, "corrupt", f"is damaged and its pages cannot be read ({_short(exc)}).") from exc
    if page_count == 0:
        raise DocumentError(name, "no_text", "has no pages.")
    labels = _page_labels(reader, page_count)
    raw: list[str] = []
    warnings: list[str] = []
    extract = extract or (lambda page: page.extract_text())  # type: ignore[attr-defined]
    for index in range(page_count):
        try:
            raw.append(extract(reader.pages[index]) or "")
        except Exception as exc:  # one broken page must not cost the others
            raw.append("")
            warnings.append(f"page {index + 1} could not be read ({_short(exc)})")
    texts = clean_pages(raw)
    pages = [Page(number=i + 1, text=text, label=labels[i] if labels else None) for i, text in enumerate(texts) if text]
    if not pages:
        if warnings and len(warnings) == page_count:
            raise DocumentError(name, "corrupt", "is damaged: no page could be read.")
        if _has_images(reader):
            raise DocumentError(
                name, "no_text_layer", "has no text layer (it looks scanned): run OCR on it first, then add it again."
            )
        raise DocumentError(name, "no_text", "contains no text (its pages are blank).")
    return LoadedDocument(name=name, sha256=sha256_of(data), page_count=page_count, pages=pages, warnings=warnings)


def _open(name: str, data: bytes, password: str | None) -> PdfReader:
    if not data:
        raise DocumentError(name, "empty_file", "is an empty file (0 bytes).")
    if b"%PDF-" not in data[:1024]:
        kind = next((what for sig, what in _SIGNATURES.items() if data.startswith(sig)), None)
        reason = f"is not a PDF (it is {kind})." if kind else "is not a PDF (no PDF header)."
        raise DocumentError(name, "not_pdf", reason)
    try:
        reader = PdfReader(io.BytesIO(data))
    except DependencyError as exc:
        raise DocumentError(name, "encrypted", f"uses encryption this installation cannot open ({exc}).") from exc
    except Exception as exc:
        raise DocumentError(
            name, "corrupt", f"is damaged or incomplete (truncated?) and cannot be read ({_short(exc)})."
        ) from exc
    if reader.is_encrypted:
        _decrypt(name, reader, password)
    return reader


def _decrypt(name: str, reader: PdfReader, password: str | None) -> None:
    try:
        # Many PDFs are encrypted only against editing, with an empty user password: they open without asking.
        if reader.decrypt("") and not _still_locked(reader):
            return
        if password is None:
            raise DocumentError(name, "encrypted", "is password-protected: give its password to index it.")
        if not reader.decrypt(password) or _still_locked(reader):
            raise DocumentError(name, "wrong_password", "is password-protected and the password given is wrong.")
    except DependencyError as exc:
        raise DocumentError(
            name, "encrypted", "uses AES encryption: install `cryptography` (pypdf[crypto]) to open it."
        ) from exc


def _still_locked(reader: PdfReader) -> bool:
    try:
        len(reader.pages)
    except FileNotDecryptedError:
        return True
    except PdfReadError:
        return False
    return False


def _page_labels(reader: PdfReader, page_count: int) -> list[str] | None:
    try:
        if "/PageLabels" not in reader.trailer["/Root"]:
            return None
        labels = list(reader.page_labels)
    except Exception:  # labels are a nicety; a broken label tree is not worth rejecting the file
        return None
    return labels if len(labels) == page_count else None


def _has_images(reader: PdfReader) -> bool:
    for page in reader.pages:
        try:
            objects = page.get("/Resources", {}).get("/XObject", {})
            if any(obj.get_object().get("/Subtype") == "/Image" for obj in objects.values()):
                return True
        except Exception:
            continue
    return False


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 120 else text[:117] + "..."
