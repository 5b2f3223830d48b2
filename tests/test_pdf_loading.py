"""Loading PDFs: pages, cleaning, and one clear reason for every way a file can fail."""

from __future__ import annotations

import pytest

from rag.documents.cleaning import clean_pages, normalize_for_match
from rag.documents.document import DocumentError
from rag.documents.pdf import load_pdf
from tests.pdfs import BAD_PASSWORD, NOTES, NOTES_PAGES, make_pdf

BAD_FILES = {
    "escaneado-sem-texto.pdf": ("no_text_layer", "OCR"),
    "imagem-png-renomeada.pdf": ("not_pdf", "PNG"),
    "pagina-em-branco.pdf": ("no_text", "no text"),
    "protegido-senha.pdf": ("encrypted", "password"),
    "truncado-metade.pdf": ("corrupt", "damaged"),
    "vazio.pdf": ("empty_file", "empty"),
}


@pytest.mark.parametrize(("name", "expected"), sorted(BAD_FILES.items()))
def test_each_bad_file_is_rejected_with_its_own_reason(bad_pdfs_dir, name, expected):
    code, words = expected
    with pytest.raises(DocumentError) as caught:
        load_pdf(bad_pdfs_dir / name)
    assert caught.value.code == code
    assert words in caught.value.reason
    assert caught.value.name == name


def test_encrypted_pdf_opens_with_its_password_and_a_wrong_one_says_so(bad_pdfs_dir):
    document = load_pdf(bad_pdfs_dir / "protegido-senha.pdf", password=BAD_PASSWORD)
    assert document.page_count == 5 and [p.text for p in document.pages] == NOTES_PAGES
    with pytest.raises(DocumentError) as caught:
        load_pdf(bad_pdfs_dir / "protegido-senha.pdf", password="errada")
    assert caught.value.code == "wrong_password"


def test_pages_are_numbered_from_one_and_keep_the_file_name(notes_pdf):
    document = load_pdf(notes_pdf)
    assert document.name == NOTES
    assert [p.number for p in document.pages] == [1, 2, 3, 4, 5]
    assert len(document.sha256) == 64


def test_uploaded_bytes_load_like_a_file():
    document = load_pdf(make_pdf(["Primeira página.", "Segunda página."]), name="upload.pdf")
    assert document.name == "upload.pdf"
    assert [p.text for p in document.pages] == ["Primeira página.", "Segunda página."]


def test_running_footer_is_dropped_from_every_page():
    topics = ["tokens", "decodificação", "temperatura", "agentes", "quantização"]
    pages = [f"Esta página trata de {topic}." for topic in topics]
    document = load_pdf(make_pdf(pages, footer="apostila.pdf - página {n} de 5"))
    assert [p.text for p in document.pages] == pages


def test_the_notes_footer_does_not_reach_the_text(notes_pdf):
    document = load_pdf(notes_pdf)
    assert [p.text for p in document.pages] == NOTES_PAGES  # no "notas-de-estudo.pdf - página N de 5"


def test_line_end_hyphens_are_rejoined_and_whitespace_collapsed():
    cleaned = clean_pages(["decodifi-\ncação   gulosa\n\n é  simples"])
    assert cleaned == ["decodificação gulosa é simples"]


def test_a_repeated_body_line_is_kept_when_it_is_not_at_the_page_edges():
    pages = [f"Topo {n}\nantes {n}\nlinha repetida no meio\ndepois {n}\nfim {n}" for n in range(5)]
    assert all("linha repetida no meio" in page for page in clean_pages(pages))


def test_evidence_matches_cleaned_text_after_normalisation():
    assert normalize_for_match("decodifi- cação  gulosa") == normalize_for_match("decodificação gulosa")


def test_a_page_that_fails_to_extract_is_skipped_and_reported():
    data = make_pdf(["Página boa um.", "Página quebrada.", "Página boa três."])
    calls = iter(range(3))

    def flaky(page):
        if next(calls) == 1:
            raise ValueError("bad content stream")
        return page.extract_text()

    document = load_pdf(data, name="meio-quebrado.pdf", extract=flaky)
    assert [p.number for p in document.pages] == [1, 3]
    assert document.warnings == ["page 2 could not be read (bad content stream)"]


def test_aes_encrypted_pdf_with_password(tmp_path):
    data = make_pdf(["Texto secreto."], password="abc")
    with pytest.raises(DocumentError) as caught:
        load_pdf(data, name="cifrado.pdf")
    assert caught.value.code == "encrypted"
    assert load_pdf(data, name="cifrado.pdf", password="abc").pages[0].text == "Texto secreto."


def _bomb_pages(inflated_mb: int, pages: int, readable_page: bool = False) -> bytes:
    """A PDF whose page contents are a few hundred kB compressed and `inflated_mb` MB once inflated."""
    import io
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    packer = zlib.compressobj(9)
    spaces = b" " * (1 << 20)
    data = packer.compress(b"BT /F1 12 Tf 10 100 Td (Ola mundo) Tj ET\n")
    data += b"".join(packer.compress(spaces) for _ in range(inflated_mb)) + packer.flush()
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for index in range(pages):
        page = writer.add_blank_page(200, 200)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        stream = StreamObject()
        small = readable_page and index == 0
        stream._data = zlib.compress(b"BT /F1 12 Tf 10 100 Td (Ola mundo) Tj ET\n") if small else data
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_decompression_bomb_is_refused_for_what_it_is():
    bomb = _bomb_pages(inflated_mb=80, pages=2)
    assert len(bomb) < 1_000_000
    with pytest.raises(DocumentError) as refused:
        load_pdf(bomb, name="bomba.pdf")
    assert refused.value.code == "bomb"
    assert "expand" in refused.value.reason and "75 MB" in refused.value.reason


def test_a_page_that_inflates_past_the_limit_is_skipped_with_its_reason_and_the_rest_is_read():
    document = load_pdf(_bomb_pages(inflated_mb=80, pages=2, readable_page=True), name="meia-bomba.pdf")
    assert [page.number for page in document.pages] == [1]
    assert document.warnings and "page 2" in document.warnings[0] and "75 MB" in document.warnings[0]
