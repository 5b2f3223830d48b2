"""The interface's languages and how the sidebar names providers (its sentences are in i18n/catalogue/ui.py)."""

from __future__ import annotations

from typing import Literal

Language = Literal["pt", "en"]

LANGUAGES: dict[Language, str] = {"pt": "Português (Brasil)", "en": "English"}
DEFAULT_LANGUAGE: Language = "pt"

# How the sidebar names each provider of llm.Provider.
PROVIDER_NAMES = {
    "ollama": "Ollama (local)",
    "groq": "Groq",
    "openai": "OpenAI / compatible",
    "hf": "Hugging Face (local)",
    "fake": "Fake (tests and demos)",
}
