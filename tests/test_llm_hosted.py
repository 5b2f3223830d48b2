"""The openai and groq providers, through their real clients, against a loopback OpenAI-protocol server."""

from __future__ import annotations

import pytest

from config.settings import Settings
from llm import DEFAULT_MODELS, LLMError, ModelInfo, build_chat_model, check_provider, explain_error, list_models
from tests.llm_openai_server import OpenAIServer
from tests.llm_servers import closed_port_url, isolate_llm_env

PLANTED = "sk-test-PLANTED-1234"
HOSTED = ["openai", "groq"]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    isolate_llm_env(monkeypatch, tmp_path)


def pointed_at(server: OpenAIServer, provider: str, **fields) -> Settings:
    """Settings sending provider's requests to server, with the planted key unless told otherwise."""
    if provider == "openai":
        return Settings(openai_base_url=f"{server.url}/v1", **{"openai_api_key": PLANTED, **fields})
    return Settings(groq_base_url=server.url, **{"groq_api_key": PLANTED, **fields})


def failure(provider: str, settings: Settings) -> BaseException:
    model = build_chat_model(provider, settings=settings)
    with pytest.raises(Exception) as raised:
        list(model.stream("What is attention?"))
    return raised.value


@pytest.mark.parametrize("provider", HOSTED)
def test_stream_yields_the_answer_in_several_chunks(provider):
    with OpenAIServer() as server:
        model = build_chat_model(provider, settings=pointed_at(server, provider))
        chunks = [chunk.content for chunk in model.stream("What is attention?")]

    assert len([c for c in chunks if c]) >= 5
    assert "".join(chunks) == "Attention lets each token look at the others [1]."
    (request,) = server.chat_requests()
    assert request.body["model"] == DEFAULT_MODELS[provider]
    assert request.body["stream"] is True
    assert request.headers["authorization"] == f"Bearer {PLANTED}"


@pytest.mark.parametrize("provider", HOSTED)
def test_invoke_returns_the_whole_answer(provider):
    with OpenAIServer() as server:
        answer = build_chat_model(provider, "some-model", settings=pointed_at(server, provider)).invoke("hi")

    assert answer.content == "Attention lets each token look at the others [1]."
    assert server.chat_requests()[0].body["model"] == "some-model"


def test_local_openai_compatible_server_needs_no_key():
    with OpenAIServer() as server:
        settings = Settings(openai_base_url=f"{server.url}/v1")
        build_chat_model("openai", "local-model", settings=settings).invoke("hi")

    # The openai client will not start without a key; local servers ignore it.
    assert server.chat_requests()[0].headers["authorization"] == "Bearer not-needed"


@pytest.mark.parametrize("provider", HOSTED)
def test_key_typed_in_the_sidebar_wins_over_the_configured_one(provider):
    with OpenAIServer() as server:
        build_chat_model(provider, settings=pointed_at(server, provider), api_key=" sk-sidebar-5678 ").invoke("hi")

    assert server.chat_requests()[0].headers["authorization"] == "Bearer sk-sidebar-5678"


@pytest.mark.parametrize(
    ("provider", "sentence"),
    [
        ("groq", "Groq needs GROQ_API_KEY: put it in .env (see .env.example) or paste it in the sidebar."),
        ("openai", "OpenAI needs OPENAI_API_KEY: put it in .env (see .env.example) or paste it in the sidebar."),
    ],
)
def test_missing_key_says_which_variable_and_where(provider, sentence):
    with pytest.raises(LLMError) as raised:
        build_chat_model(provider, settings=Settings())

    assert str(raised.value) == sentence
    assert check_provider(provider, Settings()) == (False, sentence)
    assert check_provider(provider, Settings(), api_key="sk-typed").ok


@pytest.mark.parametrize("provider", HOSTED)
def test_rejected_key_is_one_sentence_without_the_key(provider):
    with OpenAIServer(status=401) as server:
        settings = pointed_at(server, provider)
        error = failure(provider, settings)

    assert PLANTED in str(error)  # the server echoed it: the sentence below must not
    sentence = explain_error(error, provider, settings=settings)
    assert "rejected the API key (HTTP 401)" in sentence
    assert PLANTED not in sentence
    assert "\n" not in sentence


@pytest.mark.parametrize("provider", HOSTED)
def test_rate_limit_is_explained_after_at_most_one_retry(provider):
    with OpenAIServer(status=429) as server:
        settings = pointed_at(server, provider)
        error = failure(provider, settings)

    assert len(server.chat_requests()) <= 2
    assert "rate-limited this request (HTTP 429): wait a minute" in explain_error(error, provider, settings=settings)


def test_prompt_too_long_for_a_local_servers_window_says_so():
    with OpenAIServer(status=400) as server:
        settings = Settings(openai_base_url=f"{server.url}/v1")
        error = failure("openai", settings)

    assert explain_error(error, "openai", "smollm2", settings=settings) == (
        "The question and its sources are too long for smollm2's context window: "
        "ask about fewer documents or pick a model with a larger window."
    )


@pytest.mark.parametrize("provider", HOSTED)
def test_slow_server_times_out_with_a_timeout_sentence(provider):
    with OpenAIServer(delay=5) as server:
        settings = pointed_at(server, provider, timeout=0.3)
        error = failure(provider, settings)

    sentence = explain_error(error, provider, settings=settings)
    assert "did not answer within 0.3 s" in sentence
    assert "CONVERSA_LLM_TIMEOUT" in sentence


@pytest.mark.parametrize("provider", HOSTED)
def test_unreachable_server_is_explained(provider):
    url = closed_port_url()
    settings = (
        Settings(openai_base_url=f"{url}/v1")
        if provider == "openai"
        else Settings(groq_base_url=url, groq_api_key=PLANTED)
    )

    sentence = explain_error(failure(provider, settings), provider, settings=settings)

    assert sentence.startswith("Could not reach")


@pytest.mark.parametrize("provider", HOSTED)
def test_planted_key_appears_in_no_repr_and_no_error(provider):
    settings = pointed_at(OpenAIServer(), provider)
    model = build_chat_model(provider, settings=settings)
    errors = [
        explain_error(ValueError(f"bad request for {PLANTED}"), provider, settings=settings),
        explain_error(RuntimeError(f"Incorrect API key provided: {PLANTED}"), provider, settings=settings),
    ]

    for text in (repr(model), str(model), repr(settings), str(settings), *errors):
        assert PLANTED not in text


def test_openai_compatible_server_lists_its_own_models():
    with OpenAIServer() as server:
        settings = Settings(openai_base_url=f"{server.url}/v1")
        assert list_models("openai", settings) == [ModelInfo("local-model")]
        status = check_provider("openai", settings)
    assert status.ok
    assert str(status.message) == f"The OpenAI-compatible server at {server.url}/v1 is reachable (1 model served)."
    assert status.message.in_language("pt") == (
        f"O servidor compatível com OpenAI em {server.url}/v1 está acessível (1 modelo disponível)."
    )


def test_unreachable_openai_compatible_server_falls_back_to_the_curated_list_and_fails_the_check():
    settings = Settings(openai_base_url=f"{closed_port_url()}/v1")

    assert ModelInfo("gpt-4o-mini") in list_models("openai", settings)
    status = check_provider("openai", settings)
    assert not status.ok
    assert status.message.startswith("Could not reach the OpenAI-compatible server")


@pytest.mark.parametrize("provider", HOSTED)
def test_hosted_providers_offer_a_curated_list_with_the_default_first(provider):
    assert list_models(provider, Settings())[0] == ModelInfo(DEFAULT_MODELS[provider])


def test_configured_model_leads_the_list_only_for_its_own_provider():
    settings = Settings(provider="groq", model="my-groq-model")

    assert list_models("groq", settings)[0] == ModelInfo("my-groq-model")
    assert ModelInfo("my-groq-model") not in list_models("openai", settings)
