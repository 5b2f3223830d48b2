"""What all browser sessions share, made once per process: the core (with its collections and models), page images."""

from __future__ import annotations

import io
from pathlib import Path

import streamlit as st

from config.settings import Settings
from rag.core import Conversa
from rag.documents.document import OcrLine
from rag.documents.page_image import render_page
from rag.index.store import store_location

PAGE_WIDTH_PX = 1000


@st.cache_resource(show_spinner=False)
def _core(location: str, fingerprint: str, _settings: Settings) -> Conversa:
    return Conversa(_settings)


def core(settings: Settings) -> Conversa:
    """One core per store and settings, shared by every session: it is safe for concurrent use."""
    # repr leaves secrets out, and any other change of settings gets its own core.
    return _core(store_location(settings), repr(settings), settings)


@st.cache_data(show_spinner=False, max_entries=64)
def page_png(
    path: str,
    stamp: float,
    page: int,
    passage: str,
    _password: str | None,
    ocr_lines: tuple[OcrLine, ...] = (),
) -> tuple[bytes, bool]:
    """The cited page as PNG bytes and whether the passage was found on it; `stamp` renews it if the file changes.
    `ocr_lines`: a passage recognised by OCR is found among these lines (it has no text layer to be found in)."""
    rendered = render_page(Path(path), page, passage, width=PAGE_WIDTH_PX, password=_password, ocr_lines=ocr_lines)
    buffer = io.BytesIO()
    rendered.image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue(), rendered.found
