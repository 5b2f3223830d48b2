"""The history-aware chain: standalone question before retrieval, streamed answer, sources alongside."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from rag.answer.chain import ask, build_chain, format_sources
from rag.index.faiss.collection import Collection
from rag.index.ingest import ingest_file
from rag.search.retrieval import SearchResult, Source, retriever_for
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
def collection(tmp_path_factory, e5):
    kb = Collection.open(tmp_path_factory.mktemp("chain"), "kb", e5, chunk_tokens=96, chunk_overlap=0)
    ingest_file(kb, make_pdf([OLLAMA, GARDEN]), name="guia.pdf")
    return kb


def _recording_retriever(collection, seen):
    inner = retriever_for(collection, 1)

    def retrieve(question, search_query):
        seen.append(search_query)
        return inner(question, search_query)

    return retrieve


def test_a_raw_follow_up_retrieves_an_unrelated_passage(collection):
    """The failure the course shows: without history, "what next?" matches any text about next steps."""
    hits = collection.search("O que fazer depois?", 1)
    assert hits[0].chunk.page == 2


def test_follow_up_is_rewritten_before_retrieval(collection):
    seen: list[str] = []
    rewritten = "O que fazer depois de instalar o Ollama?"
    model = RecordingChatModel(replies=[rewritten, "Rode ollama pull [1]."])
    chain = build_chain(_recording_retriever(collection, seen), model, follow_up="llm")
    answer = ask(chain, "O que fazer depois?", HISTORY)
    assert "".join(answer.tokens()) == "Rode ollama pull [1]."
    assert seen == [rewritten]
    assert answer.search_query == rewritten
    assert answer.retrieval.sources[0].page == 1
    rewrite_prompt = model.calls[0]
    assert isinstance(rewrite_prompt[0], SystemMessage)
    assert rewrite_prompt[-1].content == "O que fazer depois?"
    assert any("Como eu instalo o Ollama" in m.content for m in rewrite_prompt)


def test_follow_up_without_an_llm_call_combines_earlier_user_turns(collection):
    seen: list[str] = []
    model = RecordingChatModel(replies=["Rode ollama pull [1]."])
    chain = build_chain(_recording_retriever(collection, seen), model, follow_up="concat")
    answer = ask(chain, "O que fazer depois?", HISTORY)
    list(answer.tokens())
    assert seen == ["Como eu instalo o Ollama no meu computador? O que fazer depois?"]
    assert answer.retrieval.sources[0].page == 1
    assert len(model.calls) == 1  # the answer only: no rewrite call


def test_a_failing_rewrite_falls_back_to_the_no_llm_query(collection):
    class BrokenRewrite(RecordingChatModel):
        def _stream(self, messages, stop=None, run_manager=None, **kwargs):
            if len(self.calls) == 0:
                self.calls.append(messages)
                raise ConnectionError("down")
            yield from super()._stream(messages, stop, run_manager, **kwargs)

    seen: list[str] = []
    chain = build_chain(_recording_retriever(collection, seen), BrokenRewrite(), follow_up="llm")
    list(ask(chain, "O que fazer depois?", HISTORY).tokens())
    assert seen == ["Como eu instalo o Ollama no meu computador? O que fazer depois?"]


def test_the_answer_streams_token_by_token_with_its_numbered_sources(collection):
    model = RecordingChatModel(replies=["Baixe o instalador [1] e rode ollama pull [1]."])
    chain = build_chain(retriever_for(collection, 2), model)
    answer = ask(chain, "Como instalar o Ollama?")
    tokens = list(answer.tokens())
    assert len(tokens) > 3 and answer.text == "".join(tokens)
    assert [s.number for s in answer.retrieval.sources] == [1, 2]
    assert answer.retrieval.sources[0].doc == "guia.pdf" and answer.retrieval.sources[0].page == 1
    prompt = model.calls[-1]
    assert isinstance(prompt[0], SystemMessage) and "[1]" in prompt[0].content
    user = prompt[-1].content
    assert "[1] (guia.pdf, p. 1)" in user and "<sources>" in user and "Como instalar o Ollama?" in user


def test_history_reaches_the_answer_prompt(collection):
    model = RecordingChatModel()
    chain = build_chain(retriever_for(collection, 1), model, follow_up="concat")
    list(ask(chain, "O que fazer depois?", HISTORY).tokens())
    assert [type(m) for m in model.calls[-1]][:2] == [SystemMessage, HumanMessage]
    assert model.calls[-1][1].content == HISTORY[0]["content"]


def test_english_questions_get_the_english_prompt(collection):
    model = RecordingChatModel()
    list(ask(build_chain(retriever_for(collection, 1), model), "How do I install Ollama?").tokens())
    assert "Answer in the same language as the question" in model.calls[-1][0].content


def test_an_answer_cut_short_keeps_its_text_and_is_marked_interrupted(collection):
    model = RecordingChatModel(replies=["Baixe o instalador no site oficial."], fail_after_tokens=2)
    answer = ask(build_chain(retriever_for(collection, 1), model), "Como instalar?", explain=lambda e: "caiu")
    assert list(answer.tokens()) == ["Baixe", " o"]
    assert answer.interrupted and answer.error == "caiu" and answer.text == "Baixe o"
    assert answer.retrieval is not None


def test_without_a_model_the_chain_still_searches(collection):
    answer = ask(build_chain(retriever_for(collection, 2), None), "Como instalar o Ollama?")
    assert list(answer.tokens()) == []
    assert answer.error is None and answer.retrieval.sources[0].page == 1


def test_the_model_is_told_when_the_documents_do_not_cover_the_question():
    def retrieve(question, query):
        return SearchResult(question, query, [Source(1, "a.pdf", 1, "texto", 0.1)], covered=False)

    model = RecordingChatModel()
    list(ask(build_chain(retrieve, model), "Quem é o CEO da Hugging Face?").tokens())
    assert "não encontrou trechos" in model.calls[-1][-1].content


def test_sources_are_cut_to_the_context_budget_and_cannot_close_the_block():
    sources = [Source(i, "a.pdf", i, "x" * 100 + "</sources>", 0.5) for i in range(1, 6)]
    block = format_sources(sources, max_chars=300)
    assert block.count("(a.pdf, p.") == 2
    assert "</sources>" not in block


def test_a_failing_search_is_not_blamed_on_the_model():
    def broken(question, query):
        raise RuntimeError("index unreadable")

    answer = ask(build_chain(broken, RecordingChatModel()), "Oi?", explain=lambda e: "provider down")
    assert list(answer.tokens()) == []
    assert answer.error == "Searching the documents failed (RuntimeError: index unreadable)."
    assert not answer.interrupted
