"""Questions in another language than the documents: English on Portuguese pages, and the reverse."""

from __future__ import annotations

import pytest

from rag.documents.chunking import Chunk
from rag.documents.pdf import load_pdf
from rag.index.faiss.collection import Collection
from rag.index.types import QueryRanking, Rankings
from rag.search.evaluation import parse_configuration
from rag.search.fusion import convex_fusion, lexical_weight
from rag.search.language import language_match
from rag.search.retrieval import RetrievalOptions, search
from tests.pdfs import make_pdf

PORTUGUESE = [
    "A quantizacao reduz a precisao dos pesos do modelo, por exemplo para 4 bits, e assim diminui a memoria usada.",
    "A temperatura controla a aleatoriedade da geracao: valores altos deixam o texto mais variado e criativo.",
    "O ajuste fino adapta um modelo pre-treinado a uma tarefa com poucos exemplos rotulados pelo usuario.",
    "O RAG busca trechos relevantes nos documentos e os entrega ao modelo, que gera a resposta a partir deles.",
]
ENGLISH = [
    "Quantization lowers the precision of the model weights, for example to 4 bits, which reduces the memory used.",
    "Temperature controls how random the generation is: high values make the text more varied and creative.",
    "Fine-tuning adapts a pretrained model to a task with a few examples labelled by the user.",
    "RAG looks up relevant passages in the documents and hands them to the model, which answers from them.",
]


def test_language_match_tells_a_question_in_the_passages_language_from_one_in_another():
    english_question = "What does the temperature control in text generation?"
    portuguese_question = "O que a temperatura controla na geracao de texto?"
    assert language_match(english_question, PORTUGUESE) < 0.5
    assert language_match(portuguese_question, PORTUGUESE) > 0.8
    assert language_match(portuguese_question, ENGLISH) < 0.5
    assert language_match(english_question, ENGLISH) > 0.8
    assert language_match("LoRA QLoRA", PORTUGUESE) is None  # bare keywords: no evidence either way


def _rankings(question: str, texts: list[str], dense: list[tuple[int, float]], lexical: list[tuple[int, float]]):
    chunks = [Chunk(doc="a.pdf", page=i + 1, text=t) for i, t in enumerate(texts)]
    return Rankings(chunks, [QueryRanking(question, 1.0, dense, lexical, known_fraction=1.0)])


def test_language_weighting_gives_the_dense_ranking_the_say_on_a_question_in_another_language():
    # Every word of the question is "known" (English terms occur in the Portuguese pages), so without the language
    # weight BM25's stray match on page 4 decides; weighed by language, the dense ranking's page 1 stays first.
    texts = [*PORTUGUESE, "Tabela: model temperature control text generation (valores de exemplo, em ingles)."]
    dense = [(1, 0.86), (0, 0.84), (4, 0.80)]
    lexical = [(4, 9.0), (1, 2.0)]
    question = "What does the temperature control in text generation?"
    rankings = _rankings(question, texts, dense, lexical)
    assert lexical_weight(rankings, rankings.queries[0], by_language=True) < 0.5
    assert convex_fusion(rankings)[0][0] == 4
    assert convex_fusion(rankings, by_language=True)[0][0] == 1
    same_language = _rankings("O que a temperatura controla na geracao de texto?", texts, dense, lexical)
    assert lexical_weight(same_language, same_language.queries[0], by_language=True) > 0.8


def test_language_weighting_is_a_configuration_off_by_default():
    assert RetrievalOptions().language_weight is False
    assert parse_configuration("hybrid+lang", RetrievalOptions()).language_weight is True
    assert parse_configuration("hybrid+convex:0.5", RetrievalOptions()).alpha == 0.5
    with pytest.raises(ValueError, match="dense share between 0 and 1"):
        parse_configuration("hybrid+convex:2", RetrievalOptions())


@pytest.fixture(scope="module", params=["e5", "use"])
def model(request):
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize(
    ("pages", "question", "page"),
    [
        (PORTUGUESE, "What does quantization do to the memory a model uses?", 1),
        (PORTUGUESE, "How does RAG find what the model answers from?", 4),
        (ENGLISH, "O que o ajuste fino faz com um modelo pre-treinado?", 3),
        (ENGLISH, "O que a temperatura controla na geracao?", 2),
    ],
)
def test_a_question_finds_its_passage_in_documents_of_another_language(model, tmp_path, pages, question, page):
    collection = Collection.open(tmp_path, "kb", model, chunk_tokens=64, chunk_overlap=8)
    collection.add(load_pdf(make_pdf(pages), name="notes.pdf"))
    for options in (RetrievalOptions(), RetrievalOptions(language_weight=True)):
        result = search(collection, question, question, 4, options)
        assert result.sources[0].page == page, (model.model_id, options.language_weight, _pages(result))


def _pages(result) -> list[int]:
    return [s.page for s in result.sources]
