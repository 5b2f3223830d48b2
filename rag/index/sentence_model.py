"""Hub and local sentence-transformers models (the default multilingual-e5-small among them), through
langchain-huggingface."""

from __future__ import annotations

import contextlib
import threading

from langchain_core.embeddings import Embeddings

from config.settings import EmbeddingPrecision
from rag.index.encoding import PASSAGE_BATCH, PASSAGE_PREFIX, QUERY_PREFIX, QUERY_THREADS, resolve_precision


class SentenceTransformerEmbeddings(Embeddings):
    """`HuggingFaceEmbeddings` with the e5 prefixes set for both sides and normalised vectors."""

    def __init__(
        self, model_name: str, prefixes: bool, local_files_only: bool = False, precision: EmbeddingPrecision = "fp32"
    ) -> None:
        import torch
        from langchain_huggingface import HuggingFaceEmbeddings

        passage_kwargs: dict[str, object] = {"normalize_embeddings": True, "batch_size": PASSAGE_BATCH}
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
        # unless the caller set it), single questions get `QUERY_THREADS`. Each call sets the one it needs under the
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
        for start in range(0, len(texts), PASSAGE_BATCH):
            with self._lock, self._compute(self._passage_threads):
                vectors.extend(self._hf.embed_documents(list(texts[start : start + PASSAGE_BATCH])))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        with self._lock, self._compute(QUERY_THREADS):
            return self._hf.embed_query(text)

    def count_tokens(self, texts: list[str]) -> list[int]:
        with self._lock:
            encoded = self.client.tokenizer([self._prefix + t for t in texts], add_special_tokens=True)
        return [len(ids) for ids in encoded["input_ids"]]
