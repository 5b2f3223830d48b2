"""Deleting a collection while another process (another Collection object on the same folder) writes to it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from rag.cli.main import main
from rag.documents.pdf import load_pdf
from rag.index.faiss.collection import Collection, delete_collection, list_collections
from rag.index.faiss.files import folder_lock
from rag.index.types import CollectionError
from tests.fakes import hash_embedding_model
from tests.pdfs import make_pdf


def _add(collection: Collection, name: str, text: str, progress=None):
    data = make_pdf([text])
    return collection.add(load_pdf(data, name=name), progress, data=data)


def _names(collection: Collection) -> list[str]:
    return sorted(d.name for d in collection.documents())


def test_a_collection_deleted_while_a_file_is_embedded_stays_deleted(isolated_data_dir: Path):
    _add(Collection.open(isolated_data_dir, "del", hash_embedding_model()), "old.pdf", "Um documento antigo.")
    ingest = Collection.open(isolated_data_dir, "del", hash_embedding_model())  # `python -m rag ingest`

    def delete_meanwhile(done: int, total: int) -> None:  # `python -m rag collections --delete del`
        if done == 0:
            delete_collection(isolated_data_dir, "del")

    with pytest.raises(CollectionError, match="'del' was deleted while x.pdf was being added; nothing was added"):
        _add(ingest, "x.pdf", "O arquivo novo.", progress=delete_meanwhile)
    assert list_collections(isolated_data_dir) == []
    assert not (isolated_data_dir / "del").exists()


def test_a_stale_writer_cannot_revive_old_documents_in_a_new_collection_of_the_same_name(isolated_data_dir: Path):
    first = Collection.open(isolated_data_dir, "kb", hash_embedding_model())
    _add(first, "old1.pdf", "Primeiro documento antigo.")
    _add(first, "old2.pdf", "Segundo documento antigo.")
    stale = Collection.open(isolated_data_dir, "kb", hash_embedding_model())  # another process, at generation 2
    delete_collection(isolated_data_dir, "kb")

    # A genuinely new collection of the same name works, and reaches generation 2 as well.
    new = Collection.open(isolated_data_dir, "kb", hash_embedding_model())
    _add(new, "new1.pdf", "Primeiro documento novo.")
    _add(new, "new2.pdf", "Segundo documento novo.")

    with pytest.raises(CollectionError, match="'kb' was deleted while z.pdf was being added"):
        _add(stale, "z.pdf", "Documento de quem chegou tarde.")
    with pytest.raises(CollectionError, match="'kb' was deleted"):
        stale.remove("old1.pdf")
    reopened = Collection.open(isolated_data_dir, "kb", hash_embedding_model())
    assert _names(reopened) == ["new1.pdf", "new2.pdf"]
    assert {c.doc for c in reopened.chunks()} == {"new1.pdf", "new2.pdf"}


def test_delete_waits_for_the_writer_holding_the_collection(isolated_data_dir: Path):
    _add(Collection.open(isolated_data_dir, "kb", hash_embedding_model()), "a.pdf", "Um documento.")
    deleted = threading.Event()

    def delete() -> None:
        delete_collection(isolated_data_dir, "kb")
        deleted.set()

    with folder_lock(isolated_data_dir / "kb"):  # a writer committing (flock: a second open file waits, even here)
        deleter = threading.Thread(target=delete)
        deleter.start()
        assert not deleted.wait(1.0), "the collection was deleted under a writer's lock"
        assert list_collections(isolated_data_dir) == ["kb"]
    deleter.join(30)
    assert deleted.is_set() and list_collections(isolated_data_dir) == []


def test_only_existing_collections_are_deleted(isolated_data_dir: Path):
    notes = isolated_data_dir / "notes"
    notes.mkdir(parents=True)
    (notes / "mine.txt").write_text("not a collection")
    with pytest.raises(CollectionError, match="There is no collection 'missing' in"):
        delete_collection(isolated_data_dir, "missing")
    with pytest.raises(CollectionError, match="is not a Conversa collection.*nothing was deleted"):
        delete_collection(isolated_data_dir, "notes")
    assert (notes / "mine.txt").read_text() == "not a collection"
    assert not (isolated_data_dir / "missing").exists()


def test_the_cli_refuses_to_delete_what_is_not_a_collection(isolated_data_dir: Path, capsys):
    (isolated_data_dir / "notes").mkdir(parents=True)
    _add(Collection.open(isolated_data_dir, "kb", hash_embedding_model()), "a.pdf", "Um documento.")
    assert main(["collections", "--delete", "missing"]) == 1
    assert main(["collections", "--delete", "notes"]) == 1
    out, err = capsys.readouterr()
    assert "There is no collection 'missing'" in err and "is not a Conversa collection" in err
    assert "Deleted" not in out and (isolated_data_dir / "notes").is_dir()
    assert main(["collections", "--delete", "kb"]) == 0
    assert "Deleted collection 'kb'." in capsys.readouterr().out
    assert list_collections(isolated_data_dir) == []
