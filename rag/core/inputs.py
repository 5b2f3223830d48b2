"""What the core accepts: questions, history, k and collection names, checked once for every entry point."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from i18n import message
from rag.index.types import check_name

# A question is a sentence or a paragraph; longer text is a document. Embedding cost grows with length (a 100 kB
# question took a minute and 450 MB to embed), so the cap protects the shared model from one paste.
MAX_QUESTION_CHARS = 4000
# Passages an answer can cite; past this the prompt outgrows a CPU model's window and the page gets unreadable.
MAX_K = 50


class InputError(ValueError):
    """Input the core refuses before doing any work; the message says what is wrong and what to do."""


def clean_question(question: object) -> str:
    """The question without surrounding whitespace.

    Raises:
        InputError: empty, too long, or holding bytes that are not text (undecodable command-line bytes arrive
            as lone surrogates).
    """
    if not isinstance(question, str):
        raise InputError(message("input.question_empty"))
    cleaned = question.strip()
    if not cleaned:
        raise InputError(message("input.question_empty"))
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise InputError(message("input.question_too_long", length=len(cleaned), limit=MAX_QUESTION_CHARS))
    try:
        cleaned.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(message("input.question_not_text")) from None
    return cleaned


def clean_history(history: object) -> list[BaseMessage]:
    """Earlier turns as LangChain messages, from messages or {"role": "user"|"assistant", "content": str} dicts.

    Raises:
        InputError: not a list, or an entry that is not such an object (no role, another role, no text).
    """
    if history is None:
        return []
    if isinstance(history, str | bytes | dict) or not isinstance(history, Sequence):
        raise InputError(message("input.history_not_list"))
    messages: list[BaseMessage] = []
    for number, item in enumerate(history, start=1):
        if isinstance(item, HumanMessage | AIMessage):
            messages.append(item)
            continue
        role = item.get("role") if isinstance(item, dict) else None
        content = item.get("content") if isinstance(item, dict) else None
        if role not in ("user", "assistant") or not isinstance(content, str):
            raise InputError(message("input.history_entry", number=number))
        messages.append(HumanMessage(content) if role == "user" else AIMessage(content))
    return messages


def check_k(k: object) -> int:
    """The number of passages to return.

    Raises:
        InputError: not a whole number from 1 to MAX_K.
    """
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise InputError(message("input.k_range", limit=MAX_K, value=k))
    return k


def check_collection_name(name: str) -> str:
    """A collection name that is safe as a folder name (raises CollectionError otherwise)."""
    return check_name(name)
