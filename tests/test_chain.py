"""The history-aware answer through the core: standalone question before retrieval, streamed answer, sources
alongside, and every failure turned into one sentence."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from config.settings import Settings
from rag.answer.chain import format_sources
from rag.core import Conversa, Done, Failed, Searching, SourcesFound, Token, Transcript
from rag.index.ingest import ingest_file
from rag.search.coverage import reference_questions
from rag.search.retrieval import Source
from tests.fakes import RecordingChatModel
from tests.pdfs import make_pdf

OLLAMA = (
    "Como instalar o Ollama: baixe o instalador no site oficial e execute-o no seu computador. "
    "Depois de instalar o Ollama, rode ollama pull com o nome do modelo para baixar os pesos e "
    "então ollama run para conversar com ele."
)
GARDEN = (
    "Jardinagem para iniciantes: o que fazer depois de plantar as sementes? Depois disso, regue "
    "o canteiro todas as manhãs e espere as mudas crescerem."
)
HISTORY = [
    {"role": "user", "content": "Como eu instalo o Ollama no meu computador?"},
    {"role": "assistant", "content": "Baixe o instalador no site oficial e execute-o [1]."},
]


@pytest.fixture(scope="module")
def core(tmp_path_factory, e5) -> Conversa:
    settings = Settings(data_dir=tmp_path_factory.mktemp("chain"), collection="kb", chunk_tokens=96, chunk_overlap=0)
    conversa = Conversa(settings, e5)
    ingest_file(conversa.collection(), make_pdf([OLLAMA, GARDEN]), name="guia.pdf")
    return conversa


@pytest.fixture
def collection(core):
    return core.collection()


def answer(core: Conversa, question: str, history=(), model=None, **options) -> Transcript:
    return Transcript.of(core.answer(question, history, chat_model=model, **options))


def searched_queries(core: Conversa, monkeypatch) -> list[str]:
    """Records every query the collection is searched with for a question (not the reference questions its coverage
    calibration ranks once, rag/search/coverage.py)."""
    seen: list[str] = []
    kb = core.collection()
    real = kb.rank
    references = set(reference_questions())

    def rank(queries, n, lexical=True):
        seen.extend(query for query, _ in queries if query not in references)
        return real(queries, n, lexical)

    monkeypatch.setattr(kb, "rank", rank)
    return seen


def test_a_raw_follow_up_retrieves_an_unrelated_passage(collection):
    """The failure the course shows: without history, "what next?" matches any text about next steps."""
    hits = collection.search("O que fazer depois?", 1)
    assert hits[0].chunk.page == 2


def test_follow_up_is_rewritten_before_retrieval(core, monkeypatch):
    seen = searched_queries(core, monkeypatch)
    rewritten = "O que fazer depois de instalar o Ollama?"
    model = RecordingChatModel(replies=[rewritten, "Rode ollama pull [1]."])
    result = answer(core, "O que fazer depois?", HISTORY, model, k=1, follow_up="llm")
    assert result.text == "Rode ollama pull [1]."
    assert seen == [rewritten]
    assert result.search.search_query == rewritten
    assert result.search.sources[0].page == 1
    rewrite_prompt = model.calls[0]
    assert isinstance(rewrite_prompt[0], SystemMessage)
    assert rewrite_prompt[-1].content == "O que fazer depois?"
    assert any("Como eu instalo o Ollama" in m.content for m in rewrite_prompt)


def test_follow_up_without_an_llm_call_combines_earlier_user_turns(core, monkeypatch):
    seen = searched_queries(core, monkeypatch)
    model = RecordingChatModel(replies=["Rode ollama pull [1]."])
    result = answer(core, "O que fazer depois?", HISTORY, model, k=1, follow_up="concat")
    assert seen == ["Como eu instalo o Ollama no meu computador? O que fazer depois?"]
    assert result.search.sources[0].page == 1
    assert len(model.calls) == 1  # the answer only: no rewrite call


def test_a_failing_rewrite_falls_back_to_the_no_llm_query(core, monkeypatch):
    class BrokenRewrite(RecordingChatModel):
        def _stream(self, messages, stop=None, run_manager=None, **kwargs):
            if len(self.calls) == 0:
                self.calls.append(messages)
                raise ConnectionError("down")
            yield from super()._stream(messages, stop, run_manager, **kwargs)

    seen = searched_queries(core, monkeypatch)
    answer(core, "O que fazer depois?", HISTORY, BrokenRewrite(), k=1, follow_up="llm")
    assert seen == ["Como eu instalo o Ollama no meu computador? O que fazer depois?"]


def test_an_empty_rewrite_falls_back_to_the_no_llm_query(core, monkeypatch):
    seen = searched_queries(core, monkeypatch)
    model = RecordingChatModel(replies=["   ", "Rode ollama pull [1]."])
    answer(core, "O que fazer depois?", HISTORY, model, k=1, follow_up="llm")
    assert seen == ["Como eu instalo o Ollama no meu computador? O que fazer depois?"]


def test_the_answer_streams_token_by_token_with_its_numbered_sources(core):
    model = RecordingChatModel(replies=["Baixe o instalador [1] e rode ollama pull [1]."])
    events = list(core.answer("Como instalar o Ollama?", chat_model=model, k=2))
    assert isinstance(events[0], Searching) and isinstance(events[1], SourcesFound)
    assert isinstance(events[-1], Done)
    tokens = [e.text for e in events if isinstance(e, Token)]
    assert len(tokens) > 3 and events[-1].text == "".join(tokens)
    sources = events[1].result.sources
    assert [s.number for s in sources] == [1, 2]
    assert sources[0].doc == "guia.pdf" and sources[0].page == 1
    prompt = model.calls[-1]
    assert isinstance(prompt[0], SystemMessage) and "[1]" in prompt[0].content
    user = prompt[-1].content
    assert "[1] (guia.pdf, p. 1)" in user and "<sources>" in user and "Como instalar o Ollama?" in user


def test_history_reaches_the_answer_prompt(core):
    model = RecordingChatModel()
    answer(core, "O que fazer depois?", HISTORY, model, k=1, follow_up="concat")
    assert [type(m) for m in model.calls[-1]][:2] == [SystemMessage, HumanMessage]
    assert model.calls[-1][1].content == HISTORY[0]["content"]


def test_english_questions_get_the_english_prompt(core):
    model = RecordingChatModel()
    answer(core, "How do I install Ollama?", model=model, k=1)
    assert "Answer in the same language as the question" in model.calls[-1][0].content


def test_an_answer_cut_short_keeps_its_text_and_is_marked_interrupted(core):
    model = RecordingChatModel(replies=["Baixe o instalador no site oficial."], fail_after_tokens=2)
    events = list(core.answer("Como instalar?", chat_model=model, k=1, explain=lambda e: "caiu"))
    assert [e.text for e in events if isinstance(e, Token)] == ["Baixe", " o"]
    assert events[-1] == Failed("caiu", "Baixe o") and events[-1].interrupted
    assert any(isinstance(e, SourcesFound) for e in events)


def test_without_a_model_the_answer_is_the_passages(core):
    events = list(core.answer("Como instalar o Ollama?", k=2))
    assert [type(e) for e in events] == [Searching, SourcesFound, Done]
    assert events[-1].text == "" and events[1].result.sources[0].page == 1


def test_the_model_is_told_when_the_documents_do_not_cover_the_question(tmp_path, e5):
    settings = Settings(data_dir=tmp_path, collection="kb", min_top_cosine=0.99)
    conversa = Conversa(settings, e5)
    ingest_file(conversa.collection(), make_pdf([GARDEN]), name="jardim.pdf")
    model = RecordingChatModel()
    assert answer(conversa, "Quem é o CEO da Hugging Face?", model=model).search.covered is False
    assert "não encontrou trechos" in model.calls[-1][-1].content


def test_sources_are_cut_to_the_context_budget_and_cannot_close_the_block():
    sources = [Source(i, "a.pdf", i, "x" * 100 + "</sources>", 0.5) for i in range(1, 6)]
    block = format_sources(sources, max_chars=300)
    assert block.count("(a.pdf, p.") == 2
    assert "</sources>" not in block


def test_a_failing_search_is_not_blamed_on_the_model(core, monkeypatch):
    def broken(queries, n, lexical=True):
        raise RuntimeError("index unreadable")

    monkeypatch.setattr(core.collection(), "rank", broken)
    events = list(core.answer("Oi?", chat_model=RecordingChatModel(), explain=lambda e: "provider down"))
    assert not any(isinstance(e, Token) for e in events)
    assert events[-1] == Failed("Searching the documents failed (RuntimeError: index unreadable).")
    assert not events[-1].interrupted


def test_a_long_conversation_is_trimmed_to_the_window_oldest_first(core):
    """Fifty turns of long messages: the prompts still fit an 8k window with room for the answer."""
    history = []
    for turn in range(50):
        history.append({"role": "user", "content": f"Pergunta {turn}: " + "como instalar o Ollama? " * 40})
        history.append({"role": "assistant", "content": f"Resposta {turn}: " + "baixe o instalador [1]. " * 40})
    model = RecordingChatModel(replies=["Reescrita: como instalar o Ollama?", "Rode ollama pull [1]."])
    events = list(core.answer("E depois?", history, chat_model=model, follow_up="llm"))
    trimmed = events[0].history_trimmed
    assert isinstance(events[0], Searching) and 0 < trimmed < len(history)
    for prompt in model.calls:  # the rewrite prompt and the answer prompt
        characters = sum(len(str(m.content)) for m in prompt)
        assert characters / 3 + 1024 <= 8192, characters
    rewrite = model.calls[0]
    assert "Resposta 49" in rewrite[-2].content  # the newest turn is kept
    assert not any("Pergunta 0:" in str(m.content) for m in rewrite)  # the oldest is dropped


def test_same_question_and_history_find_the_same_passages_as_search_and_answer(core):
    """The app answers through `answer`, `python -m rag search` through `search`: one query, one result."""
    searched = core.search("O que fazer depois?", HISTORY, k=2)
    answered = answer(core, "O que fazer depois?", HISTORY, RecordingChatModel(), k=2, follow_up="concat")
    assert answered.search == searched
