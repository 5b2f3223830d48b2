"""The fake provider: a deterministic model that streams a grounded answer from the prompt's sources."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from config.settings import Settings
from llm import (
    NOT_COVERED_ANSWER,
    GroundedFakeChatModel,
    build_chat_model,
    check_provider,
    list_models,
    offered_providers,
)
from tests.llm_servers import isolate_llm_env

ANSWER_PROMPT = """Answer from the sources below and cite them by number.

<sources>
[1] (microcurso-llm.pdf, p. 3)
Attention lets every token weigh every other token.
It was introduced in 2017.

[2] (other.pdf, p. 7)
Transformers stack attention layers! They scale well.
</sources>

Question: What is attention?"""


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    isolate_llm_env(monkeypatch, tmp_path)


def test_streams_word_by_word_citing_the_first_sentence_of_each_source():
    model = build_chat_model("fake", settings=Settings())

    chunks = [chunk.content for chunk in model.stream(ANSWER_PROMPT)]

    assert len([c for c in chunks if c]) > 5
    assert "".join(chunks) == (
        "Attention lets every token weigh every other token. [1] Transformers stack attention layers! [2]"
    )


def test_one_source_is_cited_alone():
    prompt = "<sources>\n[1] (microcurso-llm.pdf, p. 3)\nLLMs predict the next token. More.\n</sources>"

    assert build_chat_model("fake", settings=Settings()).invoke(prompt).content == "LLMs predict the next token. [1]"


def test_same_prompt_gives_the_same_answer_every_time():
    model = build_chat_model("fake", settings=Settings())

    answers = {model.invoke(ANSWER_PROMPT).content for _ in range(3)}
    answers.add("".join(c.content for c in model.stream(ANSWER_PROMPT)))

    assert len(answers) == 1


@pytest.mark.parametrize(
    "prompt",
    [
        "Question: What is attention?",
        "Use only <sources> below.\n<sources>\n</sources>\nQuestion: What is attention?",
    ],
)
def test_without_sources_it_says_the_documents_do_not_cover_it(prompt):
    assert build_chat_model("fake", settings=Settings()).invoke(prompt).content == NOT_COVERED_ANSWER


def test_sources_in_the_system_message_are_found():
    messages = [SystemMessage(ANSWER_PROMPT.rsplit("Question:", 1)[0]), HumanMessage("What is attention?")]

    assert build_chat_model("fake", settings=Settings()).invoke(messages).content.endswith("[2]")


def test_a_mention_of_the_sources_tag_in_the_instructions_is_not_a_source():
    prompt = "Cite only what is inside <sources></sources>.\n\n" + ANSWER_PROMPT

    assert build_chat_model("fake", settings=Settings()).invoke(prompt).content.startswith("Attention lets every token")


def test_rewrite_prompt_in_one_message_returns_the_follow_up_question():
    prompt = (
        "Rewrite the follow-up question as a standalone question.\n\n"
        "Chat history:\nuser: What is attention?\nassistant: It weighs tokens [1].\n\n"
        "Follow-up question: and who introduced it?"
    )

    assert build_chat_model("fake", settings=Settings()).invoke(prompt).content == "and who introduced it?"


def test_rewrite_prompt_in_portuguese_with_the_question_as_the_last_message():
    messages = [
        SystemMessage("Reescreva a pergunta de seguimento como uma pergunta autônoma."),
        HumanMessage("O que é atenção?"),
        AIMessage("É um mecanismo [1]."),
        HumanMessage("E quem a inventou?"),
    ]

    assert build_chat_model("fake", settings=Settings()).invoke(messages).content == "E quem a inventou?"


def test_every_call_is_recorded_for_assertions():
    model = GroundedFakeChatModel()

    model.invoke("first")
    list(model.stream([SystemMessage("sys"), HumanMessage("second")]))

    assert [[m.text for m in call] for call in model.received] == [["first"], ["sys", "second"]]


def test_fake_is_offered_only_with_allow_fake_but_always_builds():
    assert "fake" not in offered_providers(Settings())
    assert offered_providers(Settings(allow_fake=True))[-1] == "fake"
    assert build_chat_model("fake", settings=Settings(allow_fake=False)).invoke("hi").content == NOT_COVERED_ANSWER
    assert check_provider("fake", Settings()).ok
    assert [m.name for m in list_models("fake", Settings())] == ["fake"]
