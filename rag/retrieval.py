"""Retrieval for a question in a conversation: the search query, the passages, and whether they cover it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from langchain_core.messages import BaseMessage, HumanMessage

from rag.collection import Collection, Hit

# Earlier user turns kept for the no-LLM follow-up query: the topic usually sits in the last one or two.
_HISTORY_TURNS = 2


@dataclass(frozen=True)
class Source:
    """A numbered passage given to the model and shown to the user as a citation."""

    number: int
    doc: str
    page: int
    text: str
    score: float
    page_label: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"doc": self.doc, "page": self.page, "text": self.text, "score": round(self.score, 6)}


@dataclass(frozen=True)
class SearchResult:
    """What a search found; `covered` is None when the collection cannot tell whether the passages answer it."""

    question: str
    search_query: str
    sources: list[Source] = field(default_factory=list)
    covered: bool | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "search_query": self.search_query,
            "covered": self.covered,
            "results": [s.to_json() for s in self.sources],
        }


def user_turns(history: Sequence[BaseMessage | dict]) -> list[str]:
    """The user's earlier questions, oldest first, from messages or {"role", "content"} dicts."""
    turns = []
    for message in history:
        if isinstance(message, dict):
            if message.get("role") == "user":
                turns.append(str(message.get("content", "")))
        elif isinstance(message, HumanMessage):
            turns.append(str(message.content))
    return [t for t in turns if t.strip()]


def concat_query(question: str, history: Sequence[BaseMessage | dict]) -> str:
    """The no-LLM standalone query: the last earlier user turns, then the follow-up."""
    earlier = user_turns(history)[-_HISTORY_TURNS:]
    return " ".join([*earlier, question])


def sources_from_hits(hits: list[Hit]) -> list[Source]:
    return [
        Source(i, h.chunk.doc, h.chunk.page, h.chunk.text, h.score, h.chunk.page_label)
        for i, h in enumerate(hits, start=1)
    ]


def search(collection: Collection, question: str, search_query: str, k: int) -> SearchResult:
    """Top-k passages for `search_query`, reported against the question as the user asked it."""
    hits = collection.search(search_query, k)
    return SearchResult(question, search_query, sources_from_hits(hits))


def retriever_for(collection: Collection, k: int) -> Callable[[str, str], SearchResult]:
    """The chain's retrieval step over one collection."""
    return lambda question, search_query: search(collection, question, search_query, k)
