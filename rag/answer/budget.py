"""How much of a conversation fits the model's window beside the rules, the sources, the question and the answer."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage

from rag.answer.chain import DEFAULT_MAX_SOURCE_CHARS

# The rules (system prompt), the prompt's own words and the message framing, rounded up.
_PROMPT_TOKENS = 512
# Tokenizers differ by model and none is at hand for a hosted one: three characters a token overestimates the
# count for Portuguese and English text with every common tokenizer, so what is kept always fits.
_CHARS_PER_TOKEN = 3


def estimate_tokens(text: str) -> int:
    """An upper estimate of the tokens `text` takes in a chat model's window."""
    return len(text) // _CHARS_PER_TOKEN + 1


def history_budget(
    question: str, context_tokens: int, answer_tokens: int, max_source_chars: int = DEFAULT_MAX_SOURCE_CHARS
) -> int:
    """Tokens left for earlier turns once the rules, the sources, the question and the answer have their room."""
    fixed = _PROMPT_TOKENS + answer_tokens + estimate_tokens(question) + max_source_chars // _CHARS_PER_TOKEN
    return max(0, context_tokens - fixed)


def fit_history(
    history: Sequence[BaseMessage],
    question: str,
    context_tokens: int,
    answer_tokens: int,
) -> list[BaseMessage]:
    """The most recent turns that fit a window of `context_tokens` that keeps `answer_tokens` for the answer, oldest
    dropped first; a turn is kept whole or not at all."""
    budget = history_budget(question, context_tokens, answer_tokens)
    kept: list[BaseMessage] = []
    for item in reversed(history):
        cost = estimate_tokens(str(item.content))
        if cost > budget:
            break
        budget -= cost
        kept.append(item)
    return kept[::-1]
