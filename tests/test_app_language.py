"""Sentences that come from rag/ and llm/ appear in the interface's language, whole, with nothing left in English."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.llm_servers import closed_port_url
from tests.pdfs import make_pdf

APP = Path(__file__).resolve().parent.parent / "app.py"


pytestmark = pytest.mark.usefixtures("fake_app_env")


def start(language: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["language"] = language
    return run(at)


def run(target) -> AppTest:
    at = target.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(node, kind: str) -> list[str]:
    return [e.value for e in getattr(node, kind)]


def index_one_document(at: AppTest) -> None:
    passage = "Tokens são pedaços de texto que o modelo de linguagem lê e escreve, um de cada vez, ao decodificar."
    run(at.file_uploader(key="uploader").set_value([("notas.pdf", make_pdf([passage]), "application/pdf")]))


LOCKED = make_pdf(["Um documento cofre sobre tokens."], password="s3nha")
REJECTED = {
    "pt": [
        "cofre.pdf: recusado: está protegido por senha: informe a senha para indexá-lo.",
        "vazio.pdf: recusado: é um arquivo vazio (0 bytes).",
        "foto.pdf: recusado: não é um PDF (é uma imagem PNG).",
    ],
    "en": [
        "cofre.pdf: rejected: is password-protected: give its password to index it.",
        "vazio.pdf: rejected: is an empty file (0 bytes).",
        "foto.pdf: rejected: is not a PDF (it is a PNG image).",
    ],
}


@pytest.mark.parametrize("language", ["pt", "en"])
def test_a_rejected_pdf_gives_its_reason_in_the_interface_language(language):
    at = start(language)
    files = [("cofre.pdf", LOCKED), ("vazio.pdf", b""), ("foto.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 64)]

    run(at.file_uploader(key="uploader").set_value([(name, data, "application/pdf") for name, data in files]))

    assert texts(at.sidebar, "error") == REJECTED[language]


def test_switching_language_redraws_an_earlier_rejection_and_a_wrong_password():
    at = start("pt")
    run(at.file_uploader(key="uploader").set_value([("cofre.pdf", LOCKED, "application/pdf")]))
    at.text_input(key="password::cofre.pdf").input("errada")
    run(at.button(key="unlock_button::cofre.pdf").click())
    assert texts(at.sidebar, "error") == [
        "cofre.pdf: recusado: está protegido por senha e a senha informada está errada."
    ]

    run(at.radio(key="language").set_value("en"))

    assert texts(at.sidebar, "error") == ["cofre.pdf: rejected: is password-protected and the password given is wrong."]


OLLAMA_DOWN = {
    "pt": "O Ollama não está rodando em {url}: inicie-o com `ollama serve`.",
    "en": "Ollama is not running at {url}: start it with `ollama serve`.",
}
SEARCH_ONLY = {
    "pt": "Só busca: estes são os trechos mais relevantes. Para ter respostas escritas: ",
    "en": "Search only: these are the most relevant passages. For written answers: ",
}


@pytest.mark.parametrize("language", ["pt", "en"])
def test_ollama_down_is_said_in_the_interface_language_in_the_sidebar_and_the_reply(language, monkeypatch):
    url = closed_port_url()
    monkeypatch.setenv("OLLAMA_BASE_URL", url)
    at = start(language)
    index_one_document(at)
    run(at.selectbox(key="provider").set_value("ollama"))
    sentence = OLLAMA_DOWN[language].format(url=url)
    assert [c for c in texts(at.sidebar, "caption") if "ollama serve" in c] == [f":material/warning: {sentence}"]

    run(at.chat_input(key="question").set_value("O que são tokens?"))

    assert texts(at.chat_message[-1], "info") == [SEARCH_ONLY[language] + sentence]


GROQ_WITHOUT_KEY = {
    "pt": "O Groq precisa de GROQ_API_KEY: coloque-a no .env (veja o .env.example) ou cole-a na barra lateral.",
    "en": "Groq needs GROQ_API_KEY: put it in .env (see .env.example) or paste it in the sidebar.",
}


@pytest.mark.parametrize("language", ["pt", "en"])
def test_groq_without_a_key_is_said_in_the_interface_language(language):
    at = start(language)
    index_one_document(at)
    run(at.selectbox(key="provider").set_value("groq"))
    assert f":material/warning: {GROQ_WITHOUT_KEY[language]}" in texts(at.sidebar, "caption")

    run(at.chat_input(key="question").set_value("O que são tokens?"))

    assert texts(at.chat_message[-1], "info") == [SEARCH_ONLY[language] + GROQ_WITHOUT_KEY[language]]


def test_a_typed_key_is_used_and_its_failure_told_in_portuguese_without_the_key(monkeypatch):
    secret = "gsk_test_0123456789abcdef"
    monkeypatch.setenv("GROQ_BASE_URL", closed_port_url())
    at = start("pt")
    index_one_document(at)
    run(at.selectbox(key="provider").set_value("groq"))
    run(at.text_input(key="api_key_groq").input(secret))
    assert ":material/check_circle: Groq pronto para usar (chave de API definida; ela é conferida na primeira " in (
        "\n".join(texts(at.sidebar, "caption"))
    )

    run(at.chat_input(key="question").set_value("O que são tokens?"))

    (error,) = texts(at.chat_message[-1], "error")
    assert error == (
        "Não foi possível escrever a resposta: Sem conexão com o Groq: verifique a conexão com a internet e tente "
        "de novo."
    )
    shown = "\n".join(texts(at.sidebar, "caption") + texts(at.main, "error") + texts(at.main, "info"))
    assert secret not in shown


def test_an_unreachable_qdrant_server_is_said_in_portuguese(monkeypatch):
    url = closed_port_url()
    monkeypatch.setenv("CONVERSA_VECTOR_STORE", "qdrant")
    monkeypatch.setenv("QDRANT_URL", url)

    at = start("pt")

    assert texts(at.sidebar, "error") == [
        f"O Qdrant não está acessível em {url}: inicie-o (por exemplo `docker run -p 6333:6333 qdrant/qdrant`), "
        "confira QDRANT_URL ou defina CONVERSA_VECTOR_STORE=faiss."
    ]


def test_an_invalid_collection_name_is_refused_in_portuguese():
    at = start("pt")
    run(at.text_input(key="new_collection").input("../fora"))
    run(at.button(key="create_collection").click())

    assert texts(at.sidebar, "error") == [
        "Nome de coleção inválido '../fora': use letras, números, '-', '_' ou '.', até 64 caracteres."
    ]
