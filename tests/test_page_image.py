"""Rendering a cited page with its passage highlighted (rag/documents/page_image.py), on real PDFs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rag.documents.page_image import PageImageError, passage_char_ranges, render_page
from rag.documents.pdf import load_pdf
from tests.pdfs import make_pdf


def is_highlight(pixel: tuple[int, int, int]) -> bool:
    red, green, blue = pixel
    return red > 200 and green > 170 and blue < 200 and red - blue > 60


def test_a_chunk_of_a_page_is_found_and_painted(notes_pdf: Path):
    page = load_pdf(notes_pdf).pages[1]  # cleaned text, as retrieval returns it
    passage = page.text[200:700]

    shown = render_page(notes_pdf, page.number, passage, width=800)

    assert shown.found and shown.page == 2
    assert shown.image.width == 800
    for left, top, right, bottom in shown.boxes:
        assert 0 <= left < right <= 800 and 0 <= top < bottom <= shown.image.height
    plain = render_page(notes_pdf, page.number, width=800).image
    left, top, right, bottom = shown.boxes[0]
    middle = ((left + right) // 2, (top + bottom) // 2)
    inside = [(x, y) for x in range(left + 1, right - 1, 3) for y in range(top + 1, bottom - 1, 3)]
    assert any(is_highlight(shown.image.getpixel(xy)) for xy in inside)
    assert not any(is_highlight(plain.getpixel(xy)) for xy in inside)
    assert shown.image.getpixel(middle) != plain.getpixel(middle)


def test_a_passage_not_on_the_page_leaves_the_page_plain(notes_pdf: Path):
    shown = render_page(notes_pdf, 1, "Receita de bolo de cenoura com cobertura de chocolate amargo.")

    assert not shown.found
    assert shown.image.size == render_page(notes_pdf, 1).image.size


def test_line_breaks_hyphens_case_and_accents_do_not_stop_a_match():
    page = "O modelo de decodifi-\r\ncação escolhe o próximo\r\nTOKEN."

    ((first, count),) = passage_char_ranges(page, "modelo de decodificação escolhe o proximo token")

    assert page[first : first + count] == "modelo de decodifi-\r\ncação escolhe o próximo\r\nTOKEN"


def test_a_passage_with_text_the_page_lacks_is_matched_piece_by_piece():
    page = "Primeira frase longa sobre tokens especiais. Segunda frase longa sobre chat templates."
    passage = (
        "Primeira frase longa sobre tokens especiais. rodapé — página 3 de 5 Segunda frase longa sobre chat templates."
    )

    ranges = passage_char_ranges(page, passage)

    covered = "".join(page[first : first + count] for first, count in ranges)
    assert "Primeira frase longa sobre tokens" in covered and "chat templates" in covered


def test_an_encrypted_pdf_needs_its_password():
    data = make_pdf(["Texto guardado sob senha sobre decodificação."], password="s3nha")

    with pytest.raises(PageImageError, match="cannot be opened"):
        render_page(data, 1, "decodificação")
    assert render_page(data, 1, "Texto guardado sob senha", password="s3nha").found


def test_a_page_that_does_not_exist_is_refused_in_one_sentence():
    with pytest.raises(PageImageError) as one:
        render_page(make_pdf(["Uma página."]), 4)
    with pytest.raises(PageImageError) as two:
        render_page(make_pdf(["Uma página.", "Outra página."]), 4)

    assert str(one.value) == "The PDF has 1 page; page 4 does not exist."
    assert one.value.args[0].in_language("pt") == "O PDF tem 1 página; a página 4 não existe."
    assert str(two.value) == "The PDF has 2 pages; page 4 does not exist."
    assert two.value.args[0].in_language("pt") == "O PDF tem 2 páginas; a página 4 não existe."


def test_pages_render_from_several_threads_at_once(notes_pdf: Path):
    # Streamlit serves each browser session on its own thread; PDFium must see one caller at a time.
    with ThreadPoolExecutor(max_workers=4) as pool:
        shown = list(pool.map(lambda n: render_page(notes_pdf, n % 5 + 1, "token", width=300), range(8)))

    assert all(s.image.width == 300 for s in shown)


def test_a_page_far_taller_than_wide_is_shown_at_a_bounded_size():
    import io

    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    document.new_page(100, 14_400)  # a strip 144 times taller than wide: 144,000 pixels tall at width 1000
    buffer = io.BytesIO()
    document.save(buffer)

    shown = render_page(buffer.getvalue(), 1, width=1000)

    assert shown.image.size[1] <= 4000
