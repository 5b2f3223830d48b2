"""A message: English text that can also say itself in the interface's other languages (and the CLI's words)."""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from typing import Any

# Every table holds English: it is the fallback for a language a message lacks, and the CLI's language.
FALLBACK = "en"

Templates = Mapping[str, Mapping[str, str]]
"""A package's messages: code -> {language -> str.format template}."""

# Decimal and thousands marks swap in Portuguese: "1,5 MB", "10.000 páginas".
_NUMBER_MARKS = {"pt": str.maketrans(".,", ",.")}


class Message(str):
    """A user-facing sentence: its value is the English text, and `in_language` renders the same code elsewhere.

    A str subclass, so the CLI, logs and every caller that treats it as text keep reading plain English; only
    the UI asks for another language. Parameters stay as given (file names, URLs, exception details are quoted
    untranslated); a parameter that is itself a Message is rendered in the same language.
    """

    code: str
    params: Mapping[str, object]
    _templates: Mapping[str, str]

    def __new__(cls, templates: Templates, code: str, params: Mapping[str, object]) -> Message:
        by_language = templates[code]  # an unknown code fails where the message is made, not where it is shown
        self = super().__new__(cls, _fill(by_language[FALLBACK], params, FALLBACK))
        self.code = code
        self.params = dict(params)
        self._templates = by_language
        return self

    def in_language(self, language: str) -> str:
        """The sentence in `language`, or in English when this code has no such translation."""
        template = self._templates.get(language)
        return _fill(template, self.params, language) if template else str.__str__(self)

    def map_text(self, change: Callable[[str], str]) -> Message:
        """The same message with `change` applied to every text parameter (nested ones too), e.g. to hide keys.

        Templates are fixed text written here, so changing the parameters changes every language's rendering.
        """
        params = {k: _map_value(v, change) for k, v in self.params.items()}
        return Message({self.code: self._templates}, self.code, params)

    def __reduce__(self) -> tuple[Any, ...]:
        # str's own pickling would rebuild a plain string and lose the other languages.
        return (Message, ({self.code: dict(self._templates)}, self.code, dict(self.params)))


def _map_value(value: object, change: Callable[[str], str]) -> object:
    if isinstance(value, Message):
        return value.map_text(change)
    if isinstance(value, str):
        return change(value)
    return value


class _Formatter(string.Formatter):
    """str.format that renders nested Messages in its language, localises numbers, and knows `!c` (capitalise)."""

    def __init__(self, language: str) -> None:
        self.language = language

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if isinstance(value, Message):
            value = value.in_language(self.language)
        if conversion == "c":  # a sentence that starts with a parameter: "o Ollama em …" -> "O Ollama em …"
            text = str(value)
            return text[:1].upper() + text[1:]
        return super().convert_field(value, conversion)

    def format_field(self, value: Any, format_spec: str) -> str:
        formatted = super().format_field(value, format_spec)
        marks = _NUMBER_MARKS.get(self.language)
        if marks and isinstance(value, int | float) and not isinstance(value, bool):
            return formatted.translate(marks)
        return formatted


def _fill(template: str, params: Mapping[str, object], language: str) -> str:
    return _Formatter(language).vformat(template, (), params)


def localize(value: object, language: str) -> str:
    """What to show for `value` in `language`: a Message (or an exception raised with one) is rendered in it;
    anything else is shown as its text."""
    if isinstance(value, BaseException) and len(value.args) == 1 and isinstance(value.args[0], Message):
        value = value.args[0]
    if isinstance(value, Message):
        return value.in_language(language)
    return str(value)


def missing_translations(templates: Templates, languages: tuple[str, ...]) -> list[str]:
    """`code/language` for every message lacking a language or whose blanks differ from the English ones."""

    def blanks(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    problems = []
    for code, by_language in templates.items():
        for language in languages:
            template = by_language.get(language)
            if template is None or blanks(template) - blanks(by_language[FALLBACK]):
                problems.append(f"{code}/{language}")
    return problems
