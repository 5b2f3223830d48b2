"""Optional cross-encoder reranking: it reorders the fused candidates, and a local model loads without downloads."""

from __future__ import annotations

import pytest

from rag.documents.pdf import load_pdf
from rag.index.embeddings import Hub
from rag.index.faiss.collection import Collection
from rag.search.retrieval import RetrievalOptions, search
from tests.pdfs import make_pdf
from tests.test_retrieval_hybrid import LIBRARY_PAGES, QUESTION

OFFLINE = Hub(offline=True)  # no test waits on the network


@pytest.fixture(scope="module")
def library(tmp_path_factory, e5) -> Collection:
    collection = Collection.open(tmp_path_factory.mktemp("data"), "kb", e5, chunk_tokens=64, chunk_overlap=8)
    collection.add(load_pdf(make_pdf(LIBRARY_PAGES), name="biblioteca.pdf"))
    return collection


class ReversingReranker:
    """Prefers the candidates the fusion liked least, and records what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def score(self, query: str, texts: list[str]) -> list[float]:
        self.calls.append((query, texts))
        return [float(i) for i in range(len(texts))]


def test_reranker_reorders_the_fused_candidates_and_its_scores_are_reported(library):
    reranker = ReversingReranker()
    plain = search(library, QUESTION, QUESTION, 10, RetrievalOptions())
    reranked = search(library, QUESTION, QUESTION, 3, RetrievalOptions(reranker=reranker))
    query, texts = reranker.calls[0]
    assert query == QUESTION and texts == [s.text for s in plain.sources]
    assert [s.text for s in reranked.sources] == [s.text for s in plain.sources[::-1][:3]]
    assert [s.score for s in reranked.sources] == [9.0, 8.0, 7.0]


def test_cross_encoder_reranker_runs_a_local_model(library, tmp_path):
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    from rag.search.rerank import load_reranker

    folder = tmp_path / "tiny-cross-encoder"
    folder.mkdir()
    words = sorted({w.lower().strip("?.:,") for text in [*LIBRARY_PAGES, QUESTION] for w in text.split()})
    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n")
    BertTokenizer(str(folder / "vocab.txt")).save_pretrained(folder)
    config = BertConfig(
        vocab_size=len(words) + 5,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=128,
        num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(folder)

    reranker = load_reranker(str(folder), OFFLINE)
    result = search(library, QUESTION, QUESTION, 3, RetrievalOptions(reranker=reranker))
    scores = [s.score for s in result.sources]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
    assert scores == pytest.approx(reranker.score(QUESTION, [s.text for s in result.sources]), abs=1e-5)
    assert load_reranker("", OFFLINE) is None


def test_missing_reranking_model_says_how_to_fix_it(tmp_path):
    from rag.search.rerank import RerankerError, load_reranker

    with pytest.raises(RerankerError, match="CONVERSA_RERANK_MODEL"):
        load_reranker("nobody/no-such-cross-encoder", OFFLINE)
