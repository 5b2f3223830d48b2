"""A deterministic chat model that answers from the prompt's <sources> block, for tests and demos."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

NOT_COVERED_ANSWER = "The documents do not cover this question."

_SOURCES_BLOCK = re.compile(r"<sources>(.*?)</sources>", re.S)
# "[1] (file.pdf, p. 3)" on its own line, then the passage up to the next "[n]" line.
_SOURCE_ENTRY = re.compile(r"^\[(\d+)\][^\n]*\n(.*?)(?=^\[\d+\]|\Z)", re.S | re.M)
_FIRST_SENTENCE = re.compile(r"(.+?[.!?])(?:\s|$)", re.S)
# Words the follow-up rewrite prompt uses, in English and Portuguese; no answer prompt needs them.
_REWRITE_REQUEST = re.compile(
    r"rewrite|rephrase|standalone|stand-alone|reescrev|reformul|pergunta autônoma|pergunta independente", re.I
)
_QUESTION_LABEL = re.compile(r"(?:follow[- ]?up question|question|pergunta(?: de seguimento)?)\s*:\s*", re.I)
# Only the first two sources are cited: enough to exercise citation parsing without long answers.
_CITED_SOURCES = 2
_LONGEST_SENTENCE = 300


class GroundedFakeChatModel(BaseChatModel):
    """Cites the first sentence of sources [1] and [2], or says the documents do not cover it.

    Given the follow-up rewrite prompt (no sources, asks to rewrite), it returns the question as is.
    Every call's messages are kept in `received`, so a test can assert on what the chain sent.
    """

    model_name: str = "fake"
    received: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "conversa-fake"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.received.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=answer_for(messages)))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        self.received.append(list(messages))
        # One chunk per word with its trailing space, so joining the chunks gives the answer back.
        for token in re.findall(r"\S+\s*", answer_for(messages)):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
            if run_manager:
                run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk


def answer_for(messages: list[BaseMessage]) -> str:
    """The fake's whole answer to messages."""
    texts = [m.text for m in messages]
    sources = _last_sources(texts)
    if sources:
        return " ".join(f"{_first_sentence(passage)} [{number}]" for number, passage in sources[:_CITED_SOURCES])
    if any(_REWRITE_REQUEST.search(text) for text in texts):
        return _asked_question(messages)
    return NOT_COVERED_ANSWER


def _last_sources(texts: Sequence[str]) -> list[tuple[str, str]]:
    # The instructions may mention "<sources>" too: the last block holding entries is the real one.
    for text in reversed(texts):
        for block in reversed(_SOURCES_BLOCK.findall(text)):
            entries = [(n, p.strip()) for n, p in _SOURCE_ENTRY.findall(block.strip()) if p.strip()]
            if entries:
                return entries
    return []


def _first_sentence(passage: str) -> str:
    flat = " ".join(passage.split())
    match = _FIRST_SENTENCE.match(flat)
    sentence = match.group(1) if match else flat
    return sentence[:_LONGEST_SENTENCE]


def _asked_question(messages: list[BaseMessage]) -> str:
    humans = [m.text for m in messages if isinstance(m, HumanMessage)] or [messages[-1].text]
    last = humans[-1].strip()
    if not _REWRITE_REQUEST.search(last):
        return last  # the instructions were in a system message: this message is the question
    after_label = _QUESTION_LABEL.split(last)[-1].strip()
    if after_label and after_label != last:
        return after_label.splitlines()[0].strip()
    return [line.strip() for line in last.splitlines() if line.strip()][-1]
