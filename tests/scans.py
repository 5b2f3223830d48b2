"""Scanned PDFs built by the tests: text typeset by fpdf2, rendered by PDFium, saved again as images only."""

from __future__ import annotations

import io
import random

import pypdfium2 as pdfium
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter

# Small pages (A6, 105 x 148 mm) in large print keep OCR at about a second a page.
_FORMAT = (105, 148)
_WIDTH_MM = 105
_DPI = 150

# What the tests look for: Portuguese with its accents, and English.
PORTUGUESE = "A licitação dos cartões ópticos não será prorrogada: coração, pão e ação de graças."
ENGLISH = "The warehouse inventory closes every Friday at noon."


def _typeset(text: str) -> Image.Image:
    """One A6 page of `text` (Helvetica, Latin-1), as a scanner would see it at 150 dpi, in grey."""
    pdf = FPDF(format=_FORMAT)
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=13)
    pdf.add_page()
    pdf.multi_cell(0, 7, text)
    document = pdfium.PdfDocument(bytes(pdf.output()))
    image = document[0].render(scale=_DPI / 72, grayscale=True).to_pil()
    document.close()
    return image


def noise_image(seed: int = 7) -> Image.Image:
    """A page of random grey specks: what a scanner gives for a dirty glass and no paper."""
    rng = random.Random(seed)
    image = Image.new("L", (620, 874), 255)
    for _ in range(3000):
        image.putpixel((rng.randrange(620), rng.randrange(874)), rng.randrange(0, 200))
    return image


def scan_pdf(pages: list[str | Image.Image | None], password: str | None = None) -> bytes:
    """A PDF with one page per item: a string is typeset, then kept only as a picture (no text layer); an image is
    placed as it is; None is a page with a real text layer (fpdf2's text) instead, to mix the two kinds."""
    pdf = FPDF(format=_FORMAT)
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=13)
    for page in pages:
        pdf.add_page()
        if page is None:
            pdf.multi_cell(0, 7, "Esta página tem camada de texto: o índice de preços sobe em março, diz o relatório.")
        else:
            pdf.image(_typeset(page) if isinstance(page, str) else page, x=0, y=0, w=_WIDTH_MM)
    data = bytes(pdf.output())
    if password is None:
        return data
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password="dono-" + password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
