"""Chat models for Conversa: pick a provider and model, get a LangChain chat model, explain failures."""

from llm.catalog import ModelInfo, list_models
from llm.errors import LLMError
from llm.explain import explain_error
from llm.factory import build_chat_model
from llm.fake import NOT_COVERED_ANSWER, GroundedFakeChatModel
from llm.hf import quantization_config
from llm.providers import (
    DEFAULT_MODELS,
    Provider,
    offered_providers,
    provider_names,
    resolve_model,
)
from llm.status import ProviderStatus, check_provider

__all__ = [
    "DEFAULT_MODELS",
    "NOT_COVERED_ANSWER",
    "GroundedFakeChatModel",
    "LLMError",
    "ModelInfo",
    "Provider",
    "ProviderStatus",
    "build_chat_model",
    "check_provider",
    "explain_error",
    "list_models",
    "offered_providers",
    "provider_names",
    "quantization_config",
    "resolve_model",
]
