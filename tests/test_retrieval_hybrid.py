"""Hybrid retrieval: convex and reciprocal rank fusion, BM25 rescuing exact terms, follow-up queries, reranking."""

from __future__ import annotations

import pytest

from config.settings import load_settings
from rag.documents.pdf import load_pdf
from rag.index.faiss.collection import Collection
from rag.index.types import QueryRanking, Rankings
from rag.search.evaluation import parse_configuration
from rag.search.fusion import convex_fusion, fuse, reciprocal_rank_fusion
from rag.search.retrieval import RetrievalOptions, search
from tests.pdfs import make_pdf

# Pages that talk like the question; the answer is on the last page, which shares only its rare name with it.
LIBRARY_PAGES = [
    "Cada biblioteca do projeto tem uma pessoa responsavel pela sua manutencao.",
    "A pessoa responsavel por uma biblioteca revisa contribuicoes e publica versoes.",
    "Quem e responsavel por uma biblioteca decide quais mudancas entram na proxima versao.",
    "Uma biblioteca sem responsavel acumula falhas de seguranca e deixa de funcionar.",
    "A responsavel pela biblioteca de graficos responde as duvidas dos usuarios no forum.",
    "As bibliotecas do projeto sao mantidas por voluntarios responsaveis e dedicados.",
    "Quem e o responsavel pela biblioteca de testes? E a equipe de qualidade.",
    "A biblioteca de rede tem dois responsaveis, um por fuso horario.",
    "O responsavel pela biblioteca de banco de dados e escolhido a cada ano.",
    "Notas da reuniao de marco: Ana Souza ficou com a zorblax.",
]
QUESTION = "Quem e responsavel pela biblioteca zorblax?"


@pytest.fixture(scope="module")
def library(tmp_path_factory, e5) -> Collection:
    """Built once for the module: the tests only read it."""
    collection = Collection.open(tmp_path_factory.mktemp("data"), "kb", e5, chunk_tokens=64, chunk_overlap=8)
    collection.add(load_pdf(make_pdf(LIBRARY_PAGES), name="biblioteca.pdf"))
    return collection


def _pages(result) -> list[int]:
    return [s.page for s in result.sources]


def test_rrf_ranks_by_summed_reciprocal_ranks():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1, 4]], k=60)
    assert [item for item, _ in fused] == [1, 3, 2, 4]  # 1: 1/61+1/62 > 3: 1/63+1/61 > 2: 1/62 > 4: 1/63
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)


def test_rrf_weights_favour_a_ranking_and_ties_keep_first_appearance():
    assert [i for i, _ in reciprocal_rank_fusion([["a", "b"], ["b", "a"]])] == ["a", "b"]  # a tie
    assert [i for i, _ in reciprocal_rank_fusion([["a", "b"], ["b", "a"]], weights=[1, 2])] == ["b", "a"]
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"]], weights=[1, 2])


def _rankings(*queries: QueryRanking) -> Rankings:
    return Rankings(chunks=[], queries=list(queries))


def test_convex_fusion_adds_min_max_normalised_scores_and_a_missing_row_counts_zero():
    query = QueryRanking("q", 1.0, dense=[(1, 0.90), (2, 0.85), (3, 0.80)], lexical=[(3, 12.0), (4, 6.0), (2, 2.0)])
    fused = dict(convex_fusion(_rankings(query), alpha=0.4))
    assert fused[1] == pytest.approx(0.4 * 1.0)  # best cosine, absent from BM25
    assert fused[2] == pytest.approx(0.4 * 0.5 + 0.6 * 0.0)  # BM25's minimum maps to 0
    assert fused[3] == pytest.approx(0.4 * 0.0 + 0.6 * 1.0)
    assert fused[4] == pytest.approx(0.6 * 0.4)
    assert [row for row, _ in convex_fusion(_rankings(query), alpha=0.4)] == [3, 1, 4, 2]


def test_convex_fusion_keeps_a_clear_lead_that_rank_fusion_would_give_away():
    # Row 1 is far ahead in dense and third in BM25 by a hair; row 2 is a distant second in dense and leads BM25
    # by that hair. Ranks alone make row 2 the better of the two.
    dense = [(1, 0.95), (2, 0.70), (3, 0.69)]
    query = QueryRanking("q", 1.0, dense=dense, lexical=[(2, 10.0), (3, 9.95), (1, 9.9), (4, 1.0)])
    assert fuse(_rankings(query), lexical=True)[0][0] == 1
    assert fuse(_rankings(query), lexical=True, fusion="rrf")[0][0] == 2
    tied = QueryRanking("q", 1.0, dense=[(1, 0.9), (2, 0.5)], lexical=[(2, 3.0), (1, 1.0)])
    assert [row for row, _ in convex_fusion(_rankings(tied), alpha=0.5)] == [1, 2]  # a tie keeps first appearance


def test_convex_fusion_weighs_bm25_by_the_known_words_and_sums_queries_by_weight():
    foreign = QueryRanking("q", 1.0, dense=[(1, 0.9), (2, 0.8)], lexical=[(2, 5.0), (1, 1.0)], known_fraction=0.25)
    assert [row for row, _ in convex_fusion(_rankings(foreign))] == [1, 2]  # few known words: dense keeps the say
    known = QueryRanking("q", 1.0, dense=[(1, 0.9), (2, 0.8)], lexical=[(2, 5.0), (1, 1.0)], known_fraction=1.0)
    assert [row for row, _ in convex_fusion(_rankings(known))] == [2, 1]
    doubled = dict(convex_fusion(_rankings(known, QueryRanking("f", 2.0, dense=[(2, 0.7)]))))
    assert doubled[2] == pytest.approx(0.6 + 2.0 * 0.4)


def test_hybrid_finds_an_exact_term_that_dense_ranks_too_low(library):
    dense = search(library, QUESTION, QUESTION, 3, RetrievalOptions(mode="dense"))
    hybrid = search(library, QUESTION, QUESTION, 2, RetrievalOptions(mode="hybrid"))
    assert 10 not in _pages(dense)
    assert 10 in _pages(hybrid)


def test_scores_are_cosines_in_dense_mode_and_fused_scores_in_hybrid_mode_best_first(library):
    dense = search(library, QUESTION, QUESTION, 4, RetrievalOptions(mode="dense"))
    hybrid = search(library, QUESTION, QUESTION, 4, RetrievalOptions(mode="hybrid"))
    for result in (dense, hybrid):
        scores = [s.score for s in result.sources]
        assert scores == sorted(scores, reverse=True) and [s.number for s in result.sources] == [1, 2, 3, 4]
    assert 0.5 < dense.sources[0].score <= 1.0
    assert 0 < hybrid.sources[0].score <= 1.0  # convex: at best first in both rankings
    rrf = search(library, QUESTION, QUESTION, 4, RetrievalOptions(fusion="rrf"))
    assert rrf.sources[0].score <= 2 / 61  # at best first in both rankings


def test_follow_up_fusion_also_searches_the_follow_up_alone(library):
    combined = "Quem cuida das bibliotecas? E da zorblax?"
    plain = search(library, "E da zorblax?", combined, 3, RetrievalOptions(follow_up_weight=None))
    fused = search(library, "E da zorblax?", combined, 3, RetrievalOptions(follow_up_weight=2.0))
    assert fused.search_query == plain.search_query == combined
    assert fused.sources[0].page == 10
    assert [s.score for s in fused.sources] != [s.score for s in plain.sources]


def test_retrieval_mode_is_a_checked_setting():
    assert load_settings({}).retrieval == "hybrid"
    assert load_settings({"CONVERSA_RETRIEVAL": "dense"}).retrieval == "dense"
    with pytest.raises(ValueError, match="hybrid.*dense"):
        load_settings({"CONVERSA_RETRIEVAL": "sparse"})


def test_compare_configurations_are_parsed_from_their_names():
    base = RetrievalOptions()
    assert parse_configuration("dense", base).mode == "dense"
    assert parse_configuration("hybrid+fused:3", base).follow_up_weight == 3.0
    assert parse_configuration("hybrid+fused+concat", base).follow_up_weight is None
    assert (base.fusion, parse_configuration("hybrid+rrf", base).fusion) == ("convex", "rrf")
    with pytest.raises(ValueError, match="rerank"):
        parse_configuration("hybrid+rerank", base)
    with pytest.raises(ValueError, match="Unknown part"):
        parse_configuration("hybird", base)
