"""Answering in the app: pick a usable chat model or fall back to search, and turn an Answer into a Turn."""

from __future__ import annotations

import traceback
from collections.abc import Iterable

from langchain_core.language_models import BaseChatModel

from config.settings import Settings
from llm import LLMError, build_chat_model, check_provider
from rag.answer.chain import Answer
from rag.search.retrieval import SearchResult, Source
from ui.export import escape_markdown
from ui.state import ModelChoice, Turn
from ui.strings import text

# Characters of each passage shown in a search-only reply; the full passage is one click away in its source.
EXCERPT_CHARS = 320


def chat_model_for(choice: ModelChoice, settings: Settings) -> tuple[BaseChatModel | None, str | None]:
    """The chat model to answer with, or None and the sentence saying how to get written answers."""
    status = check_provider(choice.provider, settings, choice.api_key, model=choice.model)
    if not status.ok:
        return None, status.message
    try:
        model = build_chat_model(
            choice.provider, choice.model, settings=settings, api_key=choice.api_key, temperature=choice.temperature
        )
    except LLMError as exc:
        return None, exc.message  # a Message: shown in the interface's language when the reply is drawn
    return model, None


def redacted_traceback(exc: BaseException, secrets: Iterable[str | None]) -> str:
    """The traceback for the terminal log, with every key in `secrets` replaced (a server may echo a key)."""
    detail = "".join(traceback.format_exception(exc))
    for secret in secrets:
        if secret:
            detail = detail.replace(secret, "[key hidden]")
    return detail


def excerpt(passage: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of a passage on one line, cut at a word boundary."""
    flat = " ".join(passage.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "…"


def passages_markdown(sources: list[Source], language: str) -> str:
    """A search-only reply: the passages found, numbered like the sources below them."""
    if not sources:
        return text("no_passages", language)
    lines = [
        f"**[{s.number}]** {escape_markdown(excerpt(s.text))} *({escape_markdown(s.doc)}, p. {s.page})*"
        for s in sources
    ]
    return "\n\n".join(lines)


def answer_turn(answer: Answer, collection: str, notice: str | None, language: str) -> Turn:
    """The assistant's turn once `answer` has streamed; passages stand in when no model wrote anything."""
    retrieval: SearchResult | None = answer.retrieval
    sources = list(retrieval.sources) if retrieval else []
    written = bool(answer.text.strip()) and notice is None
    return Turn(
        role="assistant",
        content=answer.text if written else passages_markdown(sources, language),
        sources=sources,
        collection=collection,
        covered=retrieval.covered if retrieval else None,
        notice=notice,
        error=answer.error,
        interrupted=answer.interrupted,
        search_query=answer.search_query or (retrieval.search_query if retrieval else ""),
    )
