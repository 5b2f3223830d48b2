"""Word files (.docx): paragraphs and table rows in document order, in sections at the heading styles, cited by
heading and paragraph range."""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING

from i18n import message
from rag.documents.document import MB, DocumentError, LoadedDocument
from rag.documents.sections import Block, document_of

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import _Row
    from docx.text.paragraph import Paragraph

# python-docx unpacks every part of the archive into memory: a few kilobytes of zip can unpack to gigabytes.
# Real documents, pictures included, stay far below this.
MAX_UNPACKED_MB = 256
_BODY = "word/document.xml"


def load_docx(data: bytes, name: str) -> LoadedDocument:
    """A Word document, one section per heading (long ones cut between paragraphs).

    Raises:
        DocumentError: the file is not a zip, a zip without a Word body, damaged, too large unpacked, or holds no
            words.
    """
    _check_archive(data, name)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = _blocks(document)
    except DocumentError:
        raise
    except Exception as exc:  # python-docx and lxml raise many types for a damaged part
        raise DocumentError(name, "corrupt", message("format.docx_corrupt", detail=_short(exc))) from exc
    return document_of(name, data, blocks, "docx", unit="paragraphs")


def _check_archive(data: bytes, name: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:  # a truncated zip loses its directory at the end
        raise DocumentError(name, "corrupt", message("format.docx_corrupt", detail=_short(exc))) from exc
    if _BODY not in {entry.filename for entry in entries}:
        raise DocumentError(name, "not_docx", message("format.docx_not_word"))
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED_MB * MB:
        raise DocumentError(name, "too_large", message("format.docx_too_big_unpacked", limit_mb=MAX_UNPACKED_MB))


def _blocks(document: Document) -> list[Block]:
    """Non-empty paragraphs and table rows ("cell | cell"), numbered in order as a reader counts them."""
    from docx.table import Table

    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            rows = [" | ".join(_unique_cells(row)) for row in item.rows]
            texts, heading = [r for r in rows if r.strip(" |")], False
        else:
            texts, heading = [item.text], _is_heading(item)
        for text in texts:
            if text.strip():
                number = len(blocks) + 1
                blocks.append(Block(text.strip(), number, number, heading=heading))
    return blocks


def _unique_cells(row: _Row) -> list[str]:
    # A merged cell is returned once per grid column it spans.
    cells: list[str] = []
    for cell in row.cells:
        text = cell.text.strip()
        if not cells or text != cells[-1]:
            cells.append(text)
    return cells


def _is_heading(paragraph: Paragraph) -> bool:
    # Word stores built-in style names in English whatever the interface language ("heading 1", "Title").
    style = paragraph.style
    return style is not None and (style.name or "").lower().startswith(("heading", "title"))


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 120 else text[:117] + "..."
