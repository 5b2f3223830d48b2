"""Which models each provider offers: what Ollama has pulled, curated lists for the hosted APIs."""

from __future__ import annotations

from dataclasses import dataclass

from config.settings import Provider, Settings
from i18n import message
from llm.errors import LLMError, ollama_not_running
from llm.providers import parse_provider

# The sidebar calls this on every rerun: a local server answers in milliseconds, so two seconds
# only ever runs out when something is wrong.
PROBE_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class ModelInfo:
    """A model a provider offers; size_bytes is known only for what Ollama has pulled."""

    name: str
    size_bytes: int | None = None


def pulled_models(base_url: str, timeout: float = PROBE_TIMEOUT_S) -> list[ModelInfo]:
    """The models pulled on the Ollama server at base_url, from GET /api/tags.

    Raises:
        LLMError: the server is not running, too slow, or does not answer like Ollama.
    """
    import httpx

    url = base_url.rstrip("/")
    try:
        response = httpx.get(f"{url}/api/tags", timeout=timeout)
        response.raise_for_status()
        models = response.json()["models"]
        return [ModelInfo(m["name"], m.get("size")) for m in models]
    except httpx.ConnectError:
        raise LLMError(ollama_not_running(url)) from None
    except httpx.TimeoutException:
        raise LLMError(message("ollama_timeout", url=url, timeout=timeout)) from None
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        raise LLMError(message("not_ollama", url=url)) from None


def is_pulled(model: str, pulled: list[ModelInfo]) -> bool:
    """Whether model is among pulled; a name without a tag means its `:latest`, as Ollama reads it."""
    names = {m.name for m in pulled}
    return model in names or (":" not in model and f"{model}:latest" in names)


# Chat models worth offering, smallest and cheapest first. The APIs list far more (speech,
# embeddings, moderation); a short list the sidebar can show beats a complete one.
GROQ_MODELS = (
    "llama-3.1-8b-instant",
    "llama-3.3-70b-versatile",
    "openai/gpt-oss-20b",
    "openai/gpt-oss-120b",
    "qwen/qwen3-32b",
)
OPENAI_MODELS = ("gpt-4o-mini", "gpt-4.1-nano", "gpt-4.1-mini", "gpt-4o", "gpt-4.1")
# Instruct models small enough for a laptop GPU in 4-bit (or, slowly, a CPU) with a chat template.
HF_MODELS = (
    "Qwen/Qwen2.5-1.5B-Instruct",
    "Qwen/Qwen2.5-0.5B-Instruct",
    "HuggingFaceTB/SmolLM2-1.7B-Instruct",
    "Qwen/Qwen2.5-3B-Instruct",
)


def served_models(base_url: str, api_key: str | None, timeout: float = PROBE_TIMEOUT_S) -> list[ModelInfo]:
    """The models an OpenAI-compatible server lists at GET /models; raises httpx.HTTPError or ValueError."""
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    response = httpx.get(f"{base_url.rstrip('/')}/models", headers=headers, timeout=timeout)
    response.raise_for_status()
    return [ModelInfo(m["id"]) for m in response.json()["data"]]


def list_models(provider: str, settings: Settings, api_key: str | None = None) -> list[ModelInfo]:
    """The models the sidebar offers for provider, the configured one first where it applies.

    Raises:
        LLMError: unknown provider, or Ollama is not reachable.
    """
    name = parse_provider(provider)
    match name:
        case "ollama":
            return pulled_models(settings.ollama_base_url)
        case "openai" if settings.openai_base_url:
            # A local server (vLLM, LM Studio, llama.cpp) serves its own models, which no static
            # list can know; fall back to the curated list only if it cannot be asked.
            try:
                return served_models(settings.openai_base_url, api_key or settings.openai_api_key)
            except Exception:
                return _curated(name, OPENAI_MODELS, settings)
        case "openai":
            return _curated(name, OPENAI_MODELS, settings)
        case "groq":
            return _curated(name, GROQ_MODELS, settings)
        case "hf":
            return _curated(name, (settings.hf_model, *HF_MODELS), settings)
        case "fake":
            return [ModelInfo("fake")]


def _curated(provider: Provider, names: tuple[str, ...], settings: Settings) -> list[ModelInfo]:
    configured = (settings.model,) if settings.provider == provider and settings.model else ()
    return [ModelInfo(n) for n in dict.fromkeys((*configured, *names))]
