"""A long-lived collection (the app's) sees what another process (the CLI, a second app) changed, on refresh()."""

from __future__ import annotations

from pathlib import Path

from rag.documents.pdf import load_pdf
from rag.index.faiss.collection import Collection, delete_collection, list_collections
from rag.search.retrieval import search
from tests.fakes import hash_embedding_model
from tests.pdfs import make_pdf


def _add(collection: Collection, name: str, text: str) -> None:
    collection.add(load_pdf(make_pdf([text]), name=name))


def _names(collection: Collection) -> list[str]:
    return sorted(d.name for d in collection.documents())


def test_refresh_reloads_what_another_process_added_and_removed(isolated_data_dir: Path):
    app = Collection.open(isolated_data_dir, "kb", hash_embedding_model())
    _add(app, "a.pdf", "O gato dorme no sofa.")
    cli = Collection.open(isolated_data_dir, "kb", hash_embedding_model())
    _add(cli, "b.pdf", "A baleia nada no oceano.")
    assert _names(app) == ["a.pdf"]  # stale until refreshed

    assert app.refresh() is True
    assert _names(app) == ["a.pdf", "b.pdf"]
    assert search(app, "baleia oceano", "baleia oceano", 1).sources[0].doc == "b.pdf"

    cli.remove("a.pdf")
    assert app.refresh() is True and _names(app) == ["b.pdf"]
    assert {c.doc for c in app.chunks()} == {"b.pdf"}


def test_refresh_without_a_change_keeps_the_loaded_state(isolated_data_dir: Path):
    app = Collection.open(isolated_data_dir, "kb", hash_embedding_model())
    assert app.refresh() is False  # a new collection, nothing on disk yet
    _add(app, "a.pdf", "O gato dorme no sofa.")
    state = app._state
    assert app.refresh() is False and app.refresh() is False
    assert app._state is state  # nothing was read again


def test_refresh_after_the_collection_was_deleted_starts_it_over_empty(isolated_data_dir: Path):
    app = Collection.open(isolated_data_dir, "kb", hash_embedding_model())
    _add(app, "a.pdf", "O gato dorme no sofa.")
    delete_collection(isolated_data_dir, "kb")
    assert app.refresh() is True
    assert app.documents() == [] and app.chunk_count() == 0
    assert app.refresh() is False
    _add(app, "b.pdf", "A baleia nada no oceano.")  # a new collection of the same name
    assert list_collections(isolated_data_dir) == ["kb"]
    assert _names(Collection.open(isolated_data_dir, "kb", hash_embedding_model())) == ["b.pdf"]


def test_refresh_follows_a_new_collection_made_under_the_same_name(isolated_data_dir: Path):
    app = Collection.open(isolated_data_dir, "kb", hash_embedding_model())
    _add(app, "a.pdf", "O gato dorme no sofa.")
    delete_collection(isolated_data_dir, "kb")
    other = Collection.open(isolated_data_dir, "kb", hash_embedding_model())
    _add(other, "b.pdf", "A baleia nada no oceano.")  # the same generation as the app's snapshot
    assert app.refresh() is True and _names(app) == ["b.pdf"]
    _add(app, "c.pdf", "O cavalo corre no campo.")
    assert _names(Collection.open(isolated_data_dir, "kb", hash_embedding_model())) == ["b.pdf", "c.pdf"]
