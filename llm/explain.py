"""Turns an exception raised while building or running a chat model into one sentence for the user."""

from __future__ import annotations

import queue
import re
from collections.abc import Iterator

from config.settings import Settings
from i18n import Message, message
from llm.catalog import pulled_models
from llm.errors import KEY_VARIABLES, LLMError, missing_package, model_not_pulled, ollama_not_running, provider_label

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


def explain_error(exc: BaseException, provider: str, model: str | None = None, *, settings: Settings) -> str:
    """One sentence saying what went wrong and what to do; never a traceback, never a key.

    For an Ollama model that is not pulled it asks the server (within two seconds) what is pulled,
    so the sentence can list the alternatives.
    """
    sentence = _sentence(exc, provider, model, settings)
    if isinstance(sentence, Message):
        # Its templates start with a capital (or capitalise their first parameter) and hold no secrets: hiding
        # keys in its parameters hides them in every language it can be shown in.
        return sentence.map_text(lambda text: _redact(text, settings))
    return _redact(sentence[:1].upper() + sentence[1:], settings)


def _sentence(exc: BaseException, provider: str, model: str | None, settings: Settings) -> str:
    if isinstance(exc, LLMError):
        return exc.message
    where = _where(provider, settings)
    chain = list(_causes(exc))
    names = {type(e).__name__ for e in chain}
    status = next((s for e in chain if (s := _status(e)) is not None), None)
    text = " ".join(_error_text(e) for e in chain)

    if missing := next((e for e in chain if isinstance(e, ImportError)), None):
        module = (getattr(missing, "name", None) or "").split(".")[0]
        return missing_package(provider, _INSTALL_HINTS.get(module, module) or message("provider_package"))
    if provider == "hf" and any(isinstance(e, queue.Empty) for e in chain):
        # langchain-huggingface's streamer waits a minute for a generation thread that died or stalled.
        return message("hf_stalled")
    if names & _TIMEOUTS or any(isinstance(e, TimeoutError) for e in chain):
        hint = message("hint_loading" if provider == "ollama" else "hint_retry")
        return message("timeout", where=where, timeout=settings.timeout, hint=hint)
    if names & _INTERRUPTED or any(isinstance(e, (ConnectionResetError, BrokenPipeError)) for e in chain):
        return message("connection_interrupted", where=where)
    if names & _UNREACHABLE or any(isinstance(e, ConnectionError) for e in chain):
        return _unreachable(provider, settings)
    if provider == "ollama" and (status == 404 or _NOT_FOUND_MODEL.search(text)):
        found = _NOT_FOUND_MODEL.search(text)
        return model_not_pulled(found.group(1) if found else (model or "?"), _pulled_names(settings))
    if provider == "ollama" and (reported := next((e for e in chain if type(e).__name__ == "ResponseError"), None)):
        # Ollama's own errors ("model requires more system memory than is available") are short,
        # plain and carry no secrets: they say it better than a status code.
        return message("ollama_reported", detail=_one_line(str(getattr(reported, "error", reported))))
    if status is not None:
        return _http_sentence(status, text, provider, model, where)
    if "cuda" in text.lower():
        return _cuda_sentence(text, model)
    return message("failed", where=where, error_type=type(exc).__name__)


def _pulled_names(settings: Settings) -> list[str]:
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


def _where(provider: str, settings: Settings) -> Message:
    if provider == "ollama":
        return message("where.ollama", url=settings.ollama_base_url)
    if provider == "openai" and settings.openai_base_url:
        return message("where.compatible", url=settings.openai_base_url)
    return provider_label(provider)


def _unreachable(provider: str, settings: Settings) -> str:
    if provider == "ollama":
        return ollama_not_running(settings.ollama_base_url)
    if provider == "openai" and settings.openai_base_url:
        return message("compatible_unreachable", url=settings.openai_base_url)
    return message("unreachable", where=_where(provider, settings))


def _http_sentence(status: int, text: str, provider: str, model: str | None, where: Message) -> Message:
    if status in (401, 403):
        variable = KEY_VARIABLES.get(provider) or message("the_api_key")
        return message("key_rejected", where=where, status=status, variable=variable)
    if status == 429 and "quota" in text.lower():
        return message("quota", where=where)
    if status == 429:
        return message("rate_limited", where=where)
    if status == 404:
        return message("no_such_model", where=where, model=model or message("no_model_given"))
    if status in (400, 413) and re.search(r"context|too long|too many tokens|maximum.*tokens", text, re.I):
        return message("context_too_long", model=model) if model else message("context_too_long_unnamed")
    if status >= 500:
        return message("server_error", where=where, status=status)
    return message("refused", where=where, status=status)


def _cuda_sentence(text: str, model: str | None) -> Message:
    lowered = text.lower()
    if "out of memory" in lowered:
        return message("gpu_out_of_memory", model=model) if model else message("gpu_out_of_memory_unnamed")
    if "not compiled with cuda" in lowered or "no cuda gpus" in lowered:
        return message("no_cuda")
    return message("cuda_failed")


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200].rstrip(".")


def _redact(sentence: str, settings: Settings) -> str:
    for secret in (settings.groq_api_key, settings.openai_api_key):
        if secret:
            sentence = sentence.replace(secret, "[key hidden]")
    return _KEY_PATTERN.sub("[key hidden]", sentence)
