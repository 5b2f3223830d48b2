"""LLMError and the user-facing sentences shared by the factory, the checks and explain_error."""

from __future__ import annotations

from collections.abc import Iterable

from i18n import Message, message
from i18n.catalogue import CATALOGUE

# Which variable holds each provider's key: the sentence names it so the user knows what to set.
KEY_VARIABLES = {"groq": "GROQ_API_KEY", "openai": "OPENAI_API_KEY"}


class LLMError(Exception):
    """A failure the user can act on; str() is one sentence saying what to do, never a key."""

    @property
    def message(self) -> str:
        """The sentence as raised: an i18n Message (which the UI can show in its language) or plain text."""
        return self.args[0] if len(self.args) == 1 and isinstance(self.args[0], str) else str(self)


def unknown_provider(name: str, valid: Iterable[str]) -> Message:
    return message("unknown_provider", name=name, valid=", ".join(valid))


def missing_key(provider: str) -> Message:
    return message("missing_key", label=provider_label(provider), variable=KEY_VARIABLES[provider])


def missing_package(provider: str, packages: str | Message) -> Message:
    return message("missing_package", provider=provider, packages=packages)


def ollama_not_running(url: str) -> Message:
    return message("ollama_not_running", url=url)


def model_not_pulled(model: str, pulled: Iterable[str]) -> Message:
    names = ", ".join(pulled)
    have = message("pulled_list", names=names) if names else message("nothing_pulled")
    return message("model_not_pulled", model=model, have=have)


def hf_needs_gpu(model: str) -> Message:
    return message("hf_needs_gpu", model=model)


def provider_label(provider: str) -> Message:
    """How a provider is named inside a sentence ("Groq"; in Portuguese "o Groq")."""
    code = f"provider.{provider}"
    return message(code) if code in CATALOGUE else message("provider.other", provider=provider)
