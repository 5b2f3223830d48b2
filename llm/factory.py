"""build_chat_model: a provider name, a model name and options in, a LangChain chat model out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel

from config.settings import Provider, Settings
from llm.catalog import PROBE_TIMEOUT_S, is_pulled, pulled_models
from llm.errors import LLMError, missing_key, missing_package, model_not_pulled
from llm.explain import explain_error
from llm.providers import parse_provider, resolve_model

# Passed explicitly, so a GROQ_BASE_URL or OPENAI_BASE_URL left in the shell cannot override the settings.
OPENAI_URL = "https://api.openai.com/v1"
GROQ_URL = "https://api.groq.com"
# Local OpenAI-compatible servers ignore the key, but the openai client refuses to start without one.
LOCAL_SERVER_KEY = "not-needed"
# Keeps the model loaded between questions; Ollama's own 5 minutes unloads it while the user reads.
OLLAMA_KEEP_ALIVE = "30m"
# One retry absorbs a dropped connection; more would hide a bad key or a rate limit for seconds.
MAX_RETRIES = 1


@dataclass(frozen=True)
class ModelRequest:
    """What the caller asked for, with the settings' defaults filled in."""

    model: str
    temperature: float
    max_tokens: int | None
    api_key: str | None = field(default=None, repr=False)


def build_chat_model(
    provider: str,
    model: str | None = None,
    *,
    settings: Settings,
    api_key: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
) -> BaseChatModel:
    """Build a chat model for provider.

    Args:
        provider: one of Provider ("ollama", "groq", "openai", "hf", "fake").
        model: the model name; None means the configured one, else DEFAULT_MODELS[provider].
        settings: where each provider runs, its key, and the defaults for model, temperature and max_tokens.
        api_key: a key typed in the sidebar; it wins over the one in settings.
        temperature: None means settings.temperature.
        max_tokens: longest answer; None means settings.max_tokens.

    Raises:
        LLMError: one sentence saying what is wrong and what to do.
    """
    name = parse_provider(provider)
    request = ModelRequest(
        model=resolve_model(name, model, settings),
        temperature=settings.temperature if temperature is None else temperature,
        max_tokens=settings.max_tokens if max_tokens is None else max_tokens,
        api_key=(api_key or "").strip() or None,
    )
    try:
        return _BUILDERS[name](request, settings)
    except LLMError:
        raise
    except Exception as exc:
        raise LLMError(explain_error(exc, name, request.model, settings=settings)) from exc


def _build_ollama(request: ModelRequest, settings: Settings) -> BaseChatModel:
    try:
        import httpx
        from langchain_ollama import ChatOllama
    except ImportError:
        raise LLMError(missing_package("ollama", "langchain-ollama")) from None
    url = settings.ollama_base_url.rstrip("/")
    # Asking first turns "not running" and "not pulled" into clear sentences before the user waits.
    pulled = pulled_models(url)
    if not is_pulled(request.model, pulled):
        raise LLMError(model_not_pulled(request.model, [m.name for m in pulled]))
    return ChatOllama(
        model=request.model,
        base_url=url,
        temperature=request.temperature,
        num_ctx=settings.num_ctx,
        num_predict=request.max_tokens,
        keep_alive=OLLAMA_KEEP_ALIVE,
        client_kwargs={"timeout": httpx.Timeout(settings.timeout, connect=PROBE_TIMEOUT_S)},
    )


def _build_groq(request: ModelRequest, settings: Settings) -> BaseChatModel:
    key = request.api_key or settings.groq_api_key
    if not key:
        raise LLMError(missing_key("groq"))
    try:
        from langchain_groq import ChatGroq
        from pydantic import SecretStr
    except ImportError:
        raise LLMError(missing_package("groq", "langchain-groq")) from None
    return ChatGroq(
        model=request.model,
        api_key=SecretStr(key),
        temperature=request.temperature,
        max_tokens=request.max_tokens,
        timeout=settings.timeout,
        max_retries=MAX_RETRIES,
        base_url=settings.groq_base_url or GROQ_URL,
    )


def _build_openai(request: ModelRequest, settings: Settings) -> BaseChatModel:
    key = request.api_key or settings.openai_api_key
    if not key and not settings.openai_base_url:
        raise LLMError(missing_key("openai"))
    try:
        from langchain_openai import ChatOpenAI
        from pydantic import SecretStr
    except ImportError:
        raise LLMError(missing_package("openai", "langchain-openai")) from None
    return ChatOpenAI(
        model=request.model,
        api_key=SecretStr(key or LOCAL_SERVER_KEY),
        base_url=settings.openai_base_url or OPENAI_URL,
        temperature=request.temperature,
        max_completion_tokens=request.max_tokens,
        timeout=settings.timeout,
        max_retries=MAX_RETRIES,
        # Token usage in the stream is OpenAI's extension; local servers may reject the option.
        stream_usage=not settings.openai_base_url,
    )


def _build_hf(request: ModelRequest, settings: Settings) -> BaseChatModel:
    from llm.hf import build_hf

    return build_hf(
        request.model,
        allow_cpu=settings.hf_allow_cpu,
        temperature=request.temperature,
        max_tokens=request.max_tokens,
    )


def _build_fake(request: ModelRequest, settings: Settings) -> BaseChatModel:
    from llm.fake import GroundedFakeChatModel

    return GroundedFakeChatModel(model_name=request.model)


_BUILDERS: dict[Provider, Callable[[ModelRequest, Settings], BaseChatModel]] = {
    "ollama": _build_ollama,
    "groq": _build_groq,
    "openai": _build_openai,
    "hf": _build_hf,
    "fake": _build_fake,
}
