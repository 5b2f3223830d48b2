"""The history-aware retrieval chain (LCEL): standalone question, retrieval, answer streamed with its sources.

Built only by the core (rag/core/service.py), which turns what it streams into answer events.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import itemgetter

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableBranch, RunnableLambda, RunnablePassthrough

from config.settings import FollowUpStrategy
from i18n import message
from rag.answer.prompts import detect_language, load_prompt
from rag.search.retrieval import SearchResult, Source, cited_location, concat_query

Retrieve = Callable[[str, str], SearchResult]
"""(question as asked, search query) -> the passages found."""

# Earlier turns shown to the answering model: enough for "and after that?", small enough for a CPU model's window.
_ANSWER_HISTORY_MESSAGES = 6
# About 3,000 tokens of sources: fits an 8k context with the rules, history and answer.
DEFAULT_MAX_SOURCE_CHARS = 12_000


_SOURCES_TAG = re.compile(r"<\s*/?\s*sources\b[^>]*>", re.IGNORECASE)


def _defuse(text: str) -> str:
    """A document (its text or its file name) must not be able to close the data block and speak as the user."""
    return _SOURCES_TAG.sub(lambda tag: tag.group(0).replace("<", "‹").replace(">", "›"), text)


def format_sources(sources: list[Source], max_chars: int = DEFAULT_MAX_SOURCE_CHARS, language: str = "en") -> str:
    """The numbered sources block, each headed by file and page (or section, in the prompt's `language`); lower-ranked
    sources are dropped when the block would outgrow `max_chars`."""
    blocks: list[str] = []
    used = 0
    for source in sources:
        where = cited_location(source, language)
        block = f"[{source.number}] ({_defuse(source.doc)}, {_defuse(where)})\n{_defuse(source.text)}"
        if blocks and used + len(block) > max_chars:
            break
        blocks.append(block)
        used += len(block)
    return "\n\n".join(blocks)


def rewrite_messages(inputs: dict) -> list[BaseMessage]:
    """The prompt that turns a follow-up into a standalone question."""
    language = detect_language(inputs["question"])
    return [
        SystemMessage(load_prompt("rewrite_system", language)),
        *inputs["chat_history"],
        HumanMessage(inputs["question"]),
    ]


def answer_messages(inputs: dict, max_source_chars: int = DEFAULT_MAX_SOURCE_CHARS) -> list[BaseMessage]:
    """The answer prompt: rules, recent history, then the sources block and the question."""
    language = detect_language(inputs["question"])
    retrieval: SearchResult = inputs["retrieval"]
    note = load_prompt("not_covered", language) + "\n" if retrieval.covered is False else ""
    user = load_prompt("answer_user", language).format(
        sources=format_sources(retrieval.sources, max_source_chars, language),
        coverage_note=note,
        question=inputs["question"],
    )
    return [
        SystemMessage(load_prompt("answer_system", language)),
        *inputs["chat_history"][-_ANSWER_HISTORY_MESSAGES:],
        HumanMessage(user),
    ]


def _non_empty(rewrite: str) -> str:
    """A blank rewrite would search for nothing: fail, so the chain falls back to the no-LLM query."""
    if not rewrite.strip():
        raise ValueError(message("answer.empty_rewrite"))
    return rewrite.strip()


def build_chain(
    retrieve: Retrieve,
    llm: BaseChatModel | None,
    follow_up: FollowUpStrategy = "concat",
    max_source_chars: int = DEFAULT_MAX_SOURCE_CHARS,
) -> Runnable:
    """Input {"question", "chat_history"}; streams {"search_query"}, {"retrieval"}, then {"answer"} pieces.

    Without a model the chain stops after retrieval (search-only answers). With history, the question is made
    standalone before retrieval: rewritten by the model (`llm`) or combined with earlier user turns (`concat`).
    """
    concat: Runnable = RunnableLambda(lambda x: concat_query(x["question"], x["chat_history"]))
    rewrite = concat
    if follow_up == "llm" and llm is not None:
        # A model that fails to rewrite should not cost the user the search: fall back to the no-LLM query.
        llm_rewrite = RunnableLambda(rewrite_messages) | llm | StrOutputParser() | RunnableLambda(_non_empty)
        rewrite = llm_rewrite.with_fallbacks([concat])
    search_query = RunnableBranch((lambda x: not x["chat_history"], itemgetter("question")), rewrite)
    chain = RunnablePassthrough.assign(search_query=search_query).assign(
        retrieval=RunnableLambda(lambda x: retrieve(x["question"], x["search_query"]))
    )
    if llm is None:
        return chain
    answer = RunnableLambda(lambda x: answer_messages(x, max_source_chars)) | llm | StrOutputParser()
    return chain.assign(answer=answer)
