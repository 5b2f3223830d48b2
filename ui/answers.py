"""Answering in the app: pick a usable chat model or fall back to search, and turn an answer's events into a Turn."""

from __future__ import annotations

import traceback
from collections.abc import Iterable

from langchain_core.language_models import BaseChatModel

from config.settings import Settings
from i18n import text
from llm import LLMError, build_chat_model, check_provider
from rag.core import Transcript
from rag.search.excerpt import excerpt
from rag.search.retrieval import SearchResult, Source, cited_location
from ui.export import escape_markdown
from ui.state import ModelChoice, Turn

# A passage up to this long is shown whole in a search-only reply; a longer one by its matching sentence.
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


def passages_markdown(sources: list[Source], language: str, query: str = "") -> str:
    """A search-only reply: the passages found, numbered like the sources below them, each shown by the sentence
    that matched `query` in full (the whole passage is one click away in its source)."""
    if not sources:
        return text("no_passages", language)
    lines = []
    for s in sources:
        shown = escape_markdown(excerpt(s.text, query, EXCERPT_CHARS))
        where = escape_markdown(f"{s.doc}, {cited_location(s, language)}")
        lines.append(f"**[{s.number}]** {shown} *({where})*")
    return "\n\n".join(lines)


def settle_turn(turn: Turn, transcript: Transcript, language: str) -> None:
    """Complete the assistant's turn once its answer's events have all arrived; passages stand in when no model
    wrote anything."""
    search: SearchResult | None = transcript.search
    turn.sources = list(search.sources) if search else []
    turn.covered = search.covered if search else None
    turn.search_query = search.search_query if search else turn.search_query
    turn.error = transcript.error
    turn.interrupted = transcript.interrupted
    turn.unsupported = list(transcript.unsupported)
    written = bool(transcript.text.strip()) and turn.notice is None
    turn.content = transcript.text if written else passages_markdown(turn.sources, language, turn.search_query or "")
