"""Word, Markdown, text and HTML files read into sections a citation can point at, and each bad input refused
with its own sentence."""

from __future__ import annotations

import codecs

import pytest

from rag.documents.document import DocumentError, Section
from rag.documents.formats import SUPPORTED_SUFFIXES, detect_format
from rag.documents.loading import load_document
from rag.documents.sections import MAX_SECTION_CHARS
from rag.index.types import chunk_from_record, chunk_record
from rag.search.retrieval import Source, cited_location
from tests.documents import GUIDE_MD, bad_documents, contract_docx, good_documents
from tests.pdfs import make_pdf


def sections(name: str, data: bytes) -> list[tuple[str | None, int, int]]:
    document = load_document(data, name)
    return [(p.section.heading, p.section.first, p.section.last) for p in document.pages if p.section]


def test_markdown_sections_follow_headings_outside_code_and_front_matter():
    document = load_document(GUIDE_MD.encode(), "guia.md")

    assert document.format == "markdown" and document.page_count == len(document.pages) == 3
    assert [p.number for p in document.pages] == [1, 2, 3]
    assert sections("guia.md", GUIDE_MD.encode()) == [
        ("Guia do Conversa", 4, 6),
        ("Instalação", 8, 16),
        ("Uso diário", 18, 21),
    ]
    assert "title:" not in document.pages[0].text
    assert "# não é um título" in document.pages[1].text  # a comment in a code block stays in its section


def test_each_section_line_range_holds_its_text():
    lines = GUIDE_MD.split("\n")
    for page in load_document(GUIDE_MD.encode(), "guia.md").pages:
        assert page.section is not None
        shown = "\n".join(lines[page.section.first - 1 : page.section.last])
        assert all(line.strip("`# -") in shown for line in page.text.splitlines())


def test_a_long_section_is_cut_between_paragraphs_under_its_heading():
    paragraph = "Uma frase sobre o assunto do capítulo, repetida para encher a seção. " * 8
    text = "# Capítulo longo\n\n" + "\n\n".join(paragraph for _ in range(40))
    document = load_document(text.encode(), "longo.md")

    assert len(document.pages) > 5
    assert all(p.section and p.section.heading == "Capítulo longo" for p in document.pages)
    assert all(len(p.text) <= MAX_SECTION_CHARS for p in document.pages)
    ranges = [(p.section.first, p.section.last) for p in document.pages if p.section]
    assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False))  # in order, never overlapping


def test_a_text_without_blank_lines_is_still_cut_into_findable_line_ranges():
    lines = [f"Linha {n} de um registro sem linhas em branco entre os eventos." for n in range(1, 2001)]
    document = load_document("\n".join(lines).encode(), "registro.txt")

    ranges = [(p.section.first, p.section.last) for p in document.pages if p.section]
    assert len(ranges) > 20 and ranges[0][0] == 1 and ranges[-1][1] == 2000
    assert all(a[1] + 1 == b[0] for a, b in zip(ranges, ranges[1:], strict=False))  # every line in one range
    assert all(len(p.text) <= MAX_SECTION_CHARS for p in document.pages)
    first = document.pages[0]
    assert first.text.splitlines() == lines[first.section.first - 1 : first.section.last]


def test_word_sections_follow_heading_styles_and_keep_tables_as_rows():
    document = load_document(contract_docx(), "contrato.docx")

    assert document.format == "docx"
    assert [p.section for p in document.pages] == [
        Section("Contrato de locação", 1, 2, "paragraphs"),
        Section("Cláusula de reajuste", 3, 4, "paragraphs"),
        Section("Cláusula de rescisão", 5, 8, "paragraphs"),
    ]
    assert "Maria | Locadora" in document.pages[-1].text


def test_text_in_cp1252_or_with_a_bom_reads_with_its_accents():
    text = "Ação e coração\n\nsegundo parágrafo"
    for data in (
        text.encode("cp1252"),
        codecs.BOM_UTF8 + text.encode(),
        codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    ):
        document = load_document(data, "notas.txt")
        assert document.pages[0].text.startswith("Ação e coração")
        assert document.pages[0].section == Section(None, 1, 3)


def test_html_keeps_the_visible_text_only():
    data = good_documents()["privacidade.html"]
    document = load_document(data, "privacidade.html")
    text = "\n".join(p.text for p in document.pages)

    assert "ornitorrinco" not in text  # script and style
    assert "Coletamos apenas o endereço de e-mail informado no cadastro." in text
    assert sections("privacidade.html", data) == [("Dados coletados", 4, 10), ("Retenção", 11, 13)]


def test_html_without_closing_head_or_body_tags_still_shows_its_text():
    data = b"<html><head><title>Notas</title><meta charset=utf-8><p>Texto do corpo sem tag body.</p>"
    assert load_document(data, "notas.htm").pages[0].text == "Notas\n\nTexto do corpo sem tag body."


def test_a_pdf_is_read_as_a_pdf_whatever_its_name():
    pdf = make_pdf(["Um PDF com o nome errado."])
    assert detect_format(pdf, "notas.txt") == "pdf"
    assert load_document(pdf, "notas.txt").format == "pdf"
    assert detect_format(contract_docx(), "contrato.bin") == "docx"


@pytest.mark.parametrize("name", sorted(bad_documents()))
def test_each_bad_input_is_one_sentence_in_both_languages(name: str):
    data, code = bad_documents()[name]
    with pytest.raises(DocumentError) as caught:
        load_document(data, name)
    reason = caught.value.reason
    assert reason.code == code
    for sentence in (str(reason), reason.in_language("pt")):
        assert sentence.endswith(".") and sentence.count(". ") == 0, sentence


def test_an_unsupported_suffix_names_the_supported_ones():
    with pytest.raises(DocumentError) as caught:
        load_document(b"PK\x03\x04 not really", "planilha.xlsx")
    assert all(suffix in caught.value.reason for suffix in SUPPORTED_SUFFIXES)
    assert "(.xlsx)" in caught.value.reason


def test_a_citation_names_the_section_where_there_are_no_pages():
    def where(section: Section | None, language: str) -> str:
        return cited_location(Source(1, "guia.md", 2, "texto", 0.5, section=section), language)

    assert where(Section("Instalação", 12, 40), "pt") == "§ Instalação (linhas 12–40)"
    assert where(Section("Installation", 12, 40), "en") == "§ Installation (lines 12–40)"
    assert where(Section(None, 3, 3), "en") == "line 3"
    assert where(Section("Cláusula", 3, 4, "paragraphs"), "pt") == "§ Cláusula (parágrafos 3–4)"
    assert where(None, "pt") == "p. 2"


def test_a_word_file_that_unpacks_past_the_limit_is_refused_before_unpacking(monkeypatch: pytest.MonkeyPatch):
    from rag.documents import word

    monkeypatch.setattr(word, "MAX_UNPACKED_MB", 0.01)  # 10 KB: the contract unpacks to more
    with pytest.raises(DocumentError) as caught:
        load_document(contract_docx(), "contrato.docx")
    assert caught.value.code == "too_large"
    assert str(caught.value.reason) == "unpacks to more than 0.01 MB: it may be damaged or built to fill memory."


@pytest.mark.parametrize(
    "section",
    [
        "§ Instalação",
        {"heading": 7, "first": 1, "last": 2, "unit": "lines"},
        {"heading": None, "first": 0, "last": 2, "unit": "lines"},
        {"heading": None, "first": 1, "last": 2, "unit": "pages"},
    ],
)
def test_a_stored_chunk_with_a_malformed_section_is_refused(section: object):
    record = {"doc": "guia.md", "page": 1, "text": "texto", "label": None}
    stored = {"heading": "A", "first": 1, "last": 2, "unit": "paragraphs"}
    assert chunk_record(chunk_from_record(record | {"section": stored}))["section"] == stored
    with pytest.raises(ValueError):
        chunk_from_record(record | {"section": section})
