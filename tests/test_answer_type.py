"""Answer-type matching: questions asking for a quantity prefer passages whose matching sentence holds a number."""

from __future__ import annotations

import pytest

from rag.documents.chunking import Chunk
from rag.documents.pdf import load_pdf
from rag.index.bm25 import LexicalIndex
from rag.index.faiss.collection import Collection
from rag.search.answer_type import BOOST, POOL, asks_for_quantity, boost_quantities
from rag.search.evaluation import parse_configuration
from rag.search.retrieval import RetrievalOptions, search
from tests.pdfs import make_pdf


def _chunks(*texts: str) -> list[Chunk]:
    return [Chunk(doc="notas.pdf", page=i + 1, text=t) for i, t in enumerate(texts)]


@pytest.mark.parametrize(
    "question",
    [
        "Quantos parametros tem o modelo?",
        "Quantas GPUs foram usadas?",
        "Qual valor de p costuma ser usado?",
        "Qual o tamanho da janela de contexto?",
        "How many tokens were used?",
        "How long an input can it handle?",
    ],
)
def test_questions_asking_for_a_quantity_are_recognised(question):
    assert asks_for_quantity(question)


@pytest.mark.parametrize(
    "question", ["O que e decodificacao gulosa?", "Quem escreveu o artigo?", "What is in-context learning?"]
)
def test_other_questions_are_not(question):
    assert not asks_for_quantity(question)


CHUNKS = _chunks(
    "A biblioteca de graficos tem responsaveis dedicados. Eles revisam cada versao.",
    "A biblioteca de graficos tem 12 responsaveis. Eles revisam cada versao.",
    "A biblioteca de graficos tem responsaveis voluntarios. A versao 3.2 saiu em 2020.",
)
ORDER = [(0, 1.0), (2, 0.9), (1, 0.8)]


def test_a_passage_whose_matching_sentence_holds_a_number_moves_up_for_a_quantity_question():
    question = "Quantos responsaveis tem a biblioteca de graficos?"
    boosted = boost_quantities(ORDER, CHUNKS, question, question)
    assert boosted[0] == (1, pytest.approx(0.8 + BOOST))
    # Passage 2's numbers sit in a sentence about something else: no boost, the fused order stays below.
    assert [row for row, _ in boosted[1:]] == [0, 2]


def test_a_number_in_a_passage_sharing_no_word_with_the_query_does_not_count():
    chunks = _chunks("Versao 3.2 lancada em 2020.", "Os responsaveis da biblioteca sao voluntarios.")
    question = "Quantos responsaveis tem a biblioteca?"
    assert boost_quantities([(1, 1.0), (0, 0.9)], chunks, question, question) == [(1, 1.0), (0, 0.9)]


def test_a_question_that_does_not_ask_for_a_quantity_keeps_the_fused_order():
    question = "Quem sao os responsaveis pela biblioteca de graficos?"
    assert boost_quantities(ORDER, CHUNKS, question, question) == ORDER


def test_the_collections_idf_decides_which_sentence_matches_best():
    question = "Quantos responsaveis tem a biblioteca?"
    chunks = _chunks("Os responsaveis sao 4. A biblioteca de graficos e antiga.")
    # Weighted by a collection where "responsaveis" is rare, the first sentence (with the number) matches best.
    rare = {"respons": 5.0, "responsav": 5.0}
    boosted = boost_quantities([(0, 0.5)], chunks, question, question, lambda t: rare.get(t, 1.0))
    assert boosted == [(0, pytest.approx(0.5 + BOOST))]
    # Where "biblioteca" is the rare word, the second sentence (no number) matches best.
    common = {"bibliotec": 9.0, "bibliotek": 9.0}
    assert boost_quantities([(0, 0.5)], chunks, question, question, lambda t: common.get(t, 1.0)) == [(0, 0.5)]


def test_only_the_best_pool_passages_are_reordered():
    chunks = _chunks(*["Nada a ver com a pergunta."] * POOL, "A biblioteca tem 12 responsaveis.")
    order = [(row, 1.0 - row / 100) for row in range(POOL + 1)]
    question = "Quantos responsaveis tem a biblioteca?"
    assert boost_quantities(order, chunks, question, question) == order


def test_lexical_index_idf_is_higher_for_rarer_tokens():
    index = LexicalIndex.build(["gato preto", "gato branco", "gato cinza", "cachorro"])
    assert index.idf("cachorr") > index.idf("gat") > 0
    assert index.idf("zebra") > index.idf("cachorr")


def test_hybrid_search_applies_it_and_notypes_turns_it_off(tmp_path, e5):
    pages = [
        "Os responsaveis da biblioteca de graficos revisam as versoes. "
        "Os responsaveis da biblioteca de graficos respondem no forum.",
        "A biblioteca de graficos conta hoje com 12 pessoas.",
        "O tempo hoje esta ensolarado na praia.",
        "Receitas de bolo de cenoura com cobertura de chocolate.",
    ]
    collection = Collection.open(tmp_path, "kb", e5, chunk_tokens=64, chunk_overlap=8)
    collection.add(load_pdf(make_pdf(pages), name="equipe.pdf"))
    question = "Quantos responsaveis tem a biblioteca de graficos?"
    options = parse_configuration("hybrid+notypes", RetrievalOptions())
    plain = {s.page: s.score for s in search(collection, question, question, 4, options).sources}
    typed = {s.page: s.score for s in search(collection, question, question, 4).sources}
    assert typed[2] == pytest.approx(plain[2] + BOOST)  # its sentence holds the number
    assert typed[1] == pytest.approx(plain[1]) and typed[3] == pytest.approx(plain[3])
