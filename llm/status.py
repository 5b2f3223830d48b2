"""Is a provider usable right now? One quick check and one line saying so, or saying what is missing."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from typing import NamedTuple

from config.settings import Settings
from i18n import message
from llm.catalog import PROBE_TIMEOUT_S, is_pulled, pulled_models, served_models
from llm.errors import LLMError, hf_needs_gpu, missing_key, missing_package, model_not_pulled
from llm.explain import explain_error
from llm.providers import DEFAULT_MODELS, parse_provider, resolve_model

# The package each provider's branch imports, and what to pip install when it is missing.
_PACKAGES = {
    "ollama": ("langchain_ollama", "langchain-ollama"),
    "groq": ("langchain_groq", "langchain-groq"),
    "openai": ("langchain_openai", "langchain-openai"),
    "hf": ("langchain_huggingface", "langchain-huggingface transformers torch"),
}


class ProviderStatus(NamedTuple):
    """Whether a provider can answer now, and one line for the sidebar saying so or what to do (an
    i18n Message, which the UI shows in its language)."""

    ok: bool
    message: str


def check_provider(
    provider: str,
    settings: Settings,
    api_key: str | None = None,
    *,
    model: str | None = None,
) -> ProviderStatus:
    """Check provider within about two seconds; with model, Ollama also checks that it is pulled."""
    try:
        name = parse_provider(provider)
        package = _PACKAGES.get(name)
        if package and importlib.util.find_spec(package[0]) is None:
            return ProviderStatus(False, missing_package(name, package[1]))
        match name:
            case "ollama":
                return _check_ollama(settings, model)
            case "groq":
                return _check_hosted("groq", "Groq", api_key or settings.groq_api_key)
            case "openai" if settings.openai_base_url:
                return _check_openai_compatible(settings, api_key or settings.openai_api_key)
            case "openai":
                return _check_hosted("openai", "OpenAI", api_key or settings.openai_api_key)
            case "hf":
                return _check_hf(settings, resolve_model("hf", model, settings))
            case "fake":
                return ProviderStatus(True, message("fake_ready"))
    except LLMError as exc:
        return ProviderStatus(False, exc.message)


def _check_ollama(settings: Settings, model: str | None) -> ProviderStatus:
    url = settings.ollama_base_url.rstrip("/")
    pulled = pulled_models(url)
    if not pulled:
        return ProviderStatus(False, message("ollama_no_models", url=url, model=DEFAULT_MODELS["ollama"]))
    if model and not is_pulled(model, pulled):
        return ProviderStatus(False, model_not_pulled(model, [m.name for m in pulled]))
    return ProviderStatus(
        True, message("ollama_ready_one" if len(pulled) == 1 else "ollama_ready", url=url, count=len(pulled))
    )


def _check_hosted(provider: str, label: str, key: str | None) -> ProviderStatus:
    if not key:
        return ProviderStatus(False, missing_key(provider))
    # No request here: it would cost the user a call and seconds on every rerun. A rejected key is
    # explained, in one sentence, on the first question.
    return ProviderStatus(True, message("hosted_ready", name=label))


def _check_openai_compatible(settings: Settings, key: str | None) -> ProviderStatus:
    import httpx

    url = settings.openai_base_url or ""
    try:
        served = served_models(url, key)
    except httpx.TimeoutException:
        return ProviderStatus(False, message("compatible_timeout", url=url, timeout=PROBE_TIMEOUT_S))
    except Exception as exc:
        return ProviderStatus(False, explain_error(exc, "openai", settings=settings))
    return ProviderStatus(
        True, message("compatible_ready_one" if len(served) == 1 else "compatible_ready", url=url, count=len(served))
    )


def _check_hf(settings: Settings, model: str) -> ProviderStatus:
    if not _has_cuda():
        if settings.hf_allow_cpu:
            return ProviderStatus(True, message("hf_cpu", model=model))
        return ProviderStatus(False, hf_needs_gpu(model))
    if any(importlib.util.find_spec(m) is None for m in ("accelerate", "bitsandbytes")):
        return ProviderStatus(False, missing_package("hf", "accelerate bitsandbytes"))
    return ProviderStatus(True, message("hf_gpu", model=model))


def _has_cuda() -> bool:
    # Importing torch takes seconds; on a machine with no NVIDIA driver the answer is known without it.
    if "torch" not in sys.modules and not (Path("/proc/driver/nvidia").exists() or shutil.which("nvidia-smi")):
        return False
    import torch

    return torch.cuda.is_available()
