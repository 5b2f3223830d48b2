"""What Conversa says to people: one catalogue (i18n/catalogue), one API, pt-BR and English (the CLI's language).

`message(code, **params)` is a Message: its str() is English (the CLI, logs), and the interface renders it in
its language with `localize`. `text(code, language, **params)` is the sentence in a language right away.
"""

from __future__ import annotations

from i18n.catalogue import CATALOGUE, NOUNS
from i18n.templates import FALLBACK, Message, Templates, localize, missing_translations

__all__ = ["FALLBACK", "Message", "Templates", "counted", "localize", "message", "missing_translations", "text"]


def message(code: str, **params: object) -> Message:
    """The sentence `code` with its parameters; an unknown code fails here, where the message is made."""
    return Message(CATALOGUE, code, params)


def text(code: str, language: str, **params: object) -> str:
    """The sentence `code` in `language` (English where it has no such translation)."""
    return message(code, **params).in_language(language)


def counted(number: int, noun: str, language: str) -> str:
    """ "1 página", "5 páginas": a number with its noun in the right form."""
    forms = NOUNS[noun].get(language, NOUNS[noun][FALLBACK])
    return f"{number} {forms[0] if number == 1 else forms[1]}"
