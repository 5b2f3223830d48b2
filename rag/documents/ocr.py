"""OCR of scanned PDF pages: rapidocr's bundled PP-OCR models (ONNX, offline), one engine shared by every thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image

from rag.documents.document import OcrLine

# Pages are rendered at this resolution before recognition: 150 dpi already reads body text, and
# 200 dpi keeps small print (footnotes, slide captions) legible without doubling the time.
RENDER_DPI = 200
# How rapidocr is run, by its configuration keys. Scanned pages are upright, so the 180-degree line classifier
# only costs time; detection sees the page at up to 2,000 pixels on its long side (the shipped 736 on the short
# side merges the lines of a dense page); lines recognised with low confidence are noise, not text.
ENGINE_PARAMS: dict[str, Any] = {
    "Global.log_level": "error",
    "Global.use_cls": False,
    "Global.text_score": 0.5,
    "Global.max_side_len": 2000,
    "Det.limit_type": "max",
    "Det.limit_side_len": 2000,
    "Det.box_thresh": 0.5,
    "Det.unclip_ratio": 1.6,
}

# Longest side of a rendered page, in pixels: an A4 page at 200 dpi is 2,339; a page declared metres wide (a crafted
# file, a poster) would otherwise render to gigabytes of pixels.
MAX_RENDER_SIDE = 4000
# Grey levels within which a page counts as one flat tone (scanner noise on paper spans more).
_FLAT_TONE = 8

_ENGINES: dict[tuple[tuple[str, Any], ...], Any] = {}
# rapidocr keeps per-call settings on the engine object, and two pages at once only fight over the same 2 cores:
# one recognition at a time, whichever browser session asks.
_LOCK = threading.Lock()


class OcrUnavailableError(Exception):
    """The OCR package is not installed; the message says how to install it."""


def _engine(params: dict[str, Any]) -> Any:
    key = tuple(sorted(params.items()))
    if key not in _ENGINES:
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:  # the app and text PDFs keep working without it
            raise OcrUnavailableError("pip install rapidocr==3.10.0 onnxruntime") from exc
        _ENGINES[key] = RapidOCR(params=dict(params))
    return _ENGINES[key]


def recognise(image: Image.Image, params: dict[str, Any] | None = None) -> list[OcrLine]:
    """The lines of text in `image`, top to bottom, with normalised boxes; [] for a page without text.

    Args:
        image: the rendered page.
        params: rapidocr configuration keys (benches compare settings); default ENGINE_PARAMS.
    """
    pixels = np.asarray(image.convert("RGB"))
    width, height = image.size
    with _LOCK:
        result = _engine(ENGINE_PARAMS if params is None else params)(pixels)
    if not getattr(result, "txts", None) or result.boxes is None:
        return []
    lines = []
    for text, quad in zip(result.txts, result.boxes, strict=True):
        xs, ys = [float(p[0]) for p in quad], [float(p[1]) for p in quad]
        box = (min(xs) / width, min(ys) / height, max(xs) / width, max(ys) / height)
        lines.append(OcrLine(text.strip(), tuple(round(min(1.0, max(0.0, v)), 4) for v in box)))  # type: ignore[arg-type]
    return _reading_order([line for line in lines if line.text])


def _reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    """Lines sorted top to bottom, and left to right within a row (detection returns them roughly so)."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda item: item.box[1]):
        height = line.box[3] - line.box[1]
        if rows and abs(rows[-1][0].box[1] - line.box[1]) < height / 2:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda item: item.box[0])]


def is_blank(image: Image.Image) -> bool:
    """A page of one flat tone (the back of a sheet, an empty scan): nothing to recognise, no need to run OCR."""
    darkest, lightest = image.convert("L").getextrema()
    return lightest - darkest < _FLAT_TONE


def render_page_image(document: Any, number: int, dpi: int = RENDER_DPI) -> Image.Image:
    """Page `number` (1-based) of an open pypdfium2 document as a grey image at `dpi`."""
    from rag.documents.page_image import PDFIUM_LOCK

    with PDFIUM_LOCK:
        page = document[number - 1]
        scale = min(dpi / 72, MAX_RENDER_SIDE / max(page.get_width(), page.get_height(), 1.0))
        return page.render(scale=scale, grayscale=True).to_pil()


def recognise_pages(
    data: bytes,
    numbers: list[int],
    password: str | None = None,
    before_page: Callable[[int, int], None] | None = None,
) -> dict[int, list[OcrLine]]:
    """The recognised lines of each 1-based page in `numbers` of the PDF in `data`.

    Args:
        before_page: called with (pages recognised so far, pages in all) before each page and once at the end;
            it reports progress and may raise to stop (the file's read deadline).
    """
    import pypdfium2 as pdfium

    from rag.documents.page_image import PDFIUM_LOCK

    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(data, password=password)
    try:
        found: dict[int, list[OcrLine]] = {}
        for done, number in enumerate(numbers):
            if before_page:
                before_page(done, len(numbers))
            image = render_page_image(document, number)
            found[number] = [] if is_blank(image) else recognise(image)
        if before_page:
            before_page(len(numbers), len(numbers))
        return found
    finally:
        with PDFIUM_LOCK:
            document.close()
