"""The ollama provider, driven through the real ChatOllama client against a loopback Ollama server."""

from __future__ import annotations

import socket
import time

import pytest

from config.settings import Settings, load_settings
from llm import LLMError, ModelInfo, build_chat_model, check_provider, explain_error, list_models
from tests.llm_servers import OllamaServer, closed_port_url, isolate_llm_env

PULLED = {"qwen2.5:1.5b": 986_061_892, "llama3.2:latest": 2_019_393_189}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    isolate_llm_env(monkeypatch, tmp_path)


@pytest.fixture
def ollama():
    with OllamaServer(dict(PULLED)) as server:
        yield server


def at(url: str, **fields) -> Settings:
    return Settings(ollama_base_url=url, **fields)


def test_list_models_shows_what_is_pulled_with_sizes(ollama):
    assert list_models("ollama", at(ollama.url)) == [
        ModelInfo("qwen2.5:1.5b", 986_061_892),
        ModelInfo("llama3.2:latest", 2_019_393_189),
    ]


def test_stream_yields_the_answer_in_several_chunks(ollama):
    model = build_chat_model("ollama", "qwen2.5:1.5b", settings=at(ollama.url))

    chunks = [chunk.content for chunk in model.stream("What is attention?")]

    assert len([c for c in chunks if c]) >= 5
    assert "".join(chunks) == "Attention lets each token look at the others [1]."


def test_invoke_returns_the_whole_answer_with_token_counts(ollama):
    model = build_chat_model("ollama", "qwen2.5:1.5b", settings=at(ollama.url))

    answer = model.invoke("What is attention?")

    assert answer.content == "Attention lets each token look at the others [1]."
    assert answer.usage_metadata["input_tokens"] == 26


def test_every_chat_sends_num_ctx_keep_alive_and_temperature(ollama):
    model = build_chat_model("ollama", "qwen2.5:1.5b", settings=at(ollama.url), temperature=0.3, max_tokens=256)

    model.invoke("hi")

    (body,) = ollama.bodies("/api/chat")
    assert body["options"]["num_ctx"] == 8192
    assert body["options"]["temperature"] == 0.3
    assert body["options"]["num_predict"] == 256
    assert body["keep_alive"] == "30m"


def test_num_ctx_comes_from_conversa_ollama_num_ctx(ollama):
    settings = load_settings({"OLLAMA_BASE_URL": ollama.url, "CONVERSA_OLLAMA_NUM_CTX": "16384"})

    build_chat_model("ollama", "qwen2.5:1.5b", settings=settings).invoke("hi")

    assert ollama.bodies("/api/chat")[0]["options"]["num_ctx"] == 16384


def test_configured_model_is_used_when_none_is_given(ollama):
    settings = load_settings({"OLLAMA_BASE_URL": ollama.url, "CONVERSA_LLM_MODEL": "llama3.2"})

    build_chat_model("ollama", settings=settings).invoke("hi")

    assert ollama.bodies("/api/chat")[0]["model"] == "llama3.2"


def test_server_not_running_says_start_it_with_ollama_serve():
    url = closed_port_url()
    expected = f"Ollama is not running at {url}: start it with `ollama serve`."

    with pytest.raises(LLMError) as raised:
        build_chat_model("ollama", "qwen2.5:1.5b", settings=at(url))

    assert str(raised.value) == expected
    assert check_provider("ollama", at(url)) == (False, expected)
    with pytest.raises(LLMError, match="not running"):
        list_models("ollama", at(url))


def test_server_stopped_after_the_model_was_built_is_explained(ollama):
    settings = at(ollama.url)
    model = build_chat_model("ollama", "qwen2.5:1.5b", settings=settings)
    ollama.__exit__(None, None, None)

    with pytest.raises(Exception) as raised:
        list(model.stream("hi"))

    assert explain_error(raised.value, "ollama", "qwen2.5:1.5b", settings=settings) == (
        f"Ollama is not running at {ollama.url}: start it with `ollama serve`."
    )


def test_model_not_pulled_names_the_pull_command_and_what_is_pulled(ollama):
    with pytest.raises(LLMError) as raised:
        build_chat_model("ollama", "mistral:7b", settings=at(ollama.url))

    assert str(raised.value) == (
        "Model mistral:7b is not pulled in Ollama: run `ollama pull mistral:7b` "
        "(pulled: qwen2.5:1.5b, llama3.2:latest)."
    )


def test_model_name_without_a_tag_means_latest(ollama):
    build_chat_model("ollama", "llama3.2", settings=at(ollama.url))
    with pytest.raises(LLMError, match="ollama pull qwen2.5"):
        build_chat_model("ollama", "qwen2.5", settings=at(ollama.url))


def test_model_removed_after_build_is_explained_from_the_404(ollama):
    settings = at(ollama.url)
    model = build_chat_model("ollama", "qwen2.5:1.5b", settings=settings)
    del ollama.models["qwen2.5:1.5b"]

    with pytest.raises(Exception) as raised:
        list(model.stream("hi"))

    assert getattr(raised.value, "status_code", None) == 404
    assert explain_error(raised.value, "ollama", "qwen2.5:1.5b", settings=settings) == (
        "Model qwen2.5:1.5b is not pulled in Ollama: run `ollama pull qwen2.5:1.5b` (pulled: llama3.2:latest)."
    )


def test_server_dying_mid_stream_keeps_the_text_so_far_and_says_interrupted():
    with OllamaServer(dict(PULLED), die_after=2) as server:
        settings = at(server.url)
        model = build_chat_model("ollama", "qwen2.5:1.5b", settings=settings)
        received: list[str] = []

        with pytest.raises(Exception) as raised:
            for chunk in model.stream("What is attention?"):
                received.append(chunk.content)

    assert "".join(received) == "Attention lets "
    sentence = explain_error(raised.value, "ollama", "qwen2.5:1.5b", settings=settings)
    assert "interrupted" in sentence
    assert server.url in sentence


def test_check_provider_counts_pulled_models(ollama):
    assert check_provider("ollama", at(ollama.url)) == (True, f"Ollama is running at {ollama.url} (2 models pulled).")


def test_check_provider_flags_a_selected_model_that_is_not_pulled(ollama):
    status = check_provider("ollama", at(ollama.url), model="mistral:7b")

    assert not status.ok
    assert "ollama pull mistral:7b" in status.message


def test_check_provider_on_a_server_with_nothing_pulled_suggests_the_default():
    with OllamaServer({}) as server:
        status = check_provider("ollama", at(server.url))

    assert status == (False, f"Ollama is running at {server.url} but has no models: run `ollama pull qwen2.5:1.5b`.")


def test_check_provider_gives_up_on_a_silent_server_within_two_seconds():
    # A socket that accepts connections but never answers, like a hung server.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()

        status = check_provider("ollama", at(url))

    assert time.monotonic() - started < 3
    assert status == (False, f"Ollama at {url} did not answer within 2 s: check that it is running (`ollama serve`).")


def test_a_server_that_is_not_ollama_is_named_as_such():
    with OllamaServer({}) as server:
        status = check_provider("ollama", at(server.url + "/not-ollama"))

    assert status == (
        False,
        f"The server at {server.url}/not-ollama does not answer like Ollama: check OLLAMA_BASE_URL in .env.",
    )
