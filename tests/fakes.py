"""Test doubles: a chat model that records every prompt it receives and streams answers from a queue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field


class RecordingChatModel(BaseChatModel):
    """Answers from `replies` in order (the last one repeats) and records the messages of every call."""

    replies: list[str] = Field(default_factory=lambda: ["Resposta [1]."])
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    fail_after_tokens: int | None = None
    """Raise ConnectionError after streaming this many tokens: a server that dies mid-answer."""

    @property
    def _llm_type(self) -> str:
        return "recording-fake"

    def _next_reply(self, messages: list[BaseMessage]) -> str:
        self.calls.append(list(messages))
        index = min(len(self.calls) - 1, len(self.replies) - 1)
        return self.replies[index]

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self._next_reply(messages)))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        reply = self._next_reply(messages)
        for i, token in enumerate(reply.split(" ")):
            if self.fail_after_tokens is not None and i >= self.fail_after_tokens:
                raise ConnectionError("server closed the connection")
            yield ChatGenerationChunk(message=AIMessageChunk(content=token if i == 0 else " " + token))

    def last_prompt_text(self) -> str:
        return "\n".join(str(m.content) for m in self.calls[-1])
