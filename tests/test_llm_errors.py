"""explain_error and install hints: every failure becomes one sentence, never a traceback or a key."""

from __future__ import annotations

import sys

import httpx
import pytest

from config.settings import Settings
from llm import LLMError, build_chat_model, check_provider, explain_error
from tests.llm_servers import isolate_llm_env

PLANTED = "sk-test-PLANTED-1234"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    isolate_llm_env(monkeypatch, tmp_path)


def test_unknown_error_names_its_class_and_nothing_else():
    sentence = explain_error(ValueError(f"deep internal detail with {PLANTED}"), "groq", settings=Settings())

    assert sentence == "Groq failed with ValueError: see the terminal log for details and try again."


def test_an_llm_error_is_passed_through_as_it_is():
    assert explain_error(LLMError("Do this."), "ollama", settings=Settings()) == "Do this."


@pytest.mark.parametrize(
    ("provider", "missing", "hint"),
    [
        ("groq", "langchain_groq", "pip install langchain-groq"),
        ("openai", "langchain_openai", "pip install langchain-openai"),
        ("ollama", "langchain_ollama", "pip install langchain-ollama"),
        ("hf", "langchain_huggingface", "pip install langchain-huggingface transformers torch"),
    ],
)
def test_a_missing_provider_package_gives_the_pip_command(monkeypatch, provider, missing, hint):
    monkeypatch.setitem(sys.modules, missing, None)  # makes `import missing` fail, as if not installed
    settings = Settings(groq_api_key="gsk_x", openai_api_key="sk-x", hf_allow_cpu=True)

    with pytest.raises(LLMError, match=hint):
        build_chat_model(provider, settings=settings)
    assert hint in check_provider(provider, settings).message


def test_an_import_error_raised_later_is_explained_with_the_pip_command():
    error = ImportError("No module named 'bitsandbytes'", name="bitsandbytes")

    assert "pip install accelerate bitsandbytes" in explain_error(error, "hf", settings=Settings())


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ReadTimeout("timed out"), "Ollama at http://127.0.0.1:11434 did not answer within 120 s"),
        (TimeoutError(), "did not answer within 120 s"),
        (httpx.RemoteProtocolError("incomplete chunked read"), "was interrupted mid-answer"),
        (ConnectionError("Failed to connect to Ollama."), "Ollama is not running at http://127.0.0.1:11434"),
    ],
)
def test_transport_failures_from_ollama_are_explained(error, expected):
    assert expected in explain_error(error, "ollama", "qwen2.5:1.5b", settings=Settings())


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("CUDA out of memory. Tried to allocate 2.00 GiB", "The GPU ran out of memory running Qwen/x"),
        ("Torch not compiled with CUDA enabled", "This PyTorch has no usable CUDA GPU"),
        ("CUDA error: device-side assert triggered", "CUDA failed while running the model"),
    ],
)
def test_cuda_failures_are_explained(message, expected):
    assert explain_error(RuntimeError(message), "hf", "Qwen/x", settings=Settings()).startswith(expected)


def test_a_context_window_overflow_from_a_local_server_is_explained():
    request = httpx.Request("POST", "http://127.0.0.1:8080/v1/chat/completions")
    response = httpx.Response(400, request=request, text="the request exceeds the available context size")
    error = httpx.HTTPStatusError("400", request=request, response=response)

    sentence = explain_error(error, "openai", "smollm2", settings=Settings(openai_base_url="http://127.0.0.1:8080/v1"))

    assert sentence.startswith("The question and its sources are too long for smollm2's context window")


def test_ollama_server_errors_are_passed_on_in_its_own_words():
    from ollama import ResponseError

    error = ResponseError('{"error":"model requires more system memory (5.5 GiB) than is available (3.1 GiB)"}', 500)

    assert explain_error(error, "ollama", settings=Settings()) == (
        "Ollama reported an error: model requires more system memory (5.5 GiB) than is available (3.1 GiB)."
    )


def test_a_stalled_hugging_face_generation_is_explained():
    import queue

    assert explain_error(queue.Empty(), "hf", settings=Settings()).startswith(
        "The Hugging Face model stopped producing text"
    )


def test_key_like_text_from_a_server_message_is_hidden():
    from ollama import ResponseError

    sentence = explain_error(ResponseError(f"bad header {PLANTED}", 500), "ollama", settings=Settings())

    assert PLANTED not in sentence


def test_every_sentence_is_one_line_ending_in_a_full_stop():
    errors = [ValueError("a\nb"), httpx.ConnectError("x"), RuntimeError("CUDA error"), KeyError("k")]

    for provider in ("ollama", "groq", "openai", "hf", "fake"):
        for error in errors:
            sentence = explain_error(error, provider, settings=Settings())
            assert "\n" not in sentence and sentence.endswith(".") and sentence[0].isupper()


def test_an_unexpected_failure_while_building_becomes_one_sentence(monkeypatch):
    from llm import factory

    def broken(request, settings):
        raise RuntimeError(f"internal detail {PLANTED}")

    monkeypatch.setitem(factory._BUILDERS, "fake", broken)

    with pytest.raises(LLMError) as raised:
        build_chat_model("fake", settings=Settings())

    assert str(raised.value) == (
        "The fake model failed with RuntimeError: see the terminal log for details and try again."
    )
