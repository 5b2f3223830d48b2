"""Optional reranking of retrieved passages with a cross-encoder (sentence-transformers), off by default."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rag.index.embeddings import Hub

# A multilingual (Portuguese included) cross-encoder of e5-small's size, for CONVERSA_RERANK_MODEL; not bundled.
SUGGESTED_MODEL = "cross-encoder/mmarco-mMiniLMv2-L12-H384-v1"


class RerankerError(Exception):
    """A cross-encoder that cannot be loaded; the message says how to fix it."""


class Reranker(Protocol):
    def score(self, query: str, texts: list[str]) -> list[float]:
        """Relevance of each text to the query; higher is better."""
        ...


class CrossEncoderReranker:
    """Scores (query, passage) pairs jointly: slower than the bi-encoder, so it only reorders the best candidates."""

    def __init__(self, model_id: str, hub: Hub) -> None:
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as exc:
            raise RerankerError("Reranking needs sentence-transformers: pip install sentence-transformers") from exc
        from rag.index.embeddings import is_cached

        folder = Path(model_id).expanduser()
        offline = folder.is_dir() or is_cached(model_id)
        if not offline and not hub.reachable():
            raise RerankerError(
                f"The reranking model {model_id} is not cached and the Hugging Face hub cannot be reached. Connect "
                f"once to download it, point CONVERSA_RERANK_MODEL at a local folder, or leave it empty."
            )
        try:
            self._model = CrossEncoder(
                str(folder) if folder.is_dir() else model_id, device="cpu", local_files_only=offline
            )
        except Exception as exc:
            raise RerankerError(
                f"Could not load the reranking model {model_id} ({type(exc).__name__}: {exc}). Download it once "
                f"while online, point CONVERSA_RERANK_MODEL at a local folder, or leave it empty to turn reranking off."
            ) from exc
        self.model_id = model_id
        self._lock = threading.Lock()  # one predict at a time: torch on a 2-core machine gains nothing from more

    def score(self, query: str, texts: list[str]) -> list[float]:
        if not texts:
            return []
        with self._lock:
            scores = self._model.predict([(query, text) for text in texts], show_progress_bar=False)
        return [float(s) for s in scores]


def load_reranker(model_id: str, hub: Hub) -> Reranker | None:
    """The configured reranker, or None when `model_id` is empty (reranking off); `hub` says where a model that is
    not cached may be downloaded from."""
    return CrossEncoderReranker(model_id, hub) if model_id else None
