"""Whether the retrieved passages seem to answer a question, judged from retrieval scores alone (no LLM), calibrated
for each collection against questions about unrelated things."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.index.types import Rankings
from rag.search.crosslingual import LanguageRegions

if TYPE_CHECKING:
    from rag.index.embeddings import EmbeddingModel
    from rag.index.store import KnowledgeBase

# Everyday questions in Portuguese and English about things a document collection is unlikely to hold: the null
# model. Written once, before any measurement, and never tuned on a question set (docs/retrieval.md).
REFERENCE_QUESTIONS = Path(__file__).with_name("reference_questions.txt")
# A question's affinity to the reference questions: its mean cosine to the few nearest, so that one reference that
# happens to resemble it does not decide alone.
_NEAREST_REFERENCES = 3
# A search is covered when it is closer to the collection than this share of the reference questions are. Not a
# cosine: a level of the collection's own null distribution, the same for every model. Chosen on the dev and probe
# sets with two models (the highest level that wrongly flags at most 1 answerable question in 20 with either;
# docs/retrieval.md), confirmed on the held-out set. A reference question the collection happens to answer (a
# cookbook and the feijoada) sits above this level and does not move it.
NULL_LEVEL = 0.8


@lru_cache(maxsize=1)
def reference_questions() -> tuple[str, ...]:
    lines = REFERENCE_QUESTIONS.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip())


@dataclass(frozen=True)
class CoverageSignals:
    """Scores of one search that tell answerable questions from questions the documents do not cover."""

    top_cosine: float
    """Best dense cosine over the search's queries."""
    known_fraction: float
    """Share of the searched words found anywhere in the collection (lowest over the queries)."""
    contrast: float | None = None
    """How much closer the search is to the collection than to unrelated questions: a query's best passage cosine
    minus its mean cosine to its nearest reference questions (best over the queries); None without a calibration."""

    def to_json(self) -> dict[str, float | None]:
        return {"top_cosine": self.top_cosine, "known_fraction": self.known_fraction, "contrast": self.contrast}


@dataclass(frozen=True)
class Calibration:
    """A collection's null model: how close questions about unrelated things come to it, in its model's cosines.

    Each reference question's contrast is its best passage cosine minus its mean cosine to its nearest *other*
    reference questions; a search whose contrast does not beat most of them looks like an unrelated question.
    No cosine is set by hand: the threshold moves with the embedding model (e5 cosines crowd into 0.7-0.95, the
    Universal Sentence Encoder's spread over 0-0.8) and with the collection.
    """

    references: np.ndarray
    """The reference questions' query vectors, normalised, one row each."""
    contrasts: tuple[float, ...]
    threshold: float
    """The NULL_LEVEL quantile of the reference contrasts."""
    regions: LanguageRegions = field(default_factory=lambda: LanguageRegions({}))
    """Where each language's reference questions sit in the model's query space (rag/search/crosslingual.py)."""

    def reference_cosine(self, vector: np.ndarray) -> float:
        """Mean cosine of a query vector to its nearest reference questions."""
        cosines = np.sort(self.references @ _unit(vector))[::-1]
        return float(cosines[:_NEAREST_REFERENCES].mean())


def _unit(vector: np.ndarray | list[float]) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(array))
    return array / norm if norm else array


def calibrate(collection: KnowledgeBase) -> Calibration | None:
    """The collection's null model from the reference questions; None for an empty collection."""
    questions = list(reference_questions())
    # One batch, remembered by the model: rank() below and later calibrations find them embedded.
    references = np.vstack([_unit(v) for v in collection.embedding.embed_queries(questions)])
    ranked = collection.rank([(q, 1.0) for q in questions], 1, lexical=False)
    if not all(q.dense for q in ranked.queries):
        return None
    between = references @ references.T
    np.fill_diagonal(between, -np.inf)
    nearest = np.sort(between, axis=1)[:, ::-1][:, :_NEAREST_REFERENCES].mean(axis=1)
    contrasts = np.array([q.dense[0][1] for q in ranked.queries]) - nearest
    threshold = float(np.quantile(contrasts, NULL_LEVEL))
    regions = LanguageRegions.of(questions, references)
    return Calibration(references, tuple(float(c) for c in contrasts), threshold, regions)


_calibrations: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_calibrations_lock = threading.Lock()


def calibration_for(collection: KnowledgeBase) -> Calibration | None:
    """The collection's calibration, computed on its first search and again after it changes (kept per state while
    the collection object lives)."""
    documents = collection.documents()
    state = (collection.embedding.model_id, tuple((d.sha256, d.chunks) for d in documents))
    with _calibrations_lock:
        cached = _calibrations.get(collection)
    if cached is not None and cached[0] == state:
        return cached[1]
    calibration = calibrate(collection)
    with _calibrations_lock:
        _calibrations[collection] = (state, calibration)
    return calibration


def signals(
    rankings: Rankings, embedding: EmbeddingModel | None = None, calibration: Calibration | None = None
) -> CoverageSignals | None:
    """The signals of a search; None when nothing was found (an empty collection). The contrast needs the
    collection's model (to read the queries' vectors back) and its calibration."""
    queries = [q for q in rankings.queries if q.dense]
    if not queries:
        return None
    contrast = None
    if embedding is not None and calibration is not None:
        contrast = max(
            q.dense[0][1] - calibration.reference_cosine(np.asarray(embedding.embed_query(q.query))) for q in queries
        )
    return CoverageSignals(max(q.dense[0][1] for q in queries), min(q.known_fraction for q in queries), contrast)


def is_covered(
    found: CoverageSignals | None, calibration: Calibration | None, threshold: float | None = None
) -> bool | None:
    """True when the passages seem to answer the question, False when they do not; None when nothing was found.

    With `threshold` (the user's CONVERSA_MIN_TOP_COSINE) the best cosine is compared with it; otherwise the
    search's contrast must beat the collection's calibration: be closer to the documents than most unrelated
    reference questions are.
    """
    if found is None:
        return None
    if threshold is not None:
        return found.top_cosine >= threshold
    if calibration is None or found.contrast is None:
        return None
    return found.contrast > calibration.threshold
