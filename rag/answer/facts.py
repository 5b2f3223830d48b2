"""A sentence's checkable facts (numbers with units, dates, names, quoted phrases) and whether a passage holds them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from rag.answer.quantities import SCALES, find_dates, find_quantities
from rag.answer.reading import Fact, Tok, fold, singular, tokenize, word_forms

_QUOTE = re.compile(r'"([^"\n]{2,300})"|“([^”\n]{2,300})”|«([^»\n]{2,300})»')

# Capitalised words that are titles, document furniture or the app's two languages, not names to check.
_GENERIC = set(
    "i a o e as os um uma the an mr mrs ms dr dra sr sra srta prof president presidente ceo university universidade "
    "table tabela figure figura chapter capitulo section secao page pagina fonte fontes source sources note nota "
    "inc ltd ltda corp co sa english portuguese ingles portugues "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december "
    "llm slm rag ia ai nlp pln gpu cpu tpu api vram ram pdf json url http https faq ok ml eos ui id".split()
)
_NAME_JOINERS = {"de", "da", "do", "dos", "das", "of", "the", "von", "van", "del", "la", "le"}


@dataclass(frozen=True)
class Passage:
    """What a passage holds, indexed once: its numbers, dates, word forms and token sequence."""

    text: str
    numbers: tuple[Fact, ...]
    dates: frozenset[tuple[int | None, int, int | None]]
    forms: frozenset[str]
    code_numbers: frozenset[float]
    sequence: tuple[str, ...]
    folded: str


@lru_cache(maxsize=512)
def index_passage(text: str) -> Passage:
    """Index a passage once; passages repeat across the sentences of an answer."""
    dates, blanked = find_dates(text)
    toks = tokenize(blanked)
    quantities, used = find_quantities(toks)
    forms: set[str] = set()
    code_numbers: set[float] = set()
    sequence: list[str] = []
    for k, tok in enumerate(toks):
        if tok.kind not in ("word", "num"):
            continue
        sequence.append(fold(tok.text))
        if len(sequence) > 1:
            forms.add(sequence[-2] + sequence[-1])  # "Llama 3" also reads as "llama3"
        if tok.kind == "word" or k not in used:
            forms |= word_forms(tok.text)
            forms |= {form for part in re.split(r"[-.'’]", tok.text) if part for form in word_forms(part)}
        if tok.kind == "word":
            code_numbers |= {float(d) for d in re.findall(r"\d+(?:\.\d+)?", tok.text)}
    all_dates = frozenset(reading for _, _, readings in dates for reading in readings)
    numbers = tuple(fact for _, fact in quantities)
    return Passage(text, numbers, all_dates, frozenset(forms), frozenset(code_numbers), tuple(sequence), fold(text))


@dataclass(frozen=True)
class Vocabulary:
    """How the given sources write words: which appear only capitalised, so a sentence-initial one is a name."""

    proper: frozenset[str]
    lower: frozenset[str]

    @classmethod
    def of(cls, texts: list[str]) -> Vocabulary:
        proper: set[str] = set()
        lower: set[str] = set()
        for text in texts:
            for m in re.finditer(r"(?<![.!?]\s)(?<![.!?])\b([^\W\d_][\w'’]*)", text):
                word = fold(re.sub(r"['’]s$", "", m.group(1)))
                (proper if m.group(1)[0].isupper() else lower).add(word)
        return cls(frozenset(proper), frozenset(lower))


def _name_kind(word: str, initial: bool, vocabulary: Vocabulary) -> bool:
    """Whether a word is a name to check: acronyms, CamelCase and codes anywhere, Capitalised words mid-sentence."""
    bare = re.sub(r"['’]s$", "", word)
    parts = [part for part in re.split(r"[-.'’]", bare) if part]
    if len(parts) > 1 and not any(c.isdigit() for c in bare):
        return any(_name_kind(part, initial, vocabulary) for part in parts)  # "LLM-based" is not a name
    letters = [c for c in bare if c.isalpha()]
    if not letters or not letters[0].isupper() and not any(c.isdigit() for c in bare):
        return False
    folded = fold(bare)
    if singular(folded) in _GENERIC or folded in _GENERIC:
        return False
    if any(c.isdigit() for c in bare):
        return True
    if sum(c.isupper() for c in letters) > 1:
        return True
    if not initial:
        return True
    return folded in vocabulary.proper and folded not in vocabulary.lower


def extract_facts(sentence: str, vocabulary: Vocabulary) -> list[Fact]:
    """The numbers, dates, names and quoted phrases a sentence states, in order, each once."""
    facts: list[Fact] = []
    chars = list(sentence)
    for m in _QUOTE.finditer(sentence):
        quoted = next(g for g in m.groups() if g)
        words = tuple(fold(t.text) for t in tokenize(quoted) if t.kind in ("word", "num"))
        if words:
            facts.append(Fact("quote", m.group(), tokens=words, start=m.start()))
            chars[m.start() : m.end()] = " " * (m.end() - m.start())
    dates, blanked = find_dates("".join(chars))
    facts += [Fact("date", sentence[s:e].strip(), date=readings, start=s) for s, e, readings in dates]
    toks = tokenize(blanked)
    quantities, used = find_quantities(toks)
    facts += [
        Fact("number", sentence[t.start : t.end], f.values, f.mantissas, f.scale, f.unit, start=t.start)
        for t, f in quantities
    ]
    facts += _names(toks, used, sentence, vocabulary)
    unique: dict[tuple[str, str], Fact] = {}
    for fact in sorted(facts, key=lambda f: f.start):
        unique.setdefault((fact.kind, fold(fact.text)), fact)
    return list(unique.values())


def _names(toks: list[Tok], used: set[int], sentence: str, vocabulary: Vocabulary) -> list[Fact]:
    names: list[Fact] = []
    phrase: list[Tok] = []
    initial = True

    def close() -> None:
        while phrase and fold(phrase[-1].text) in _NAME_JOINERS:
            phrase.pop()
        significant = tuple(t.text for t in phrase if fold(t.text) not in _NAME_JOINERS)
        if significant:
            text = sentence[phrase[0].start : phrase[-1].end]
            names.append(Fact("name", text, tokens=significant, start=phrase[0].start))
        phrase.clear()

    for k, tok in enumerate(toks):
        is_word = tok.kind in ("word", "num") and k not in used  # a unit ("GB") belongs to its number
        if is_word and _name_kind(tok.text, initial, vocabulary):
            phrase.append(tok)
        elif is_word and phrase and fold(tok.text) in _NAME_JOINERS:
            phrase.append(tok)
        else:
            close()
        if tok.kind in ("word", "num"):
            initial = False
        elif tok.text in ":!?":
            initial = True
    close()
    return names


def _same_values(a: frozenset[float], b: frozenset[float]) -> bool:
    return any(math.isclose(x, y, rel_tol=1e-9) for x in a for y in b)


def check_fact(fact: Fact, passages: list[Passage]) -> str | None:
    """None when a passage holds the fact, else what is wrong: 'missing', or 'unit' for a number with another unit."""
    if fact.kind == "number":
        return _check_number(fact, passages)
    if fact.kind == "date":
        held = {d for p in passages for d in p.dates}
        years = {v for p in passages for n in p.numbers for v in n.values}
        for day, month, year in fact.date:
            for p_day, p_month, p_year in held:
                if month == p_month and day in (None, p_day) and (year in (None, p_year) or float(year) in years):
                    return None
        return "missing"
    if fact.kind == "quote":
        return None if any(_holds_sequence(p.sequence, fact.tokens) for p in passages) else "missing"
    forms = set().union(*(p.forms for p in passages)) if passages else set()
    significant = [t for t in fact.tokens if fold(re.sub(r"['’]s$", "", t)) not in _GENERIC]
    return None if all(word_forms(t) & forms for t in significant) else "missing"


def _check_number(fact: Fact, passages: list[Passage]) -> str | None:
    number_seen = False
    for p in passages:
        for held in p.numbers:
            same = _same_values(fact.values, held.values)
            # A table "in millions" writes 5.5 where the answer says 5.5 million.
            if not same and fact.scale != 1.0 and held.scale == 1.0 and _same_values(fact.mantissas, held.values):
                same = any(word in p.folded for word, value in SCALES.items() if value == fact.scale)
            if same:
                number_seen = True
                if fact.unit is None or held.unit == fact.unit or (held.unit or "").startswith(f"{fact.unit}/"):
                    return None  # "4 horas" is in "4 horas por semana"
        if fact.unit is None and fact.scale == 1.0 and _same_values(fact.values, p.code_numbers):
            return None  # "Llama 3" against "Llama-3-70B"
    return "unit" if number_seen else "missing"


def _holds_sequence(sequence: tuple[str, ...], words: tuple[str, ...]) -> bool:
    n = len(words)
    targets = [word_forms(w) for w in words]
    for i in range(len(sequence) - n + 1):
        if all(sequence[i + k] == words[k] or word_forms(sequence[i + k]) & targets[k] for k in range(n)):
            return True
    return False
