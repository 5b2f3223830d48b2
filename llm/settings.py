"""LLM settings: which provider and model, where it runs, read from the environment and .env."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, get_args

from llm.errors import LLMError, unknown_provider
from llm.messages import message

Provider = Literal["ollama", "groq", "openai", "hf", "fake"]

DEFAULT_MODELS: dict[Provider, str] = {
    # Qwen2.5 1.5B: Apache-2.0, about 1 GB in Q4_K_M, answers in Portuguese and English, 32k context,
    # and streams at reading speed on a CPU laptop. llama3.2:3b is the better writer but twice the
    # size and half the speed; it is one `ollama pull` away for those who have the memory.
    "ollama": "qwen2.5:1.5b",
    "groq": "llama-3.1-8b-instant",
    "openai": "gpt-4o-mini",
    # The same model as the Ollama default, so answers look alike across providers; ~1.2 GB in 4-bit.
    "hf": "Qwen/Qwen2.5-1.5B-Instruct",
    "fake": "fake",
}


def provider_names() -> tuple[str, ...]:
    """The valid provider names, in the order the sidebar offers them."""
    return get_args(Provider)


def parse_provider(name: str) -> Provider:
    """Return name as a Provider, or raise LLMError listing the valid names."""
    cleaned = name.strip().lower()
    for provider in get_args(Provider):
        if provider == cleaned:
            return provider
    raise LLMError(unknown_provider(name, provider_names()))


def _text(raw: str) -> str | None:
    return raw.strip() or None


def _flag(raw: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _setting(default: Any, env: str, parse: Callable[[str], Any] = _text, *, secret: bool = False) -> Any:
    # The variable name and its parser live beside the default, so load_llm_settings is one loop
    # and no default is written twice. Secrets are kept out of repr() so a logged settings object
    # cannot leak a key.
    return field(default=default, repr=not secret, metadata={"env": env, "parse": parse})


@dataclass(frozen=True)
class LLMSettings:
    """Everything llm/ needs to build a chat model; each field names the variable that sets it."""

    provider: Provider = _setting("ollama", "CONVERSA_LLM_PROVIDER", parse_provider)
    """Which provider answers (CONVERSA_LLM_PROVIDER)."""
    model: str | None = _setting(None, "CONVERSA_LLM_MODEL")
    """Model for `provider` (CONVERSA_LLM_MODEL); None means DEFAULT_MODELS[provider]."""
    ollama_base_url: str = _setting("http://127.0.0.1:11434", "OLLAMA_BASE_URL")
    """Where the Ollama server listens (OLLAMA_BASE_URL)."""
    num_ctx: int = _setting(8192, "CONVERSA_OLLAMA_NUM_CTX", int)
    """Ollama context window in tokens (CONVERSA_OLLAMA_NUM_CTX). Ollama's own default is small and
    silently truncates RAG prompts; 8192 holds several sources plus history without much memory."""
    groq_api_key: str | None = _setting(None, "GROQ_API_KEY", secret=True)
    """Groq key (GROQ_API_KEY); the sidebar can supply one instead."""
    groq_base_url: str | None = _setting(None, "GROQ_BASE_URL")
    """Groq endpoint override (GROQ_BASE_URL), for proxies and tests; None means api.groq.com."""
    openai_api_key: str | None = _setting(None, "OPENAI_API_KEY", secret=True)
    """OpenAI key (OPENAI_API_KEY); optional when openai_base_url points at a local server."""
    openai_base_url: str | None = _setting(None, "OPENAI_BASE_URL")
    """OpenAI-compatible endpoint (OPENAI_BASE_URL): vLLM, LM Studio, llama.cpp server; None means api.openai.com."""
    hf_model: str = _setting(DEFAULT_MODELS["hf"], "CONVERSA_HF_MODEL")
    """Hugging Face model id or local folder for the hf provider (CONVERSA_HF_MODEL)."""
    hf_allow_cpu: bool = _setting(False, "CONVERSA_HF_ALLOW_CPU", _flag)
    """Run hf models unquantised on the CPU when there is no CUDA GPU (CONVERSA_HF_ALLOW_CPU=1)."""
    allow_fake: bool = _setting(False, "CONVERSA_ALLOW_FAKE_LLM", _flag)
    """Offer the deterministic fake model in the sidebar (CONVERSA_ALLOW_FAKE_LLM=1)."""
    temperature: float = _setting(0.1, "CONVERSA_LLM_TEMPERATURE", float)
    """Sampling temperature (CONVERSA_LLM_TEMPERATURE); low, because answers should stick to the sources."""
    max_tokens: int | None = _setting(None, "CONVERSA_LLM_MAX_TOKENS", int)
    """Longest answer in tokens (CONVERSA_LLM_MAX_TOKENS); None means the provider's default."""
    timeout: float = _setting(120.0, "CONVERSA_LLM_TIMEOUT", float)
    """Seconds to wait for a reply before giving up (CONVERSA_LLM_TIMEOUT). Generous because Ollama
    on a CPU can read a long prompt for over a minute before its first token."""


def _read_env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    if env is not None:
        return env
    from dotenv import dotenv_values

    # Only the .env of the working directory, and the real environment wins (as load_dotenv with
    # override=False). dotenv_values leaves os.environ untouched, so a test's .env cannot leak into
    # the next test, and find_dotenv's walk up from this file cannot pick up an unrelated .env.
    from_file = {k: v for k, v in dotenv_values(Path.cwd() / ".env").items() if v is not None}
    return {**from_file, **os.environ}


def load_llm_settings(env: Mapping[str, str] | None = None) -> LLMSettings:
    """Read LLMSettings from env, or from os.environ over ./.env when env is None.

    Raises:
        LLMError: a variable holds a value that cannot be used (unknown provider, not a number).
    """
    source = _read_env(env)
    values: dict[str, Any] = {}
    for spec in fields(LLMSettings):
        variable = spec.metadata["env"]
        raw = source.get(variable)
        if raw is None or not raw.strip():
            continue
        try:
            values[spec.name] = spec.metadata["parse"](raw)
        except ValueError:
            raise LLMError(message("not_a_number", variable=variable, raw=raw)) from None
    return LLMSettings(**values)


def resolve_model(provider: Provider, model: str | None, settings: LLMSettings) -> str:
    """The model to use: the one asked for, else the configured one, else the provider's default."""
    if model and model.strip():
        return model.strip()
    # CONVERSA_LLM_MODEL names a model of CONVERSA_LLM_PROVIDER only: an Ollama tag means nothing to Groq.
    if provider == settings.provider and settings.model:
        return settings.model
    if provider == "hf":
        return settings.hf_model
    return DEFAULT_MODELS[provider]


def offered_providers(settings: LLMSettings) -> list[Provider]:
    """The providers the sidebar offers: all of them, the fake one only with CONVERSA_ALLOW_FAKE_LLM=1."""
    return [p for p in get_args(Provider) if p != "fake" or settings.allow_fake]
