"""Dropping PDFs on the browser app (AppTest drives the real st.file_uploader): progress, results, passwords."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.llm_servers import closed_port_url
from tests.pdfs import NOTES, bad_pdfs, make_pdf, study_notes

APP = Path(__file__).resolve().parent.parent / "app.py"
PDF = NOTES
BAD = ["vazio.pdf", "imagem-png-renomeada.pdf", "truncado-metade.pdf", "escaneado-sem-texto.pdf"]


pytestmark = pytest.mark.usefixtures("fake_app_env")


def run(target) -> AppTest:
    """Run the app (from an AppTest, or from a widget just set); no traceback may reach the page."""
    at = target.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def pdf(name: str, data: bytes) -> tuple[str, bytes, str]:
    return (name, data, "application/pdf")


def sidebar_lines(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in getattr(at.sidebar, kind)]


def test_dropped_pdfs_show_progress_then_pages_and_chunks_or_the_reason():
    at = run(AppTest.from_file(str(APP), default_timeout=120))
    files = [pdf(PDF, study_notes())] + [pdf(name, bad_pdfs()[name]) for name in BAD]

    run(at.file_uploader(key="uploader").set_value(files))

    # Each file's progress bar is cleared once its report line is there: no finished bar lingers beside it.
    assert not at.sidebar.get("progress")
    assert sidebar_lines(at, "success") == [f"{PDF}: indexado (5 páginas, 6 trechos)"]
    rejected = sidebar_lines(at, "error")
    assert [line.split(":")[0] for line in rejected] == BAD
    assert all(len(line.split(": recusado: ", 1)[1]) > 10 for line in rejected)
    assert "5 páginas · 6 trechos" in [m.value.split("  \n")[-1] for m in at.sidebar.markdown]

    # A rerun (any click) neither reads nor embeds the files again, and keeps showing what happened.
    run(at)
    assert not at.sidebar.get("progress")
    assert sidebar_lines(at, "success") == [f"{PDF}: indexado (5 páginas, 6 trechos)"]

    # The same file dropped again is recognised by its content.
    run(at.file_uploader(key="uploader").set_value([pdf(PDF, study_notes())]))
    assert sidebar_lines(at, "info")[-1] == f"{PDF}: já estava indexado (5 páginas, 6 trechos)"


def test_an_encrypted_pdf_asks_for_its_password_and_then_indexes():
    locked = make_pdf(["Um documento cofre sobre tokens e decodificação de modelos de linguagem."], password="s3nha")
    at = run(AppTest.from_file(str(APP), default_timeout=60))
    aes = bad_pdfs()["protegido-senha.pdf"]

    run(at.file_uploader(key="uploader").set_value([pdf("cofre.pdf", locked), pdf("protegido-senha.pdf", aes)]))

    assert [line.split(":")[0] for line in sidebar_lines(at, "error")] == ["cofre.pdf", "protegido-senha.pdf"]
    field = at.text_input(key="password::cofre.pdf")
    assert field.proto.type == field.proto.PASSWORD
    assert at.text_input(key="password::protegido-senha.pdf").label == "Senha de protegido-senha.pdf"

    # Typing and pressing the form's button is one run, as in the browser.
    at.text_input(key="password::cofre.pdf").input("errada")
    run(at.button(key="unlock_button::cofre.pdf").click())
    assert sidebar_lines(at, "error")[0].startswith("cofre.pdf: recusado: ")
    assert at.text_input(key="password::cofre.pdf")  # still asking

    at.text_input(key="password::cofre.pdf").input("s3nha")
    run(at.button(key="unlock_button::cofre.pdf").click())
    assert sidebar_lines(at, "success") == ["cofre.pdf: indexado (1 página, 1 trecho)"]
    assert not [w for w in at.text_input if w.key == "password::cofre.pdf"]

    # Its cited page can be shown: the password is remembered for this session.
    run(at.chat_input(key="question").set_value("O que diz o documento cofre?"))
    run(at.toggle(key="page_1_1").set_value(True))
    (image,) = at.chat_message[-1].expander[0].get("image")
    assert image.captions[0] == "cofre.pdf, página 1: o trecho citado está destacado"


def test_on_the_qdrant_store_uploads_index_and_answers_cite_them(monkeypatch, isolated_data_dir: Path):
    monkeypatch.setenv("CONVERSA_VECTOR_STORE", "qdrant")
    at = run(AppTest.from_file(str(APP), default_timeout=120))

    run(at.file_uploader(key="uploader").set_value([pdf(PDF, study_notes())]))
    assert sidebar_lines(at, "success") == [f"{PDF}: indexado (5 páginas, 6 trechos)"]
    run(at.chat_input(key="question").set_value("O que acontece durante um loop de decodificação?"))
    reply = at.chat_message[-1]
    assert reply.status[0].label == "Busca concluída: 5 trechos"
    assert [e.label.split(", p. ")[0] for e in reply.expander] == [f"[{i}] {PDF}" for i in range(1, 6)]
    assert (isolated_data_dir / ".qdrant").is_dir() and not (isolated_data_dir / "default").exists()


def test_an_unreachable_qdrant_server_is_one_sentence_in_the_sidebar(monkeypatch):
    url = closed_port_url()
    monkeypatch.setenv("CONVERSA_VECTOR_STORE", "qdrant")
    monkeypatch.setenv("QDRANT_URL", url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["language"] = "en"  # the sentence asserted is the English one
    run(at)
    assert any(f"Qdrant is not reachable at {url}" in line for line in sidebar_lines(at, "error"))


def test_the_upload_limit_setting_rejects_a_larger_file(monkeypatch):
    monkeypatch.setenv("CONVERSA_MAX_UPLOAD_MB", "0.001")  # about 1 KB
    at = run(AppTest.from_file(str(APP), default_timeout=60))

    run(at.file_uploader(key="uploader").set_value([pdf("grande.pdf", make_pdf(["x " * 2_000]))]))

    (line,) = sidebar_lines(at, "error")
    assert line.startswith("grande.pdf: recusado: ") and "(CONVERSA_MAX_UPLOAD_MB)" in line


def test_a_dropped_scan_is_read_by_ocr_and_the_report_says_so():
    from tests.scans import ENGLISH, PORTUGUESE, scan_pdf

    pytest.importorskip("rapidocr")
    at = run(AppTest.from_file(str(APP), default_timeout=120))

    run(at.file_uploader(key="uploader").set_value([pdf("edital.pdf", scan_pdf([PORTUGUESE, ENGLISH]))]))

    assert not at.sidebar.get("progress")
    assert sidebar_lines(at, "success") == [
        "edital.pdf: indexado (2 páginas, 2 trechos) · 2 páginas reconhecidas por OCR"
    ]
