"""One entry for every kind of document: the reader is picked by the file's content and name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rag.documents.document import LoadedDocument
from rag.documents.formats import detect_format
from rag.documents.markdown import load_markdown
from rag.documents.pdf import load_pdf
from rag.documents.text import load_text
from rag.documents.webpage import load_html
from rag.documents.word import load_docx

_READERS: dict[str, Callable[[bytes, str], LoadedDocument]] = {
    "docx": load_docx,
    "markdown": load_markdown,
    "text": load_text,
    "html": load_html,
}


def load_document(data: bytes, name: str, password: str | None = None, **pdf_options: Any) -> LoadedDocument:
    """Read a file of any supported kind into pages (a PDF) or sections (the others).

    `password` and `pdf_options` go to `load_pdf` unchanged; other kinds have neither.

    Raises:
        DocumentError: the file is empty, of a kind Conversa does not read, or its reader refuses it (each with
            its own reason).
    """
    format = detect_format(data, name)
    if format == "pdf":
        return load_pdf(data, name=name, password=password, **pdf_options)
    return _READERS[format](data, name)
