"""PDF loading: one cleaned text record per page, and a clear reason for every file that cannot be read."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

from pypdf import PdfReader, get_configuration
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PdfReadError
from pypdf.generic import DictionaryObject

from config.settings import DEFAULTS
from i18n import message
from rag.documents.cleaning import clean_pages
from rag.documents.document import DocumentError, LoadedDocument, OcrLine, Page, read_source, sha256_of
from rag.documents.ocr import OcrUnavailableError, recognise_pages

# pypdf logs every recoverable oddity of a damaged file; the user gets one reason per file instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)

# More pages than any real book; tens of thousands of blank pages take pypdf minutes just to walk.
MAX_PAGES = 10_000
# Time to read one file. Text reads at about 10 ms a page here (400 pages in 4 s), but a crafted file of a few
# hundred bytes can keep pypdf busy for hours (one small form drawn thousands of times on every page).
READ_TIME_LIMIT_S = 120.0
# Share of a file's read time limit that each page read by OCR adds to its deadline: 10 s at the default 120 s,
# about three times what a page takes here (docs/ocr.md), so a loaded machine still finishes. A share, not seconds,
# so a caller's tighter limit (the fuzz tests' 2 s) stays tight. The page cap (CONVERSA_OCR_MAX_PAGES) bounds the
# total before any page is recognised.
OCR_PAGE_SHARE = 1 / 12
# Letters and digits below which a page's text layer is not its content (a page number, a scanner's stamp).
_MIN_TEXT_CHARS = 20

# File signatures of what people drop instead of a PDF, and the message code naming each.
_SIGNATURES = {
    b"\x89PNG": "pdf.kind.png",
    b"\xff\xd8\xff": "pdf.kind.jpeg",
    b"GIF8": "pdf.kind.gif",
    b"PK\x03\x04": "pdf.kind.zip",
    b"{\\rtf": "pdf.kind.rtf",
}


def load_pdf(
    source: Path | str | bytes,
    name: str | None = None,
    password: str | None = None,
    extract: Callable[[object], str] | None = None,
    max_pages: int = MAX_PAGES,
    time_limit: float = READ_TIME_LIMIT_S,
    ocr_max_pages: int = DEFAULTS.ocr_max_pages,
    ocr_progress: Callable[[int, int], None] | None = None,
) -> LoadedDocument:
    """Read a PDF into cleaned pages.

    Args:
        source: a path, or the file's bytes (an upload).
        name: the file name to cite; defaults to the path's name.
        password: the user password of an encrypted PDF.
        extract: how to get one page's text (tests inject failures); default `page.extract_text()`.
        max_pages: files with more pages are rejected before their pages are read.
        time_limit: seconds the whole file may take to read; checked between pages and, with the default
            `extract`, between the drawing operations of a page. Each page read by OCR adds OCR_PAGE_SHARE of it.
        ocr_max_pages: pages that need OCR (no usable text layer, an image) beyond this many are not recognised:
            a scan is rejected, a text document indexed without them (CONVERSA_OCR_MAX_PAGES).
        ocr_progress: called with (pages recognised, pages to recognise) while OCR runs.

    Raises:
        DocumentError: with its own reason for an empty file, a non-PDF, a damaged file, an encrypted file
            without (or with a wrong) password, a scan with more pages to recognise than `ocr_max_pages` or in
            which OCR finds no text, a file without text, or one with too many pages or too slow to read.
    """
    deadline = time.monotonic() + time_limit
    name, data = read_source(source, name)
    reader = _open(name, data, password)
    _check_page_count(name, _declared_page_count(reader), max_pages)  # before pypdf walks the page tree
    try:
        page_count = len(reader.pages)
    except Exception as exc:  # pypdf raises many types for a broken page tree
        raise DocumentError(name, "corrupt", message("pdf.pages_unreadable", detail=_short(exc))) from exc
    if page_count == 0:
        raise DocumentError(name, "no_text", message("pdf.no_pages"))
    _check_page_count(name, page_count, max_pages)
    labels = _page_labels(reader, page_count)
    raw: list[str] = []
    warnings: list[str] = []
    failed: set[int] = set()  # pages whose text could not be extracted
    expanded = 0  # pages whose content inflates past pypdf's limit
    extract = extract or _text_within(deadline)
    for index in range(page_count):
        try:
            if time.monotonic() > deadline:
                raise _OutOfTime
            raw.append(extract(reader.pages[index]) or "")
        except _OutOfTime:
            raise DocumentError(
                name,
                "too_slow",
                message("pdf.too_slow", limit_s=time_limit, page=index + 1, pages=page_count),
            ) from None
        except LimitReachedError:  # pypdf stopped inflating a stream at its limit: say so, not "damaged"
            raw.append("")
            expanded += 1
            failed.add(index)
            warnings.append(message("pdf.page_expands", page=index + 1, limit_mb=_inflate_limit_mb()))
        except Exception as exc:  # one broken page must not cost the others
            raw.append("")
            failed.add(index)
            warnings.append(message("pdf.page_unreadable", page=index + 1, detail=_short(exc)))
    texts = clean_pages(raw)
    # A page whose content could not be read is not rendered for OCR either: what broke pypdf may break PDFium.
    scans = [i for i, text in enumerate(texts) if i not in failed and _unusable(text) and _page_has_images(reader, i)]
    recognised: dict[int, list[OcrLine]] = {}
    if len(scans) > ocr_max_pages:
        too_many = message("pdf.ocr_too_many_pages", count=len(scans), limit=ocr_max_pages)
        if not any(not _unusable(text) for text in texts):
            raise DocumentError(name, "ocr_too_many_pages", too_many)
        # A text document with many pictures of pages: its text is worth indexing without them.
        warnings.append(too_many)
        scans = []
    if scans:
        allowance = time_limit * OCR_PAGE_SHARE * len(scans)
        deadline += allowance
        limit = time_limit + allowance
        try:
            recognised = _recognise(name, data, password, scans, deadline, limit, page_count, ocr_progress)
        except DocumentError as exc:
            if exc.code == "too_slow" or all(_unusable(text) for text in texts):
                raise
            warnings.append(exc.reason)  # the pages with a text layer are still worth indexing
        for index, lines in recognised.items():
            raw[index] = "\n".join(line.text for line in lines)
        texts = clean_pages(raw)
    if not any(texts) and not scans:
        # The same text on every page and nothing else (habibi-rotated.pdf): that line is the content, not a footer.
        texts = clean_pages(raw, drop_running_lines=False)
    pages = [
        Page(
            number=i + 1,
            text=text,
            label=labels[i] if labels else None,
            ocr=i in recognised,
            lines=tuple(recognised.get(i, ())),
        )
        for i, text in enumerate(texts)
        if text
    ]
    if not pages:
        if expanded and len(warnings) == page_count:
            raise DocumentError(name, "bomb", message("pdf.expands", limit_mb=_inflate_limit_mb()))
        if warnings and len(warnings) == page_count:
            raise DocumentError(name, "corrupt", message("pdf.no_page_readable"))
        if scans:
            raise DocumentError(name, "no_text_layer", message("pdf.ocr_found_nothing", pages=len(scans)))
        raise DocumentError(name, "no_text", message("pdf.blank"))
    return LoadedDocument(name=name, sha256=sha256_of(data), page_count=page_count, pages=pages, warnings=warnings)


def _recognise(
    name: str,
    data: bytes,
    password: str | None,
    scans: list[int],
    deadline: float,
    limit: float,
    page_count: int,
    progress: Callable[[int, int], None] | None,
) -> dict[int, list[OcrLine]]:
    """OCR of the pages at 0-based `scans`, by 0-based index; stops with `too_slow` once `deadline` has passed."""

    def before_page(done: int, total: int) -> None:
        if done < total and time.monotonic() > deadline:
            page = scans[done] + 1
            raise DocumentError(name, "too_slow", message("pdf.too_slow", limit_s=limit, page=page, pages=page_count))
        if progress:
            progress(done, total)

    try:
        found = recognise_pages(data, [i + 1 for i in scans], password, before_page)
    except OcrUnavailableError as exc:
        raise DocumentError(name, "no_text_layer", message("pdf.ocr_unavailable", command=str(exc))) from exc
    except DocumentError:
        raise
    except Exception as exc:  # PDFium cannot render a damaged page, the OCR runtime fails
        raise DocumentError(name, "ocr_failed", message("pdf.ocr_failed", detail=_short(exc))) from exc
    return {number - 1: lines for number, lines in found.items() if lines}


def _unusable(text: str) -> bool:
    """A text layer too thin to be the page's content: empty, or a page number or stamp over a scanned image."""
    return sum(ch.isalnum() for ch in text) < _MIN_TEXT_CHARS


class _OutOfTime(BaseException):
    """The file's reading time is spent. A BaseException because pypdf catches Exception inside forms."""


def _text_within(deadline: float) -> Callable[[object], str]:
    """Page text extraction that stops, between two drawing operations, once `deadline` has passed."""

    def check_time(*_: object) -> None:
        if time.monotonic() > deadline:
            raise _OutOfTime

    return lambda page: page.extract_text(visitor_operand_before=check_time)  # type: ignore[attr-defined]


def _declared_page_count(reader: PdfReader) -> int | None:
    try:
        count = cast(DictionaryObject, reader.root_object["/Pages"]).get("/Count")
        return int(count) if isinstance(count, int) else None
    except Exception:  # a broken page tree is reported when the pages are read
        return None


def _check_page_count(name: str, count: int | None, max_pages: int) -> None:
    if count is not None and count > max_pages:
        raise DocumentError(name, "too_many_pages", message("pdf.too_many_pages", count=count, limit=max_pages))


def _open(name: str, data: bytes, password: str | None) -> PdfReader:
    if not data:
        raise DocumentError(name, "empty_file", message("pdf.empty"))
    if b"%PDF-" not in data[:1024]:
        kind = next((code for sig, code in _SIGNATURES.items() if data.startswith(sig)), None)
        reason = message("pdf.not_pdf", kind=message(kind)) if kind else message("pdf.no_pdf_header")
        raise DocumentError(name, "not_pdf", reason)
    try:
        reader = PdfReader(io.BytesIO(data))
    except DependencyError as exc:
        raise DocumentError(name, "encrypted", message("pdf.encryption_unsupported", detail=str(exc))) from exc
    except Exception as exc:
        raise DocumentError(name, "corrupt", message("pdf.truncated", detail=_short(exc))) from exc
    if reader.is_encrypted:
        _decrypt(name, reader, password)
    return reader


def _decrypt(name: str, reader: PdfReader, password: str | None) -> None:
    try:
        # Many PDFs are encrypted only against editing, with an empty user password: they open without asking.
        if reader.decrypt("") and not _still_locked(reader):
            return
        if password is None:
            raise DocumentError(name, "encrypted", message("pdf.password_needed"))
        if not reader.decrypt(password) or _still_locked(reader):
            raise DocumentError(name, "wrong_password", message("pdf.wrong_password"))
    except DependencyError as exc:
        raise DocumentError(name, "encrypted", message("pdf.needs_cryptography")) from exc


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


def _page_has_images(reader: PdfReader, index: int) -> bool:
    try:
        objects = reader.pages[index].get("/Resources", {}).get("/XObject", {})
        return any(obj.get_object().get("/Subtype") == "/Image" for obj in objects.values())
    except Exception:  # a damaged resource dictionary: treat the page as text only
        return False


def _inflate_limit_mb() -> float:
    """pypdf's cap on what one compressed stream may inflate to, the size a decompression bomb runs into."""
    return get_configuration().zlib_maximum_output_length / 1_000_000


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 120 else text[:117] + "..."
