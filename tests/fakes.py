"""Test doubles: a chat model that records every prompt it receives, and a fast deterministic embedding model."""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from rag.index.embeddings import EmbeddingModel


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


_WORD = re.compile(r"\w+")


class HashEmbeddings(Embeddings):
    """Bag of hashed words, normalised: texts sharing words are close. Stable across processes (crc32, not hash())."""

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for word in _WORD.findall(text.lower()):
            vector[zlib.crc32(word.encode("utf-8")) % self.dimension] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)

    def count_tokens(self, texts: list[str]) -> list[int]:
        # Like a subword tokenizer: at least one token a word, one per 4 characters; 2 special tokens.
        return [2 + max(len(_WORD.findall(t)), math.ceil(len(t) / 4)) for t in texts]


def hash_embedding_model(dimension: int = 64) -> EmbeddingModel:
    """An embedding model for tests that ingest many files or run in loops: no model file, microseconds a passage."""
    return EmbeddingModel("test-hash-embeddings", HashEmbeddings(dimension), dimension, 512)
