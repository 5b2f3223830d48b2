"""How well a query's language matches its candidate passages' language, judged by their stopwords (no model)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _languages_of_word() -> dict[str, tuple[str, ...]]:
    """Each stopword of bm25s's lists, with the languages that list it (the English list is the longer one)."""
    from bm25s import stopwords

    lists = {
        name.removeprefix("STOPWORDS_").lower(): getattr(stopwords, name)
        for name in dir(stopwords)
        if name.startswith("STOPWORDS_") and name != "STOPWORDS_EN"
    }
    languages: dict[str, list[str]] = {}
    for language, words in sorted(lists.items()):
        for word in {w.lower() for w in words}:
            languages.setdefault(word, []).append(language)
    return {word: tuple(langs) for word, langs in languages.items()}


@lru_cache(maxsize=8192)
def language_profile(text: str) -> tuple[tuple[str, float], ...]:
    """Votes per language from the text's stopwords: a stopword listed by n languages gives each 1/n, so words
    common to related languages ("de", "a") count less than words only one language uses ("the", "não")."""
    table = _languages_of_word()
    votes: Counter[str] = Counter()
    for word in _WORD.findall(text.lower()):
        languages = table.get(word)
        if languages:
            for language in languages:
                votes[language] += 1 / len(languages)
    return tuple(sorted(votes.items()))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(value * b[language] for language, value in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def language_match(query: str, passages: Iterable[str]) -> float | None:
    """Cosine between the language profiles of the query and of the passages together: near 1 when they are written
    in the same language, near 0 when an English question meets Portuguese passages (or the reverse); None when
    either side has no stopword to judge by (a query of bare keywords: no evidence of a mismatch).
    """
    asked = Counter(dict(language_profile(query)))
    found: Counter[str] = Counter()
    for text in passages:
        found.update(dict(language_profile(text)))
    if not asked or not found:
        return None
    return _cosine(asked, found)


def dominant_language(texts: Iterable[str], among: Sequence[str] | None = None) -> str | None:
    """The language with the most stopword votes over the texts together (only those `among`, when given); None
    when no stopword of those languages occurs."""
    votes: Counter[str] = Counter()
    for text in texts:
        votes.update(dict(language_profile(text)))
    candidates = {language: count for language, count in votes.items() if among is None or language in among}
    return max(sorted(candidates), key=candidates.__getitem__) if candidates else None
