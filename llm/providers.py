"""The chat-model providers: their names, default models, and which model a request resolves to."""

from __future__ import annotations

from typing import get_args

from config.settings import DEFAULTS, Provider, Settings
from llm.errors import LLMError, unknown_provider

DEFAULT_MODELS: dict[Provider, str] = {
    # Qwen2.5 1.5B: Apache-2.0, about 1 GB in Q4_K_M, answers in Portuguese and English, 32k context,
    # and streams at reading speed on a CPU laptop. llama3.2:3b is the better writer but twice the
    # size and half the speed; it is one `ollama pull` away for those who have the memory.
    "ollama": "qwen2.5:1.5b",
    "groq": "llama-3.1-8b-instant",
    "openai": "gpt-4o-mini",
    "hf": DEFAULTS.hf_model,  # CONVERSA_HF_MODEL's default, declared once in config/settings.py
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


def resolve_model(provider: Provider, model: str | None, settings: Settings) -> str:
    """The model to use: the one asked for, else the configured one, else the provider's default."""
    if model and model.strip():
        return model.strip()
    # CONVERSA_LLM_MODEL names a model of CONVERSA_LLM_PROVIDER only: an Ollama tag means nothing to Groq.
    if provider == settings.provider and settings.model:
        return settings.model
    if provider == "hf":
        return settings.hf_model
    return DEFAULT_MODELS[provider]


def offered_providers(settings: Settings) -> list[Provider]:
    """The providers the sidebar offers: all of them, the fake one only with CONVERSA_ALLOW_FAKE_LLM=1."""
    return [p for p in get_args(Provider) if p != "fake" or settings.allow_fake]
