"""The BM25 side of a collection: stemmed PT+EN tokens, persisted without pickles, kept in step with the vectors."""

from __future__ import annotations

import numpy as np

from rag.documents.chunking import Chunk
from rag.documents.pdf import load_pdf
from rag.index.bm25 import LexicalIndex, indexed_text, lexical_file, tokenize
from rag.index.faiss.collection import Collection
from tests.pdfs import make_pdf

QUANTIZATION = "A quantizacao reduz a precisao dos pesos do modelo para 4 bits com o BitsAndBytesConfig."
LORA = "LoRA treina matrizes de baixo posto em vez de todos os parametros do modelo."
GARDEN = "O jardim precisa de agua todas as manhas e de sol durante a tarde."


def _collection(data_dir, e5) -> Collection:
    return Collection.open(data_dir, "kb", e5, chunk_tokens=64, chunk_overlap=8)


def _docs_found(collection: Collection, query: str) -> set[str]:
    rankings = collection.rank([(query, 1.0)], 10)
    return {rankings.chunks[row].doc for row, _ in rankings.queries[0].lexical}


def test_words_are_stemmed_for_portuguese_and_english_and_stopwords_dropped():
    assert tokenize("os modelos") == tokenize("modelo")  # Portuguese plural, stopword "os" dropped
    assert set(tokenize("models")) & set(tokenize("model"))  # English plural
    assert tokenize("the of de que") == []
    assert set(tokenize("decodificação")) & set(tokenize("decodificacao"))  # accents do not matter


def test_bm25_is_written_with_each_generation_and_follows_add_and_remove(isolated_data_dir, e5):
    collection = _collection(isolated_data_dir, e5)
    collection.add(load_pdf(make_pdf([QUANTIZATION]), name="quant.pdf"))
    collection.add(load_pdf(make_pdf([LORA, GARDEN]), name="lora.pdf"))
    folder = collection.folder
    assert sorted(p.name for p in folder.glob("bm25-*.npz")) == ["bm25-2.npz"]  # older generations are dropped
    assert _docs_found(collection, "BitsAndBytesConfig") == {"quant.pdf"}

    reopened = Collection.open(isolated_data_dir, "kb", e5)
    assert _docs_found(reopened, "LoRA") == {"lora.pdf"}
    assert reopened.remove("quant.pdf")
    assert _docs_found(reopened, "BitsAndBytesConfig") == set()
    assert sorted(p.name for p in folder.glob("bm25-*.npz")) == ["bm25-3.npz"]
    assert _docs_found(Collection.open(isolated_data_dir, "kb", e5), "jardim") == {"lora.pdf"}


def test_bm25_file_is_plain_arrays_that_load_without_pickle(isolated_data_dir, e5):
    collection = _collection(isolated_data_dir, e5)
    collection.add(load_pdf(make_pdf([QUANTIZATION, GARDEN]), name="a.pdf"))
    path = lexical_file(collection.folder, collection.info.generation)
    with np.load(path, allow_pickle=False) as stored:  # raises if any array needed pickle
        assert set(stored.files) == {"header", "data", "indices", "indptr"}
        assert all(stored[name].dtype != object for name in stored.files)
    loaded = LexicalIndex.load(path, size=2)
    assert loaded.top("jardim", 2)[0][0] == 1


def test_collection_written_before_bm25_existed_rebuilds_it_on_open(isolated_data_dir, e5):
    collection = _collection(isolated_data_dir, e5)
    collection.add(load_pdf(make_pdf([QUANTIZATION, GARDEN]), name="a.pdf"))
    lexical_file(collection.folder, collection.info.generation).unlink()
    assert _docs_found(Collection.open(isolated_data_dir, "kb", e5), "jardim") == {"a.pdf"}


def test_damaged_or_mismatched_bm25_file_is_rebuilt_not_trusted(isolated_data_dir, e5):
    collection = _collection(isolated_data_dir, e5)
    collection.add(load_pdf(make_pdf([QUANTIZATION, GARDEN]), name="a.pdf"))
    path = lexical_file(collection.folder, collection.info.generation)
    LexicalIndex.build(["outra coisa"]).save(path)  # one row for a collection of two chunks
    assert _docs_found(Collection.open(isolated_data_dir, "kb", e5), "jardim") == {"a.pdf"}
    path.write_bytes(b"not an npz file")
    assert _docs_found(Collection.open(isolated_data_dir, "kb", e5), "jardim") == {"a.pdf"}


def test_file_name_is_searchable_as_words():
    index = LexicalIndex.build([indexed_text(Chunk("notas-llm-agentes.pdf", 1, "Tokens especiais."))])
    assert index.top("the agent notes", 1) != []


def test_query_with_no_known_word_scores_nothing():
    index = LexicalIndex.build([QUANTIZATION, GARDEN])
    assert index.top("xylofone zzz", 5) == []
    assert index.known_fraction("jardim xylofone") == 0.5
    assert LexicalIndex.build([]).top("jardim", 5) == []
    assert LexicalIndex.build(["de a o"]).top("jardim", 5) == []  # only stopwords: nothing to index
