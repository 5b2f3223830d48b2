"""`covered`: whether the documents seem to answer a question, decided from retrieval scores without an LLM."""

from __future__ import annotations

import numpy as np
import pytest

from config.settings import Settings, load_settings
from rag.answer.prompts import load_prompt
from rag.core import Conversa, Transcript
from rag.documents.pdf import load_pdf
from rag.index.faiss.collection import Collection
from rag.search.coverage import (
    NULL_LEVEL,
    Calibration,
    CoverageSignals,
    calibration_for,
    is_covered,
    reference_questions,
)
from rag.search.retrieval import RetrievalOptions, retrieval_options, search
from tests.fakes import RecordingChatModel
from tests.pdfs import make_pdf

PAGES = [
    "RAG (geracao aumentada por recuperacao) busca trechos relevantes nos documentos e os entrega ao modelo de "
    "linguagem, que gera a resposta a partir deles.",
    "A quantizacao reduz a precisao dos pesos do modelo, por exemplo para 4 bits, e assim diminui a memoria usada.",
    "A temperatura controla a aleatoriedade da geracao: valores altos deixam o texto mais variado e criativo.",
]


@pytest.fixture(scope="module", params=["e5", "use"])
def notes(request, tmp_path_factory) -> Collection:
    """The same three pages under each real multilingual model: coverage must work without a hand-set threshold."""
    model = request.getfixturevalue(request.param)
    collection = Collection.open(tmp_path_factory.mktemp("data"), "kb", model, chunk_tokens=96, chunk_overlap=16)
    collection.add(load_pdf(make_pdf(PAGES), name="notas.pdf"))
    return collection


def test_question_the_documents_answer_is_covered(notes):
    for question in (
        "O que a quantizacao faz com os pesos do modelo?",
        "O que a temperatura controla na geracao?",
        "What does quantization do to the model weights?",
    ):
        result = search(notes, question, question, 3)
        assert result.covered is True, (notes.embedding.model_id, question, result.signals)


def test_off_topic_question_is_flagged_as_not_covered(notes):
    for question in ("Como fazer pao de fermentacao natural em casa?", "Who won the 1970 football World Cup?"):
        result = search(notes, question, question, 3)
        assert result.covered is False, (notes.embedding.model_id, question, result.signals)
        assert len(result.sources) == 3  # the closest passages are still shown


def test_calibration_is_the_collections_own_and_differs_between_models(e5, use, tmp_path):
    thresholds = {}
    for model in (e5, use):
        collection = Collection.open(tmp_path / model.model_id.replace(":", "-"), "kb", model, chunk_tokens=96)
        collection.add(load_pdf(make_pdf(PAGES), name="notas.pdf"))
        calibration = calibration_for(collection)
        assert calibration is not None and len(calibration.contrasts) == len(reference_questions())
        assert calibration.threshold == pytest.approx(float(np.quantile(calibration.contrasts, NULL_LEVEL)))
        thresholds[model.model_id] = calibration.threshold
    # The models' cosines live on different scales: one hand-set number could not serve both.
    assert abs(thresholds[e5.model_id] - thresholds[use.model_id]) > 0.02


def test_calibration_follows_the_collection_when_it_changes(e5, tmp_path):
    collection = Collection.open(tmp_path, "kb", e5, chunk_tokens=96, chunk_overlap=16)
    assert calibration_for(collection) is None  # empty: nothing to calibrate against
    collection.add(load_pdf(make_pdf(PAGES[:1]), name="rag.pdf"))
    first = calibration_for(collection)
    assert first is not None and calibration_for(collection) is first  # kept while nothing changes
    collection.add(load_pdf(make_pdf(PAGES[1:]), name="mais.pdf"))
    assert calibration_for(collection) is not first


def test_a_reference_question_the_collection_answers_does_not_blind_it(e5, tmp_path):
    """A cookbook answers the reference question about feijoada: other questions are still judged."""
    pages = [
        "Receita tradicional da feijoada: feijao preto, carnes de porco salgadas e defumadas, linguica e louro, "
        "cozidos lentamente por horas. Sirva com arroz, couve refogada, farofa e laranja.",
        "Para o pao de fermentacao natural, alimente o fermento com farinha e agua por cinco dias antes de assar.",
    ]
    cookbook = Collection.open(tmp_path, "kb", e5, chunk_tokens=96, chunk_overlap=16)
    cookbook.add(load_pdf(make_pdf(pages), name="receitas.pdf"))
    for question, covered in (
        ("Quais carnes vao na feijoada tradicional?", True),
        ("Por quantos dias se alimenta o fermento natural?", True),
        ("Qual e a capital do Canada?", False),
    ):
        assert search(cookbook, question, question, 2).covered is covered, question


def test_verdict_compares_the_contrast_with_the_calibration():
    calibration = Calibration(np.eye(2, dtype=np.float32), (0.01, 0.02), threshold=0.02)
    assert is_covered(CoverageSignals(0.9, 1.0, contrast=0.021), calibration) is True
    assert is_covered(CoverageSignals(0.9, 1.0, contrast=0.02), calibration) is False
    assert is_covered(CoverageSignals(0.9, 1.0, contrast=None), calibration) is None
    assert is_covered(CoverageSignals(0.9, 1.0, contrast=0.5), None) is None
    assert is_covered(None, calibration) is None


def test_a_threshold_set_by_the_user_replaces_the_calibration():
    calibration = Calibration(np.eye(2, dtype=np.float32), (0.01, 0.02), threshold=0.02)
    assert is_covered(CoverageSignals(0.80, 1.0, contrast=0.5), calibration, 0.81) is False
    assert is_covered(CoverageSignals(0.80, 1.0, contrast=None), None, 0.79) is True
    assert is_covered(CoverageSignals(0.78, 1.0), None, 0.79) is False
    assert is_covered(None, None, 0.79) is None


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
