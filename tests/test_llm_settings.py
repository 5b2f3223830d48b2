"""The chat-model settings: every llm variable fills its field, model resolution, and the unknown-provider fallback."""

from __future__ import annotations

import pytest

from config.settings import Settings, SettingsError, load_settings
from llm import DEFAULT_MODELS, LLMError, build_chat_model, check_provider, list_models, provider_names, resolve_model
from tests.llm_servers import isolate_llm_env

UNKNOWN = "Unknown LLM provider 'gpt': choose one of ollama, groq, openai, hf, fake."


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    isolate_llm_env(monkeypatch, tmp_path)


def test_no_variables_gives_the_documented_defaults():
    settings = load_settings({})

    assert settings == Settings()
    assert settings.provider == "ollama"
    assert settings.ollama_base_url == "http://127.0.0.1:11434"
    assert settings.num_ctx == 8192
    assert settings.hf_model == DEFAULT_MODELS["hf"]
    assert not settings.allow_fake and not settings.hf_allow_cpu


def test_every_variable_fills_its_field():
    settings = load_settings(
        {
            "CONVERSA_LLM_PROVIDER": " Groq ",
            "CONVERSA_LLM_MODEL": "llama-3.3-70b-versatile",
            "OLLAMA_BASE_URL": "http://gpu-box:11434",
            "CONVERSA_OLLAMA_NUM_CTX": "4096",
            "GROQ_API_KEY": "gsk_one",
            "OPENAI_API_KEY": "sk-two",
            "OPENAI_BASE_URL": "http://localhost:8000/v1",
            "CONVERSA_HF_MODEL": "Qwen/Qwen2.5-0.5B-Instruct",
            "CONVERSA_HF_ALLOW_CPU": "1",
            "CONVERSA_ALLOW_FAKE_LLM": "true",
            "CONVERSA_LLM_TEMPERATURE": "0",
            "CONVERSA_LLM_MAX_TOKENS": "300",
            "CONVERSA_LLM_TIMEOUT": "30",
        }
    )

    assert settings == Settings(
        provider="groq",
        model="llama-3.3-70b-versatile",
        ollama_base_url="http://gpu-box:11434",
        num_ctx=4096,
        groq_api_key="gsk_one",
        openai_api_key="sk-two",
        openai_base_url="http://localhost:8000/v1",
        hf_model="Qwen/Qwen2.5-0.5B-Instruct",
        hf_allow_cpu=True,
        allow_fake=True,
        temperature=0.0,
        max_tokens=300,
        timeout=30.0,
    )


def test_unknown_provider_lists_the_valid_names_everywhere():
    assert provider_names() == ("ollama", "groq", "openai", "hf", "fake")
    for call in (
        lambda: build_chat_model("gpt", settings=Settings()),
        lambda: list_models("gpt", Settings()),
    ):
        with pytest.raises(LLMError) as raised:
            call()
        assert str(raised.value) == UNKNOWN
    assert check_provider("gpt", Settings()) == (False, UNKNOWN)
    with pytest.raises(SettingsError) as raised:
        load_settings({"CONVERSA_LLM_PROVIDER": "gpt"})
    assert str(raised.value) == (
        "CONVERSA_LLM_PROVIDER must be one of `ollama`, `groq`, `openai`, `hf`, `fake`, got 'gpt': "
        "fix it in .env or the environment."
    )


def test_configured_model_applies_only_to_the_configured_provider():
    settings = Settings(provider="ollama", model="llama3.2:3b", hf_model="/models/tiny")

    assert resolve_model("ollama", None, settings) == "llama3.2:3b"
    assert resolve_model("ollama", "qwen2.5:7b", settings) == "qwen2.5:7b"
    assert resolve_model("groq", None, settings) == DEFAULT_MODELS["groq"]
    assert resolve_model("hf", None, settings) == "/models/tiny"


def test_temperature_and_max_tokens_come_from_settings_unless_given():
    settings = Settings(openai_base_url="http://127.0.0.1:9/v1", temperature=0.4, max_tokens=200)

    configured = build_chat_model("openai", settings=settings)
    explicit = build_chat_model("openai", settings=settings, temperature=0.0, max_tokens=50)

    assert (configured.temperature, configured.max_tokens) == (0.4, 200)
    assert (explicit.temperature, explicit.max_tokens) == (0.0, 50)
