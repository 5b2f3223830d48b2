"""A cited PDF page as an image, with the cited passage highlighted (pypdfium2 render, char boxes)."""

from __future__ import annotations

import ctypes
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageDraw

from i18n import message
from rag.documents.document import OcrLine
from rag.documents.ocr_lines import lines_in_passage

# PDFium is not thread-safe, and Streamlit serves each browser session on its own thread.
PDFIUM_LOCK = threading.Lock()
HIGHLIGHT_FILL = (255, 214, 0, 90)
HIGHLIGHT_EDGE = (214, 150, 0, 255)
# Pieces of the passage searched on their own when the whole passage is not found verbatim (text cleaning
# can drop a running footer or change a ligature): long enough that common words cannot match by chance.
_PIECE_WORDS = 6
_MIN_PIECE_CHARS = 20
_PAD = 2
# Boxes on one line closer than this (pixels; a bullet and its text) are drawn as one highlight.
_LINE_GAP = 30


class PageImageError(Exception):
    """A page that cannot be shown; the message says why, in one sentence."""


@dataclass(frozen=True)
class PageImage:
    """A rendered page; `boxes` are the highlighted areas in image pixels (left, top, right, bottom)."""

    image: Image.Image
    page: int
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """Whether the passage was located on the page."""
        return bool(self.boxes)


def _fold(text: str) -> list[str]:
    """Characters compared when locating a passage: letters and digits, lower case, without accents."""
    out = []
    for ch in text:
        for part in unicodedata.normalize("NFKD", ch):
            if part.isalnum():
                out.append(part.casefold())
    return out


def passage_char_ranges(page_chars: str, passage: str) -> list[tuple[int, int]]:
    """Where `passage` sits in `page_chars`, as (first index, count) ranges of page characters.

    Whitespace, punctuation, case, accents and line-end hyphens are ignored, so the cleaned chunk text
    that retrieval returns still matches the page's raw characters. When the whole passage is not on the
    page verbatim, its pieces of a few words are located one by one, in order.
    """
    keys: list[str] = []
    owner: list[int] = []
    for index, ch in enumerate(page_chars):
        for part in _fold(ch):
            keys.append(part)
            owner.append(index)
    haystack = "".join(keys)
    needle = "".join(_fold(passage))
    if not needle or not haystack:
        return []
    spans: list[tuple[int, int]] = []
    at = haystack.find(needle)
    if at >= 0:
        spans.append((at, at + len(needle)))
    else:
        words = passage.split()
        cursor = 0
        for start in range(0, len(words), _PIECE_WORDS):
            piece = "".join(_fold(" ".join(words[start : start + _PIECE_WORDS])))
            if len(piece) < _MIN_PIECE_CHARS:
                continue
            at = haystack.find(piece, cursor)
            if at >= 0:
                spans.append((at, at + len(piece)))
                cursor = at + len(piece)
    ranges: list[tuple[int, int]] = []
    for begin, end in spans:
        first, last = owner[begin], owner[end - 1]
        if ranges and first <= sum(ranges[-1]) + 1:  # touching the previous range: extend it
            ranges[-1] = (ranges[-1][0], last - ranges[-1][0] + 1)
        else:
            ranges.append((first, last - first + 1))
    return ranges


def _page_chars(textpage: pdfium.PdfTextPage) -> str:
    # One character per PDFium char index (get_text_range may insert or drop some), so indices map to boxes.
    count = textpage.count_chars()
    return "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i) or 32) for i in range(count))


def _to_pixels(page: pdfium.PdfPage, size: tuple[int, int], rect: tuple[float, float, float, float]) -> tuple:
    """A rectangle in PDF points as (left, top, right, bottom) pixels of an image of `size` (rotation included)."""
    left, bottom, right, top = rect
    corners = []
    for x, y in ((left, top), (right, bottom)):
        dx, dy = ctypes.c_int(), ctypes.c_int()
        pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, size[0], size[1], 0, x, y, dx, dy)
        corners.append((dx.value, dy.value))
    (x0, y0), (x1, y1) = corners
    return min(x0, x1) - _PAD, min(y0, y1) - _PAD, max(x0, x1) + _PAD, max(y0, y1) + _PAD


def _ocr_box(box: tuple[float, float, float, float], size: tuple[int, int]) -> tuple[int, int, int, int]:
    """A recognised line's box (fractions of the rendered page) in pixels of an image of `size`."""
    left, top, right, bottom = box
    width, height = size
    return (
        round(left * width) - _PAD,
        round(top * height) - _PAD,
        round(right * width) + _PAD,
        round(bottom * height) + _PAD,
    )


def _merge_lines(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Boxes of one line (a bullet and its text, words in separate runs) joined into one."""
    merged: list[tuple[int, int, int, int]] = []
    for box in sorted(boxes, key=lambda b: (b[0], b[1])):
        for i, line in enumerate(merged):
            overlap = min(box[3], line[3]) - max(box[1], line[1])
            if overlap * 2 >= min(box[3] - box[1], line[3] - line[1]) and box[0] <= line[2] + _LINE_GAP:
                merged[i] = (min(line[0], box[0]), min(line[1], box[1]), max(line[2], box[2]), max(line[3], box[3]))
                break
        else:
            merged.append(box)
    return sorted(merged, key=lambda b: (b[1], b[0]))


def _highlight(image: Image.Image, boxes: list[tuple[int, int, int, int]]) -> Image.Image:
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    # One bar in the left margin, level with every highlighted line, finds the passage when the page is small.
    bar = max(0, min(box[0] for box in boxes) - 12)
    for box in boxes:
        draw.rectangle(box, fill=HIGHLIGHT_FILL)
        draw.rectangle((bar, box[1], bar + 4, box[3]), fill=HIGHLIGHT_EDGE)
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


def render_page(
    pdf: Path | str | bytes,
    page: int,
    passage: str = "",
    *,
    width: int = 1000,
    password: str | None = None,
    ocr_lines: Sequence[OcrLine] = (),
) -> PageImage:
    """Render 1-based `page` of `pdf` about `width` pixels wide, with `passage` highlighted where it is found.

    A passage recognised by OCR has no text layer to be found in: given the page's recognised `ocr_lines`, the
    lines that the passage holds are highlighted.

    Raises:
        PageImageError: the file cannot be opened (damaged, or encrypted without the right password) or has no
            such page.
    """
    source = pdf if isinstance(pdf, bytes) else str(pdf)
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(source, password=password)
        except pdfium.PdfiumError as exc:
            raise PageImageError(message("page.cannot_open", detail=str(exc))) from None
        try:
            if not 1 <= page <= len(document):
                code = "page.no_such_page_one" if len(document) == 1 else "page.no_such_page"
                raise PageImageError(message(code, pages=len(document), page=page))
            pdf_page = document[page - 1]
            # A page many times taller than wide (a crafted file, a receipt roll) stays within 4 widths tall.
            scale = min(width / max(pdf_page.get_width(), 1.0), 4 * width / max(pdf_page.get_height(), 1.0))
            image = pdf_page.render(scale=scale).to_pil().convert("RGB")
            boxes: list[tuple[int, int, int, int]] = []
            if ocr_lines and passage.strip():
                boxes = [_ocr_box(line.box, image.size) for line in lines_in_passage(passage, ocr_lines)]
            elif passage.strip():
                textpage = pdf_page.get_textpage()
                for first, count in passage_char_ranges(_page_chars(textpage), passage):
                    for i in range(textpage.count_rects(first, count)):
                        boxes.append(_to_pixels(pdf_page, image.size, textpage.get_rect(i)))
            boxes = _merge_lines(boxes)
        finally:
            document.close()
    return PageImage(_highlight(image, boxes) if boxes else image, page, boxes)
