"""Small PDFs built by the tests themselves."""

from __future__ import annotations

from fpdf import FPDF


def make_pdf(pages: list[str], password: str | None = None, footer: str | None = None) -> bytes:
    """A text PDF with one page per string (Latin-1 text, Helvetica); `footer` may hold {n} for the page number."""
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=11)
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 6, text)
        if footer:
            pdf.set_y(-15)
            pdf.cell(0, 8, footer.format(n=number))
    if password:
        pdf.set_encryption(owner_password="owner-" + password, user_password=password)
    return bytes(pdf.output())
