"""How answers and passages are read alike: folded words, their forms (singular, stemmed), tokens, and the Fact
record a checkable statement becomes."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

_STEMMERS = (Stemmer.Stemmer("portuguese"), Stemmer.Stemmer("english"))


def fold(text: str) -> str:
    """Lower case without accents or ligatures: 'Wikipédia' -> 'wikipedia', 'ﬁle' -> 'file'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+|\S+@\S+\.\w+")
_TOKEN = re.compile(
    r"(?P<cur>R\$|US\$|\$|€)"
    r"|(?P<num>\d\w*(?:[.,'’]\w+)*(?:-[^\W\d_]\w*)*)"  # "1-8" is a range of two numbers, "16-bit" one
    r"|(?P<word>[^\W\d_]\w*(?:[-.'’]\w+)*)"
    r"|(?P<sym>[%~–—\-:;,.()!?/])"
)


@dataclass(frozen=True)
class Fact:
    """One thing a sentence states that a passage can be searched for.

    `kind` is "number", "date", "name" or "quote"; `text` is how the answer wrote it ("5 litros", "Meta").
    """

    kind: str
    text: str
    values: frozenset[float] = frozenset()
    mantissas: frozenset[float] = frozenset()
    scale: float = 1.0
    unit: str | None = None
    date: frozenset[tuple[int | None, int, int | None]] = frozenset()
    tokens: tuple[str, ...] = ()
    start: int = 0  # where the sentence states it, to list facts in reading order


@dataclass
class Tok:
    """A token and where it stands in the text it was read from; `kind` is cur, num, word or sym."""

    kind: str
    text: str
    start: int
    end: int


def singular(word: str) -> str:
    """A plural's singular by its ending, pt and en ('funções' folded -> 'funcao', 'parties' -> 'party')."""
    for plural, single in (("oes", "ao"), ("aes", "ao"), ("aos", "ao"), ("ns", "m"), ("ies", "y")):
        if word.endswith(plural) and len(word) > len(plural) + 2:
            return word[: -len(plural)] + single
    if word.endswith("s") and len(word) > 3 and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=8192)
def word_forms(word: str) -> frozenset[str]:
    """The spellings a word is compared by: folded, without inner punctuation, singular and stemmed (pt and en)."""
    base = fold(re.sub(r"['’]s$", "", word))
    squashed = re.sub(r"[-.'’]", "", base)
    forms = {base, squashed, singular(squashed)}
    forms |= {stemmer.stemWord(form) for stemmer in _STEMMERS for form in list(forms) if form.isalpha()}
    return frozenset(forms)


def tokenize(text: str) -> list[Tok]:
    """Currency signs, numbers, words and punctuation with their spans; URLs and e-mail addresses are skipped."""
    masked = _URL.sub(lambda m: " " * len(m.group()), text)
    return [Tok(m.lastgroup or "", m.group(), m.start(), m.end()) for m in _TOKEN.finditer(masked)]
