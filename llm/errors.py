"""LLMError and the user-facing sentences shared by the factory, the checks and explain_error."""

from __future__ import annotations

from collections.abc import Iterable

# How each provider is named in a sentence shown to the user.
PROVIDER_LABELS = {
    "ollama": "Ollama",
    "groq": "Groq",
    "openai": "OpenAI",
    "hf": "Hugging Face",
    "fake": "the fake model",
}

# Which variable holds each provider's key: the sentence names it so the user knows what to set.
KEY_VARIABLES = {"groq": "GROQ_API_KEY", "openai": "OPENAI_API_KEY"}


class LLMError(Exception):
    """A failure the user can act on; str() is one sentence saying what to do, never a key."""


def unknown_provider(name: str, valid: Iterable[str]) -> str:
    return f"Unknown LLM provider {name!r}: choose one of {', '.join(valid)}."


def missing_key(provider: str) -> str:
    label = PROVIDER_LABELS[provider]
    variable = KEY_VARIABLES[provider]
    return f"{label} needs {variable}: put it in .env (see .env.example) or paste it in the sidebar."


def missing_package(provider: str, packages: str) -> str:
    return f"The {provider} provider needs extra packages: run `pip install {packages}`."


def ollama_not_running(url: str) -> str:
    return f"Ollama is not running at {url}: start it with `ollama serve`."


def model_not_pulled(model: str, pulled: Iterable[str]) -> str:
    names = ", ".join(pulled)
    have = f"pulled: {names}" if names else "nothing is pulled yet"
    return f"Model {model} is not pulled in Ollama: run `ollama pull {model}` ({have})."


def hf_needs_gpu(model: str) -> str:
    return (
        f"Hugging Face model {model} is loaded in 4-bit, which needs a CUDA GPU and none was found: "
        "use Ollama instead, or set CONVERSA_HF_ALLOW_CPU=1 to run a small model unquantised on the CPU (slow)."
    )
