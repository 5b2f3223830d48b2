"""Turns an exception raised while building or running a chat model into one sentence for the user."""

from __future__ import annotations

import queue
import re
from collections.abc import Iterator

from llm.catalog import pulled_models
from llm.errors import KEY_VARIABLES, PROVIDER_LABELS, LLMError, missing_package, model_not_pulled, ollama_not_running
from llm.settings import LLMSettings, load_llm_settings

# Exception class names from httpx, openai, groq and ollama, matched by name so that explaining an
# error never needs the provider's library (which may be the very thing that is missing).
_TIMEOUTS = {"TimeoutException", "ReadTimeout", "ConnectTimeout", "WriteTimeout", "PoolTimeout", "APITimeoutError"}
_INTERRUPTED = {"RemoteProtocolError", "ReadError", "IncompleteRead", "ChunkedEncodingError"}
_UNREACHABLE = {"ConnectError", "APIConnectionError"}
# Anything that looks like an API key, in case a server echoes one back in its error text.
_KEY_PATTERN = re.compile(r"\b(?:sk|gsk|hf|xai)[-_][A-Za-z0-9_\-]{6,}")
_NOT_FOUND_MODEL = re.compile(r"model ['\"]?([^'\"\s]+)['\"]? not found")
_INSTALL_HINTS = {
    "langchain_ollama": "langchain-ollama",
    "ollama": "langchain-ollama",
    "langchain_groq": "langchain-groq",
    "groq": "langchain-groq",
    "langchain_openai": "langchain-openai",
    "openai": "langchain-openai",
    "langchain_huggingface": "langchain-huggingface",
    "transformers": "transformers",
    "torch": "torch",
    "accelerate": "accelerate bitsandbytes",
    "bitsandbytes": "accelerate bitsandbytes",
}


def explain_error(
    exc: BaseException, provider: str, model: str | None = None, settings: LLMSettings | None = None
) -> str:
    """One sentence saying what went wrong and what to do; never a traceback, never a key.

    For an Ollama model that is not pulled it asks the server (within two seconds) what is pulled,
    so the sentence can list the alternatives.
    """
    try:
        settings = settings or load_llm_settings()
    except LLMError:
        settings = LLMSettings()
    sentence = _sentence(exc, provider, model, settings)
    return _redact(sentence[:1].upper() + sentence[1:], settings)


def _sentence(exc: BaseException, provider: str, model: str | None, settings: LLMSettings) -> str:
    if isinstance(exc, LLMError):
        return str(exc)
    where = _where(provider, settings)
    chain = list(_causes(exc))
    names = {type(e).__name__ for e in chain}
    status = next((s for e in chain if (s := _status(e)) is not None), None)
    text = " ".join(_error_text(e) for e in chain)

    if missing := next((e for e in chain if isinstance(e, ImportError)), None):
        module = (getattr(missing, "name", None) or "").split(".")[0]
        return missing_package(provider, _INSTALL_HINTS.get(module, module or "the provider's package"))
    if provider == "hf" and any(isinstance(e, queue.Empty) for e in chain):
        # langchain-huggingface's streamer waits a minute for a generation thread that died or stalled.
        return "The Hugging Face model stopped producing text: see the terminal log for why, or pick a smaller model."
    if names & _TIMEOUTS or any(isinstance(e, TimeoutError) for e in chain):
        hint = "the model may still be loading, ask again" if provider == "ollama" else "try again"
        return f"{where} did not answer within {settings.timeout:g} s: {hint}, or raise CONVERSA_LLM_TIMEOUT."
    if names & _INTERRUPTED or any(isinstance(e, (ConnectionResetError, BrokenPipeError)) for e in chain):
        return (
            f"The connection to {where} was interrupted mid-answer: the text so far is kept; "
            "check that the server is still running and ask again."
        )
    if names & _UNREACHABLE or any(isinstance(e, ConnectionError) for e in chain):
        return _unreachable(provider, settings)
    if provider == "ollama" and (status == 404 or _NOT_FOUND_MODEL.search(text)):
        found = _NOT_FOUND_MODEL.search(text)
        return model_not_pulled(found.group(1) if found else (model or "?"), _pulled_names(settings))
    if provider == "ollama" and (reported := next((e for e in chain if type(e).__name__ == "ResponseError"), None)):
        # Ollama's own errors ("model requires more system memory than is available") are short,
        # plain and carry no secrets: they say it better than a status code.
        return f"Ollama reported an error: {_one_line(str(getattr(reported, 'error', reported)))}."
    if status is not None:
        return _http_sentence(status, text, provider, model, where)
    if "cuda" in text.lower():
        return _cuda_sentence(text, model)
    return f"{where} failed with {type(exc).__name__}: see the terminal log for details and try again."


def _pulled_names(settings: LLMSettings) -> list[str]:
    try:
        return [m.name for m in pulled_models(settings.ollama_base_url)]
    except LLMError:
        return []


def _error_text(exc: BaseException) -> str:
    # httpx's HTTPStatusError keeps the server's explanation in the response body, not in str().
    response = getattr(exc, "response", None)
    try:
        body = response.text if response is not None else ""
    except Exception:  # a streamed body that was never read
        body = ""
    return f"{exc} {body}"


def _status(exc: BaseException) -> int | None:
    # openai, groq and ollama errors carry status_code; httpx's HTTPStatusError carries the response.
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) and status > 0 else None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _where(provider: str, settings: LLMSettings) -> str:
    if provider == "ollama":
        return f"Ollama at {settings.ollama_base_url}"
    if provider == "openai" and settings.openai_base_url:
        return f"the OpenAI-compatible server at {settings.openai_base_url}"
    return PROVIDER_LABELS.get(provider, f"the {provider} provider")


def _unreachable(provider: str, settings: LLMSettings) -> str:
    if provider == "ollama":
        return ollama_not_running(settings.ollama_base_url)
    if provider == "openai" and settings.openai_base_url:
        return (
            f"Could not reach the OpenAI-compatible server at {settings.openai_base_url}: "
            "check that it is running and that OPENAI_BASE_URL is right."
        )
    return f"Could not reach {_where(provider, settings)}: check the internet connection and try again."


def _http_sentence(status: int, text: str, provider: str, model: str | None, subject: str) -> str:
    if status in (401, 403):
        variable = KEY_VARIABLES.get(provider, "the API key")
        return f"{subject} rejected the API key (HTTP {status}): check {variable} in .env or the key in the sidebar."
    if status == 429 and "quota" in text.lower():
        return f"{subject} says the account's quota is used up (HTTP 429): check billing, or pick another provider."
    if status == 429:
        return f"{subject} rate-limited this request (HTTP 429): wait a minute and ask again, or pick a smaller model."
    if status == 404:
        return f"{subject} has no model {model or '(none given)'} (HTTP 404): pick another model in the sidebar."
    if status in (400, 413) and re.search(r"context|too long|too many tokens|maximum.*tokens", text, re.I):
        return (
            f"The question and its sources are too long for {model or 'the model'}'s context window: "
            "ask about fewer documents or pick a model with a larger window."
        )
    if status >= 500:
        return f"{subject} had a server error (HTTP {status}): try again in a moment."
    return f"{subject} refused the request (HTTP {status}): check the model name and settings, then try again."


def _cuda_sentence(text: str, model: str | None) -> str:
    lowered = text.lower()
    if "out of memory" in lowered:
        return f"The GPU ran out of memory running {model or 'the model'}: pick a smaller model or free the GPU."
    if "not compiled with cuda" in lowered or "no cuda gpus" in lowered:
        return "This PyTorch has no usable CUDA GPU: install a CUDA build of torch, or set CONVERSA_HF_ALLOW_CPU=1."
    return "CUDA failed while running the model: check the GPU driver (`nvidia-smi`) and try again."


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200].rstrip(".")


def _redact(sentence: str, settings: LLMSettings) -> str:
    for secret in (settings.groq_api_key, settings.openai_api_key):
        if secret:
            sentence = sentence.replace(secret, "[key hidden]")
    return _KEY_PATTERN.sub("[key hidden]", sentence)
