"""Word, Markdown, text and HTML files dropped on the browser app: accepted, reported by sections, cited by file
and section, and shown without a page image (they have none)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rag.documents.document import Section
from rag.documents.formats import SUPPORTED_SUFFIXES
from rag.search.retrieval import Source
from tests.documents import bad_documents, good_documents
from ui.answers import passages_markdown
from ui.export import conversation_markdown
from ui.state import Turn

APP = Path(__file__).resolve().parent.parent / "app.py"

pytestmark = pytest.mark.usefixtures("fake_app_env")


def run(target) -> AppTest:
    at = target.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_upload_box_takes_every_supported_kind_and_reports_sections():
    at = run(AppTest.from_file(str(APP), default_timeout=120))
    uploader = at.file_uploader(key="uploader")
    assert {f".{t.lstrip('.')}" for t in uploader.allowed_type} == set(SUPPORTED_SUFFIXES)
    files = [(name, data, "application/octet-stream") for name, data in good_documents().items()]
    data, _ = bad_documents()["foto-renomeada.txt"]

    run(uploader.set_value([*files, ("foto-renomeada.txt", data, "text/plain")]))

    successes = [e.value for e in at.sidebar.success]
    assert "guia.md: indexado (3 seções, 3 trechos)" in successes and len(successes) == 4
    (error,) = [e.value for e in at.sidebar.error]
    assert error == (
        "foto-renomeada.txt: recusado: não é um arquivo de texto: contém dados binários (uma imagem ou um programa "
        "renomeado?)."
    )
    assert any(m.value.endswith("3 seções · 3 trechos") for m in at.sidebar.markdown)


def test_a_section_source_names_its_heading_and_has_no_page_toggle():
    at = run(AppTest.from_file(str(APP), default_timeout=120))
    guide = good_documents()["guia.md"]
    run(at.file_uploader(key="uploader").set_value([("guia.md", guide, "text/markdown")]))

    run(at.chat_input(key="question").set_value("Como instalar com o script de configuração?"))

    reply = at.chat_message[-1]
    assert reply.expander[0].label == "[1] guia.md, § Instalação (linhas 8–16)"
    assert not reply.expander[0].get("toggle")  # no page image to show


def test_search_only_replies_and_the_export_cite_the_section():
    section = Source(1, "guia.md", 2, "Para instalar, rode o script.", 0.5, section=Section("Instalação", 8, 16))
    page = Source(2, "notas.pdf", 3, "Outro trecho.", 0.4)

    assert passages_markdown([section, page], "pt").split("\n\n") == [
        "**[1]** Para instalar, rode o script. *(guia.md, § Instalação (linhas 8–16))*",
        "**[2]** Outro trecho. *(notas.pdf, p. 3)*",
    ]
    turns = [Turn("user", "Como instalar?"), Turn("assistant", "Rode o script [1].", sources=[section, page])]
    exported = conversation_markdown(turns, "default", "en")
    assert "**\\[1\\] guia.md, § Instalação (lines 8–16)**" in exported  # the file's heading, the reader's words
    assert "**\\[2\\] notas.pdf, p. 3**" in exported
