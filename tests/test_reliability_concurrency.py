"""Concurrency: Streamlit sessions (threads) and other processes (other Collection objects) sharing one collection."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rag.index.faiss.collection import Collection
from rag.index.ingest import ingest_file
from rag.search.retrieval import search
from tests.fakes import hash_embedding_model
from tests.pdfs import make_pdf

DOCS = 12
QUERIES = ["assunto numero 3", "tema comum", "assunto numero 11", "termo7x5 termo2x9", "pagina final"]


def sample_pdfs() -> dict[str, bytes]:
    return {
        f"doc{n:02d}.pdf": make_pdf(
            [
                f"Documento {n} sobre o assunto numero {n} e o tema comum. "
                + " ".join(f"termo{n}x{i}" for i in range(150)),
                f"Pagina final do documento {n}.",
            ]
        )
        for n in range(DOCS)
    }


def search_until(stop: threading.Event, collection_for) -> int:
    """Search until told to stop; every hit must belong to a listed document. Returns the searches made."""
    searches = 0
    while not stop.is_set():
        collection = collection_for()
        for query in QUERIES:
            result = search(collection, query, query, 5)
            listed = {d.name for d in collection.documents()}  # documents are only added: a superset of the snapshot
            for source in result.sources:
                assert source.doc in listed, f"hit from {source.doc}, which the collection does not list"
            searches += 1
    return searches


def assert_whole(collection: Collection, names: set[str]) -> None:
    assert {d.name for d in collection.documents()} == names
    assert len(collection.documents()) == len(names), "a document is listed twice"
    assert collection.chunk_count() == sum(d.chunks for d in collection.documents())
    assert {c.doc for c in collection.chunks()} == names


@pytest.mark.timeout(120)
def test_sessions_ingesting_and_searching_one_collection_lose_no_document(tmp_path: Path):
    collection = Collection.open(tmp_path / "data", "shared", hash_embedding_model())
    pdfs = sample_pdfs()
    names = sorted(pdfs)
    stop = threading.Event()

    def ingest(batch: list[str]) -> list[str]:
        return [ingest_file(collection, pdfs[name], name=name).status for name in batch]

    with ThreadPoolExecutor(max_workers=6) as pool:
        readers = [pool.submit(search_until, stop, lambda: collection) for _ in range(2)]
        writers = [pool.submit(ingest, names[i::4]) for i in range(4)]
        statuses = [status for writer in writers for status in writer.result()]
        stop.set()
        searches = sum(reader.result() for reader in readers)

    assert statuses == ["added"] * DOCS
    assert searches > 0
    assert_whole(collection, set(names))
    assert_whole(Collection.open(tmp_path / "data", "shared", hash_embedding_model()), set(names))


@pytest.mark.timeout(120)
def test_two_collection_objects_on_one_folder_see_each_others_documents(tmp_path: Path):
    data_dir = tmp_path / "data"
    first = Collection.open(data_dir, "shared", hash_embedding_model())
    second = Collection.open(data_dir, "shared", hash_embedding_model())
    pdfs = sample_pdfs()
    names = sorted(pdfs)
    stop = threading.Event()

    def ingest(collection: Collection, batch: list[str]) -> None:
        for name in batch:
            assert ingest_file(collection, pdfs[name], name=name).status == "added"

    def fresh_view() -> Collection:
        # Another process opening the collection while writers commit new generations.
        return Collection.open(data_dir, "shared", hash_embedding_model())

    with ThreadPoolExecutor(max_workers=6) as pool:
        reader = pool.submit(search_until, stop, fresh_view)
        writers = [
            pool.submit(ingest, collection, names[i::4]) for i, collection in enumerate([first, second, first, second])
        ]
        for writer in writers:
            writer.result()
        stop.set()
        assert reader.result() > 0

    assert_whole(fresh_view(), set(names))
    # Each object catches up with the other's commits at its next write; a removal through either shows it.
    assert first.remove(names[0]) and not second.remove(names[0])
    assert_whole(second, set(names) - {names[0]})


@pytest.mark.timeout(60)
def test_opening_while_another_writer_commits_never_fails(tmp_path: Path):
    data_dir = tmp_path / "data"
    writer = Collection.open(data_dir, "shared", hash_embedding_model())
    pdfs = sample_pdfs()
    failures: list[BaseException] = []
    stop = threading.Event()

    generations: list[int] = []  # what each successful open found

    def open_repeatedly() -> None:
        while not stop.is_set():
            try:
                generations.append(Collection.open(data_dir, "shared", hash_embedding_model()).info.generation)
            except Exception as exc:  # the race this test is about: report it rather than stop the loop
                failures.append(exc)

    with ThreadPoolExecutor(max_workers=2) as pool:
        opener = pool.submit(open_repeatedly)
        for name, data in pdfs.items():
            ingest_file(writer, data, name=name)
            writer.remove(name)
            ingest_file(writer, data, name=name)
        stop.set()
        opener.result()

    # The opens raced the commits: they found the collection at many of its 36 generations, not only at one.
    assert len(set(generations)) >= 3 * len(pdfs) // 4, sorted(set(generations))
    opens = len(generations)
    assert not failures, f"{len(failures)} of {opens + len(failures)} opens failed, first: {failures[0]}"
