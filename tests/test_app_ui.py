"""The app's Streamlit-free helpers (ui/): words, history, uploads from memory, model choice, Markdown export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from config.settings import Settings
from i18n import counted, text
from rag.core import Conversa, Transcript
from rag.index.embeddings import EmbeddingModel
from rag.index.ingest import FileReport
from rag.search.excerpt import excerpt
from rag.search.retrieval import SearchResult, Source
from tests.llm_servers import closed_port_url, isolate_llm_env
from tests.pdfs import make_pdf
from ui.answers import chat_model_for, passages_markdown, redacted_traceback, settle_turn
from ui.export import conversation_markdown, escape_markdown
from ui.state import ModelChoice, Turn, UploadRecord, history_for
from ui.uploads import report_line

SOURCE = Source(1, "notas.pdf", 2, "O *token* EOS encerra a sequência; custa $5.", 0.8)


@pytest.fixture(autouse=True)
def _no_llm_env(monkeypatch, tmp_path):
    isolate_llm_env(monkeypatch, tmp_path)


def test_an_unknown_language_falls_back_to_english_and_counts_agree():
    assert text("clear_chat", "de") == "Clear conversation"
    assert counted(1, "pages", "pt") == "1 página" and counted(5, "passages", "en") == "5 passages"


def test_search_only_replies_are_not_sent_back_as_history():
    turns = [
        Turn("user", "O que é EOS?"),
        Turn("assistant", "**[1]** trecho", notice="Ollama is not running"),
        Turn("user", "E depois?"),
        Turn("assistant", "Depois vem a decodificação [1]."),
    ]

    assert history_for(turns) == [
        {"role": "user", "content": "O que é EOS?"},
        {"role": "user", "content": "E depois?"},
        {"role": "assistant", "content": "Depois vem a decodificação [1]."},
    ]


def test_a_search_only_turn_lists_the_passages_with_their_citations():
    transcript = Transcript(search=SearchResult("q", "q", [SOURCE], covered=False))
    turn = Turn("assistant", "", notice="Ollama is not running at http://x: start it with `ollama serve`.")

    settle_turn(turn, transcript, "pt")

    assert turn.search_only and turn.covered is False and turn.sources == [SOURCE]
    assert turn.content == r"**[1]** O \*token\* EOS encerra a sequência; custa \$5. *(notas.pdf, p. 2)*"
    assert passages_markdown([], "en") == "No passages found."
    assert excerpt("palavra " * 100, "", 30).endswith("palavra…")


def test_a_search_only_passage_shows_the_sentence_that_matched_in_full():
    """The fact asked for sits past the first 300 characters of the passage: it is shown, not cut off."""
    passage = "Introdução longa sobre modelos de linguagem e seus usos. " * 8 + (
        "Um estudo revelou que o ChatGPT pode consumir 1 litro de água a cada 100 palavras geradas. "
        "Outros estudos tratam de energia."
    )
    shown = excerpt(passage, "Quanta água o ChatGPT gasta?")
    assert shown == "…Um estudo revelou que o ChatGPT pode consumir 1 litro de água a cada 100 palavras geradas.…"


def test_the_export_holds_questions_answers_and_their_sources_but_no_key():
    choice = ModelChoice("groq", "llama-3.1-8b-instant", 0.1, api_key="gsk_secret_value_123")
    turns = [
        Turn("user", "O que é EOS?"),
        Turn("assistant", "EOS encerra a sequência [1].", sources=[SOURCE], collection="default"),
        Turn("user", "E depois?"),
        Turn("assistant", "Depois", sources=[SOURCE], error="The connection was interrupted.", interrupted=True),
        Turn("assistant", "**[1]** trecho", sources=[SOURCE], notice="Groq needs GROQ_API_KEY.", covered=False),
    ]

    exported = conversation_markdown(turns, "default", "pt", now=datetime(2025, 3, 1, 14, 30))

    assert exported.startswith("# Conversa sobre a coleção default\n\nExportada em 2025-03-01 14:30.")
    assert "## Você\n\nO que é EOS?" in exported
    assert "## Conversa\n\nEOS encerra a sequência [1]." in exported
    assert "**\\[1\\] notas.pdf, p. 2**\n\n> O *token* EOS encerra a sequência; custa $5." in exported
    assert "*(resposta interrompida)* The connection was interrupted." in exported
    assert "*Só busca: estes são os trechos mais relevantes. Para ter respostas escritas: Groq needs" in exported
    assert "*Os documentos não parecem tratar disso.*" in exported
    assert "gsk_secret" not in exported + repr(choice)
    assert conversation_markdown([], "x", "en").count("(empty conversation)") == 1


def test_markdown_specials_in_a_passage_are_shown_literally():
    assert escape_markdown("# [1] *a* $x$ <b>") == r"\# \[1\] \*a\* \$x\$ \<b\>"


def test_uploads_in_memory_index_good_files_and_give_reasons_for_bad_ones(tmp_path: Path, e5: EmbeddingModel):
    core = Conversa(Settings(data_dir=tmp_path / "data"), e5)
    good = make_pdf(["Tokens especiais marcam o fim da sequência.", "A decodificação escolhe o próximo token."])
    locked = make_pdf(["Conteúdo guardado."], password="s3nha")
    calls: list[tuple[int, int]] = []

    reports = [
        core.ingest_upload("bom.pdf", good, progress=lambda done, total: calls.append((done, total))),
        core.ingest_upload("vazio.pdf", b""),
        core.ingest_upload("cofre.pdf", locked, password="x"),
    ]

    assert [(r.name, r.status, r.pages) for r in reports] == [
        ("bom.pdf", "added", 2),
        ("vazio.pdf", "rejected", 0),
        ("cofre.pdf", "rejected", 0),
    ]
    assert calls[0] == (0, 2) and calls[-1] == (2, 2)
    assert UploadRecord("id", "default", reports[2]).needs_password
    assert not UploadRecord("id", "default", reports[1]).needs_password
    again = [core.ingest_upload("bom.pdf", good), core.ingest_upload("cofre.pdf", locked, password="s3nha")]
    assert [r.status for r in again] == ["unchanged", "added"]


def test_each_outcome_reads_as_one_sentence_with_a_tone():
    assert report_line(FileReport("a.pdf", "added", 1, 3, 3), "pt") == (
        "success",
        "a.pdf: indexado (1 página, 3 trechos)",
    )
    assert report_line(FileReport("a.pdf", "unchanged", 5, 10), "en") == (
        "info",
        "a.pdf: already indexed (5 pages, 10 passages)",
    )
    assert report_line(FileReport("b.pdf", "rejected", reason="is an empty file (0 bytes)."), "en") == (
        "error",
        "b.pdf: rejected: is an empty file (0 bytes).",
    )
    tone, line = report_line(FileReport("c.pdf", "added", 2, 2, 2, warnings=("page 2 has no text",)), "en")
    assert tone == "warning" and line.endswith("(page 2 has no text)")


def test_the_fake_provider_gives_a_model_and_an_unusable_one_gives_the_reason():
    model, notice = chat_model_for(ModelChoice("fake", None, 0.1), Settings(allow_fake=True))
    assert model is not None and notice is None

    model, notice = chat_model_for(ModelChoice("groq", None, 0.1), Settings())
    assert model is None and "GROQ_API_KEY" in (notice or "")

    model, notice = chat_model_for(ModelChoice("ollama", None, 0.1), Settings(ollama_base_url=closed_port_url()))
    assert model is None and "ollama serve" in (notice or "")


def test_a_failure_is_logged_with_its_traceback_but_without_the_key():
    try:
        raise ConnectionError("server said: bad key gsk_secret_value_123")
    except ConnectionError as exc:
        logged = redacted_traceback(exc, [None, "gsk_secret_value_123"])

    assert "Traceback" in logged and "ConnectionError" in logged
    assert "gsk_secret" not in logged and "[key hidden]" in logged
