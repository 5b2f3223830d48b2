"""The lexical side of a collection: a BM25 index (bm25s) over chunk texts, stemmed for Portuguese and English."""

from __future__ import annotations

import json
import math
import re
import unicodedata
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from rag.documents.chunking import Chunk

Stemming = Literal["both", "portuguese", "english", "none"]

# "both" stems every word with the Portuguese and the English stemmer and keeps both stems: the corpus mixes the
# two languages (English terms in Portuguese text, English questions), and a word stemmed by the wrong language's
# rules still meets itself. Chosen by measurement: see docs/retrieval.md.
DEFAULT_STEMMING: Stemming = "both"
# Lucene's BM25 with its usual parameters: nothing here was tuned on the dev questions.
_K1, _B = 1.5, 0.75
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Bumped when tokenisation or the indexed text changes, so an index written by older code is rebuilt, not misread.
_TOKENIZER_VERSION = 2


class LexicalIndexError(Exception):
    """A stored BM25 file that cannot be used; the collection rebuilds it from its chunks."""


def lexical_file(folder: Path, generation: int) -> Path:
    """The BM25 file of one generation of a collection, beside its vectors and chunks."""
    return folder / f"bm25-{generation}.npz"


def remove_stale_lexical_files(folder: Path, generation: int) -> None:
    """Drop the BM25 files of older generations (and of a crashed writer's uncommitted one)."""
    keep = lexical_file(folder, generation).name
    for path in folder.glob("bm25-*.npz"):
        if path.name != keep:
            path.unlink(missing_ok=True)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_PORTUGUESE

    return frozenset(w.lower() for w in (*STOPWORDS_PORTUGUESE, *STOPWORDS_EN_PLUS))


@lru_cache(maxsize=4)
def _stemmers(stemming: Stemming) -> tuple:
    import Stemmer

    languages = {"both": ("portuguese", "english"), "portuguese": ("portuguese",), "english": ("english",)}
    return tuple(Stemmer.Stemmer(language) for language in languages.get(stemming, ()))


def _fold(token: str) -> str:
    """Accents dropped after stemming: "decodificação" typed as "decodificacao" still matches."""
    return "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))


def indexed_text(chunk: Chunk) -> str:
    """What BM25 indexes for a chunk: its document's file name, as words, then its text.

    Questions often name their source ("the agent notes", "segundo o microcurso"); the file name is the only
    place a chunk says which document it comes from.
    """
    title = re.sub(r"[\W_]+", " ", chunk.doc.rsplit(".", 1)[0])
    return f"{title} {chunk.text}"


@lru_cache(maxsize=200_000)
def _word_tokens(word: str, stemming: Stemming) -> tuple[str, ...]:
    """A word's stems, one per stemmer, once when they agree; cached, as a corpus repeats its words."""
    stemmers = _stemmers(stemming)
    if not stemmers:
        return (_fold(word),)
    return tuple(dict.fromkeys(_fold(stemmer.stemWord(word)) for stemmer in stemmers))


def tokenize(text: str, stemming: Stemming = DEFAULT_STEMMING) -> list[str]:
    """Lower-cased words, Portuguese and English stopwords removed, each word's stems (one per stemmer)."""
    stop = _stopwords()
    return [t for w in _WORD.findall(text.lower()) if w not in stop for t in _word_tokens(w, stemming)]


def query_words(text: str, stemming: Stemming = DEFAULT_STEMMING) -> list[tuple[str, ...]]:
    """The searchable words of a text, each as its stems: what "a word the collection knows" is judged on."""
    stop = _stopwords()
    return [_word_tokens(w, stemming) for w in _WORD.findall(text.lower()) if w not in stop]


def term_id(token: str) -> int:
    """A token's index in a sparse vector: the same in every process and on every machine (unlike `hash`)."""
    return zlib.crc32(token.encode("utf-8"))


def term_weights(text: str, average_terms: float) -> dict[int, float]:
    """BM25's term-frequency part of each token of a passage, by `term_id`, in the same Lucene form bm25s uses.

    The inverse-document-frequency part is left to the engine that holds the whole collection (Qdrant's IDF
    modifier), so adding a document never rewrites the others. `average_terms` is the collection's typical
    passage length in tokens, fixed when it was created.
    """
    tokens = tokenize(text)
    norm = _K1 * (1 - _B + _B * len(tokens) / max(average_terms, 1.0))
    return {term: tf / (tf + norm) for term, tf in Counter(term_id(t) for t in tokens).items()}


@dataclass(frozen=True)
class LexicalIndex:
    """BM25 scores of every chunk for a query; rows are the collection's chunk order."""

    retriever: Any
    """A `bm25s.BM25` with its score matrix and vocabulary; None when no chunk has a searchable word."""
    size: int
    stemming: Stemming = DEFAULT_STEMMING

    @classmethod
    def build(cls, texts: list[str], stemming: Stemming = DEFAULT_STEMMING) -> LexicalIndex:
        import bm25s

        corpus = [tokenize(t, stemming) for t in texts]
        if not any(corpus):
            return cls(None, len(texts), stemming)
        retriever = bm25s.BM25(k1=_K1, b=_B, method="lucene")
        retriever.index(corpus, show_progress=False)
        return cls(retriever, len(texts), stemming)

    @property
    def _vocab(self) -> dict[str, int]:
        return self.retriever.vocab_dict if self.retriever is not None else {}

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of each chunk for `query` (zeros when no query word is in the collection)."""
        vocab = self._vocab
        ids = [vocab[t] for t in dict.fromkeys(tokenize(query, self.stemming)) if t and t in vocab]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores_from_ids(ids), dtype=np.float32)

    def known_fraction(self, query: str) -> float:
        """Share of the query's words that occur anywhere in the collection (1.0 for a query with no words)."""
        vocab = self._vocab
        words = query_words(query, self.stemming)
        if not words:
            return 1.0
        return sum(any(t in vocab for t in stems) for stems in words) / len(words)

    def idf(self, term: str) -> float:
        """BM25's (Lucene's) inverse document frequency of a token: 0 documents for a token the index lacks."""
        row = self._vocab.get(term)
        frequency = 0
        if row is not None:
            indptr = self.retriever.scores["indptr"]
            frequency = int(indptr[row + 1] - indptr[row])
        return math.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5))

    def top(self, query: str, n: int) -> list[tuple[int, float]]:
        """Up to `n` (row, score) pairs with a positive score, best first."""
        scores = self.scores(query)
        if not len(scores) or n <= 0:
            return []
        n = min(n, len(scores))
        rows = np.argpartition(-scores, n - 1)[:n]
        rows = rows[np.argsort(-scores[rows], kind="stable")]
        return [(int(r), float(scores[r])) for r in rows if scores[r] > 0]

    def save(self, path: Path) -> None:
        """Write the index as one `.npz` of plain arrays (no pickles): the BM25 score matrix in CSC form, and the
        parameters and vocabulary as UTF-8 JSON bytes."""
        scores = self.retriever.scores if self.retriever is not None else {}
        header = {
            "version": _TOKENIZER_VERSION,
            "stemming": self.stemming,
            "k1": _K1,
            "b": _B,
            "size": self.size,
            "vocab": self._vocab,
        }
        with open(path, "wb") as handle:
            np.savez(
                handle,
                header=np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
                data=np.asarray(scores.get("data", np.zeros(0)), dtype=np.float32),
                indices=np.asarray(scores.get("indices", np.zeros(0)), dtype=np.int32),
                indptr=np.asarray(scores.get("indptr", np.zeros(1)), dtype=np.int64),
            )

    @classmethod
    def load(cls, path: Path, size: int, stemming: Stemming = DEFAULT_STEMMING) -> LexicalIndex:
        """Read an index written by `save`, checked against the chunk count and the current tokeniser.

        Raises:
            LexicalIndexError: the file is missing, damaged, or was built differently.
        """
        import bm25s

        try:
            _check_stored(path)
            with np.load(path, allow_pickle=False) as stored:
                header = json.loads(stored["header"].tobytes().decode("utf-8"))
                data, indices, indptr = stored["data"], stored["indices"], stored["indptr"]
            vocab = header["vocab"]
            if header.get("version") != _TOKENIZER_VERSION or header.get("stemming") != stemming:
                raise LexicalIndexError(f"{path.name} was built with another tokeniser")
            if header.get("size") != size or not _consistent(vocab, data, indices, indptr, size):
                raise LexicalIndexError(f"{path.name} does not match the collection's {size} chunks")
            k1, b = float(header["k1"]), float(header["b"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
            raise LexicalIndexError(f"{path.name} cannot be read ({exc})") from exc
        if not vocab:
            return cls(None, size, stemming)
        retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
        retriever.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": size}
        retriever.vocab_dict = vocab
        retriever.unique_token_ids_set = set(vocab.values())
        retriever.nonoccurrence_array = None
        return cls(retriever, size, stemming)


def _check_stored(path: Path) -> None:
    """Refuse an archive whose arrays are compressed: `save` never compresses, and a crafted file could hold a few
    kilobytes that inflate to gigabytes when read."""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    if any(m.compress_type != zipfile.ZIP_STORED or m.file_size > m.compress_size for m in members):
        raise LexicalIndexError(f"{path.name} holds compressed arrays, which Conversa does not write")


def _consistent(vocab: object, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, size: int) -> bool:
    """Whether stored arrays form a score matrix bm25s can search without reading out of bounds."""
    if not isinstance(vocab, dict):
        return False
    if not vocab:
        return True
    ids = sorted(vocab.values())
    # bm25s numbers words 0..n-1 and keeps one column per word, plus the empty token it adds last.
    if ids != list(range(len(ids))) or len(indptr) != len(ids):
        return False
    if data.ndim != 1 or indices.shape != data.shape or indptr.ndim != 1 or indptr[0] != 0:
        return False
    if indptr[-1] != len(data) or np.any(np.diff(indptr) < 0):
        return False
    return not len(indices) or (0 <= int(indices.min()) and int(indices.max()) < size)
