"""The Universal Sentence Encoder Multilingual behind the same embedding interface as e5: offline, NumPy only."""

from __future__ import annotations

import numpy as np
import pytest

from config.settings import load_settings
from rag.documents.pdf import load_pdf
from rag.index.embeddings import load_embedding_model, uses_e5_prefixes
from rag.index.faiss.collection import Collection
from rag.index.types import CollectionError
from rag.index.universal_encoder import UNIVERSAL_ENCODER
from rag.search.retrieval import search
from tests.pdfs import make_pdf


def _cosine(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_the_setting_selects_the_packaged_model_offline(use, monkeypatch):
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", UNIVERSAL_ENCODER)  # HF_HUB_OFFLINE=1 is set for every test
    model = load_embedding_model(load_settings().embedding_model, allow_fallback=False)
    assert (model.model_id, model.dimension, model.notice) == (UNIVERSAL_ENCODER, 512, None)
    assert np.linalg.norm(model.embed_query("Uma pergunta qualquer.")) == pytest.approx(1.0, abs=1e-4)


def test_portuguese_and_english_land_in_the_same_space(use):
    pt = use.embed_query("A quantização reduz a memória usada pelo modelo.")
    en = use.embed_query("Quantization reduces the memory the model uses.")
    other = use.embed_query("O time venceu o campeonato de futebol no domingo.")
    assert _cosine(pt, en) > _cosine(pt, other) + 0.3


def test_questions_and_passages_go_through_the_same_encoder_without_e5_prefixes(use):
    text = "O que é geração aumentada por recuperação?"
    assert not uses_e5_prefixes(UNIVERSAL_ENCODER)
    assert use.embed_query(text) == pytest.approx(use.embed_passages([text])[0], abs=1e-6)


def test_tokens_are_counted_with_the_models_own_sentencepiece_vocabulary(use):
    short, long = use.count_tokens(["modelo", "modelos de linguagem grandes geram texto token a token"])
    assert 2 < short < long  # the begin and end markers, then one or more pieces a word


def test_a_collection_built_with_it_is_searched_with_it_and_refuses_e5(use, e5, tmp_path):
    pages = [
        "A quantizacao reduz a precisao dos pesos do modelo, por exemplo para 4 bits, e diminui a memoria usada.",
        "O ajuste fino adapta um modelo pre-treinado a uma tarefa com poucos exemplos rotulados.",
    ]
    collection = Collection.open(tmp_path, "kb", use, chunk_tokens=96, chunk_overlap=16)
    collection.add(load_pdf(make_pdf(pages), name="notas.pdf"))
    assert Collection.open(tmp_path, "kb").embedding.model_id == UNIVERSAL_ENCODER
    with pytest.raises(CollectionError, match=f"was built with the embedding model {UNIVERSAL_ENCODER}"):
        Collection.open(tmp_path, "kb", e5)
    question = "What does quantization do to the weights?"
    assert search(collection, question, question, 1).sources[0].page == 1


@pytest.mark.parametrize("name", ["e5", "use"])
def test_a_batch_of_queries_embeds_each_as_a_single_query_would(name, request):
    model = request.getfixturevalue(name)
    questions = ["Quem ganhou a Copa de 1970?", "What is retrieval-augmented generation?"]
    singles = [model.embeddings.embed_query(q) for q in questions]  # past the model's memory of recent queries
    for batched, single in zip(model.embed_queries(questions), singles, strict=True):
        assert batched == pytest.approx(single, abs=1e-5)
