"""No code from data: crafted collection folders are refused with a rebuild hint, and nothing is ever unpickled."""

from __future__ import annotations

import json
import os
import pickle
import re
import resource
import shutil
import struct
import time
import zipfile
from pathlib import Path

import faiss
import numpy as np
import pytest

from rag.index.bm25 import LexicalIndex, LexicalIndexError
from rag.index.faiss.collection import Collection
from rag.index.ingest import ingest_file
from rag.index.types import CollectionError
from tests.fakes import hash_embedding_model
from tests.pdfs import make_pdf

ROOT = Path(__file__).resolve().parent.parent
REBUILD = "ingest the documents again to rebuild it"
PICKLE_HEADERS = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")


class RunsCode:
    """Unpickling this creates `marker`: proof that a loader ran code from data."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.makedirs, (str(self.marker),))


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """A valid two-document collection folder, to be tampered with."""
    collection = Collection.open(tmp_path / "data", "good", hash_embedding_model())
    ingest_file(collection, make_pdf(["Primeiro documento sobre embeddings."]), name="a.pdf")
    ingest_file(collection, make_pdf(["Segundo documento sobre FAISS e BM25."]), name="b.pdf")
    return collection.folder


def tampered(good: Path, change) -> Path:
    folder = good.parent / "tampered"
    shutil.copytree(good, folder)
    change(folder)
    return folder


def edit_manifest(**fields):
    def change(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        for key, value in fields.items():
            if key.startswith("doc_"):
                manifest["documents"][0][key[4:]] = value
            else:
                manifest[key] = value
        (folder / "manifest.json").write_text(json.dumps(manifest))

    return change


def write(name: str, data: bytes):
    return lambda folder: (folder / name).write_bytes(data)


def generation(folder: Path) -> int:
    return json.loads((folder / "manifest.json").read_text())["generation"]


def doubled_chunks(folder: Path) -> None:
    path = folder / f"chunks-{generation(folder)}.json"
    path.write_text(json.dumps(json.loads(path.read_text()) * 2))


def vectors_of_other_count(folder: Path) -> None:
    index = faiss.IndexFlatIP(64)
    index.add(np.ones((5, 64), dtype=np.float32))
    faiss.write_index(index, str(folder / f"vectors-{generation(folder)}.faiss"))


def manifest_as_folder(folder: Path) -> None:
    (folder / "manifest.json").unlink()
    (folder / "manifest.json").mkdir()


CRAFTED = {
    "negative generation": edit_manifest(generation=-1),
    "generation as text": edit_manifest(generation="2"),
    "generation as a boolean": edit_manifest(generation=True),
    "huge dimension": edit_manifest(dimension=10**12),
    "dimension as text": edit_manifest(dimension="64"),
    "unknown format version": edit_manifest(format_version=99),
    "format version as text": edit_manifest(format_version="1"),
    "documents not a list": edit_manifest(documents={"a.pdf": 1}),
    "chunk count as text": edit_manifest(doc_chunks="1"),
    "negative chunk count": edit_manifest(doc_chunks=-1),
    "document name not text": edit_manifest(doc_name=["a.pdf"]),
    "embedding model not text": edit_manifest(embedding_model=64),
    "chunk size not a number": edit_manifest(chunk_tokens="320"),
    "unknown field": edit_manifest(run="os.system"),
    "manifest not JSON": write("manifest.json", b"{{{"),
    "manifest a JSON list": write("manifest.json", b"[]"),
    "manifest deeply nested": write("manifest.json", b"[" * 100_000 + b"]" * 100_000),
    "manifest not UTF-8": write("manifest.json", b"\xff\xfe{}"),
    "manifest a folder": manifest_as_folder,
    "more chunks than vectors": doubled_chunks,
    "more vectors than chunks": vectors_of_other_count,
    "chunk records of the wrong types": lambda f: (f / f"chunks-{generation(f)}.json").write_text(
        json.dumps([{"doc": 1, "page": "x", "text": None}] * 2)
    ),
    "vectors file not FAISS": lambda f: (f / f"vectors-{generation(f)}.faiss").write_bytes(b"\x80\x04junk"),
    "vectors file missing": lambda f: (f / f"vectors-{generation(f)}.faiss").unlink(),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_a_crafted_collection_folder_is_refused_with_how_to_rebuild(good: Path, case: str):
    folder = tampered(good, CRAFTED[case])

    with pytest.raises(CollectionError) as caught:
        Collection.open(folder.parent, folder.name, hash_embedding_model())

    assert REBUILD in str(caught.value)


def test_a_vectors_file_declaring_a_billion_floats_is_refused_before_faiss_allocates_them(good: Path):
    def billion(folder: Path) -> None:
        path = folder / f"vectors-{generation(folder)}.faiss"
        data = bytearray(path.read_bytes())
        header = len(faiss.serialize_index(faiss.IndexFlatIP(64)))
        data[header - 8 : header] = struct.pack("<Q", 10**9)  # the count of floats that follow
        path.write_bytes(bytes(data))

    folder = tampered(good, billion)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()

    with pytest.raises(CollectionError) as caught:
        Collection.open(folder.parent, folder.name, hash_embedding_model())

    # Unguarded, FAISS reserved 4 GB and spent 20 s before failing its read (measured here).
    assert time.perf_counter() - started < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 500_000  # KiB
    assert REBUILD in str(caught.value)


@pytest.mark.parametrize("layout", ["beside a manifest", "langchain faiss folder"])
def test_a_pickle_in_the_folder_is_refused_and_never_loaded(good: Path, tmp_path: Path, layout: str):
    marker = tmp_path / "code-ran"
    payload = pickle.dumps(RunsCode(marker))
    if layout == "beside a manifest":
        folder = tampered(good, write("index.pkl", payload))
    else:  # what LangChain's FAISS.save_local writes: index.faiss + index.pkl, no manifest
        folder = good.parent / "langchain"
        folder.mkdir()
        faiss.write_index(faiss.IndexFlatIP(64), str(folder / "index.faiss"))
        (folder / "index.pkl").write_bytes(payload)

    with pytest.raises(CollectionError) as caught:
        Collection.open(folder.parent, folder.name, hash_embedding_model())

    assert "pickle" in str(caught.value) and REBUILD in str(caught.value)
    assert not marker.exists()


def test_a_pickle_planted_in_the_bm25_file_is_not_loaded_and_the_collection_still_searches(good: Path, tmp_path: Path):
    marker = tmp_path / "code-ran"

    def plant(folder: Path) -> None:
        with open(folder / f"bm25-{generation(folder)}.npz", "wb") as handle:
            np.savez(handle, params=np.array([RunsCode(marker)], dtype=object))

    folder = tampered(good, plant)

    collection = Collection.open(folder.parent, folder.name, hash_embedding_model())

    assert not marker.exists()
    assert collection.search("FAISS", 1)[0].chunk.doc == "b.pdf"


def test_a_deflate_bomb_in_the_bm25_file_is_refused_unread_and_the_collection_still_searches(good: Path):
    bombs: list[Path] = []

    def plant(folder: Path) -> None:
        bombs.append(folder / f"bm25-{generation(folder)}.npz")
        with zipfile.ZipFile(bombs[0], "w", zipfile.ZIP_DEFLATED) as archive:
            with archive.open("data.npy", "w", force_zip64=True) as member:
                for _ in range(100):
                    member.write(bytes(1 << 20))

    folder = tampered(good, plant)
    assert bombs[0].stat().st_size < 1_000_000  # 100 MiB of zeros once inflated

    with pytest.raises(LexicalIndexError, match="compressed arrays"):
        LexicalIndex.load(bombs[0], 2)
    collection = Collection.open(folder.parent, folder.name, hash_embedding_model())
    assert collection.search("FAISS", 1)[0].chunk.doc == "b.pdf"


def test_no_file_a_collection_writes_is_a_pickle_or_outside_the_documented_layout(tmp_path: Path):
    collection = Collection.open(tmp_path / "data", "layout", hash_embedding_model())
    ingest_file(collection, make_pdf(["Um documento."]), name="um.pdf")
    ingest_file(collection, make_pdf(["Outro documento."]), name="outro.pdf")
    ingest_file(collection, make_pdf(["Um documento, segunda versao."]), name="um.pdf")
    collection.remove("outro.pdf")
    documented = re.compile(
        r"manifest\.json|vectors-\d+\.faiss|chunks-\d+\.json|bm25-\d+\.npz|\.lock|files/[0-9a-f]{64}\.pdf"
    )

    written = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]

    assert written
    for path in written:
        relative = path.relative_to(collection.folder).as_posix()
        assert documented.fullmatch(relative), f"undocumented file {relative}"
        assert path.read_bytes()[:2] not in PICKLE_HEADERS, f"{relative} is a pickle"
        if path.suffix == ".npz":
            with zipfile.ZipFile(path) as archive, np.load(path, allow_pickle=False) as arrays:
                for member in archive.namelist():
                    arrays[member.removesuffix(".npy")]  # raises on an object (pickled) array


UNSAFE_LOADS = re.compile(
    "|".join(
        [
            r"\bpickle\.loads?\(",
            r"\bimport (c?pickle|dill|cloudpickle|joblib|shelve)\b",
            r"\bfrom (c?pickle|dill|cloudpickle|joblib) import",
            r"allow_dangerous_deserialization",  # LangChain's FAISS.load_local opt-in to unpickling
            r"\.load_local\(",
            r"allow_pickle\s*=\s*True",
            r"\btorch\.load\(",
            r"\byaml\.load\(",
            r"\bmarshal\.loads?\(",
            r"\beval\(",
            r"\bexec\(",
        ]
    )
)


def test_product_code_never_unpickles_or_evaluates_data():
    sources = [ROOT / "app.py", *sorted((ROOT / "rag").rglob("*.py")), *sorted((ROOT / "llm").rglob("*.py"))]
    sources += sorted((ROOT / "ui").rglob("*.py"))
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        if path.is_file()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if UNSAFE_LOADS.search(line)
    ]

    assert len(sources) > 10
    assert not offenders, "\n".join(offenders)
