"""A sentence's checkable facts (numbers with units, dates, names, quoted phrases) and whether a passage holds them."""

from __future__ import annotations

import math
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


# Scale words after a number. Single letters only count glued to the digits ("70B", "4k"): "3 m" is metres.
_SCALES = {
    **dict.fromkeys(["mil", "thousand", "thousands"], 1e3),
    **dict.fromkeys(["milhao", "milhoes", "mi", "million", "millions", "mn"], 1e6),
    **dict.fromkeys(["bilhao", "bilhoes", "bi", "billion", "billions", "bn"], 1e9),
    **dict.fromkeys(["trilhao", "trilhoes", "tri", "trillion", "trillions"], 1e12),
}
_GLUED_SCALES = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "b": 1e9, "bn": 1e9, "bi": 1e9, "mi": 1e6}
_ORDINAL_OR_PLURAL = {"s", "th", "st", "nd", "rd", "o", "a", "º", "ª", "°"}


def _unit_table() -> dict[str, str]:
    groups = {
        "liter": "litro litros liter liters litre litres",
        "ml": "ml mililitro mililitros milliliter milliliters",
        "bit": "bit bits",
        "byte": "byte bytes",
        "KB": "kb kilobyte kilobytes",
        "MB": "mb megabyte megabytes mbs",
        "GB": "gb gigabyte gigabytes gbs",
        "TB": "tb terabyte terabytes",
        "token": "token tokens",
        "word": "palavra palavras word words",
        "character": "caractere caracteres character characters chars",
        "parameter": "parametro parametros parameter parameters params",
        "%": "% cento percent pct",
        "BRL": "r$ real reais brl",
        "USD": "us$ $ dolar dolares dollar dollars usd",
        "EUR": "€ euro euros eur",
        "ms": "ms milissegundo milissegundos millisecond milliseconds",
        "second": "segundo segundos second seconds seg sec secs",
        "minute": "minuto minutos minute minutes min",
        "hour": "hora horas hour hours hr hrs",
        "day": "dia dias day days",
        "week": "semana semanas week weeks",
        "month": "mes meses month months",
        "year": "ano anos year years",
        "mm": "mm milimetro milimetros millimeter millimeters",
        "cm": "cm centimetro centimetros centimeter centimeters",
        "m": "metro metros meter meters metre metres",
        "km": "km quilometro quilometros kilometer kilometers kilometre kilometres",
        "kg": "kg quilo quilos quilograma quilogramas kilogram kilograms",
        "gram": "grama gramas gram grams",
        "watt": "watt watts w",
        "flops": "flops flop petaflops teraflops tflops",
        "gpu": "gpu gpus",
        "inhabitant": "habitante habitantes inhabitant inhabitants",
        "page": "pagina paginas page pages",
        "layer": "camada camadas layer layers",
        "times": "vez vezes times",
        "mile": "milha milhas mile miles",
    }
    return {form: unit for unit, forms in groups.items() for form in forms.split()}


_UNITS = _unit_table()
_CURRENCY_PREFIXES = {"r$": "BRL", "us$": "USD", "$": "USD", "€": "EUR"}
# Words that may stand between a number and its unit ("100 milhões de dólares", "1000 novos tokens").
_CONNECTORS = {"de", "do", "da", "dos", "das", "of", "por"}
_RANGE_WORDS = {"a", "to", "-", "–", "—", "~", "ate"}
_BETWEEN = {"entre", "between"}  # "entre 1 e 5 segundos" is a range; "semanas 1 a 8 e $5.000" is a list
_PER = {"por", "per", "a", "an", "/", "ao", "cada", "each"}  # compared unfolded: "10% à palavra" is no rate

_MONTHS = {
    **dict.fromkeys(["janeiro", "january", "jan"], 1),
    **dict.fromkeys(["fevereiro", "february", "feb", "fev"], 2),
    **dict.fromkeys(["marco", "march", "mar"], 3),
    **dict.fromkeys(["abril", "april", "apr", "abr"], 4),
    **dict.fromkeys(["maio", "may", "mai"], 5),
    **dict.fromkeys(["junho", "june", "jun"], 6),
    **dict.fromkeys(["julho", "july", "jul"], 7),
    **dict.fromkeys(["agosto", "august", "aug", "ago"], 8),
    **dict.fromkeys(["setembro", "september", "sep", "sept", "set"], 9),
    **dict.fromkeys(["outubro", "october", "oct", "out"], 10),
    **dict.fromkeys(["novembro", "november", "nov"], 11),
    **dict.fromkeys(["dezembro", "december", "dec", "dez"], 12),
}
_MONTH = (
    r"(?P<mon>janeiro|fevereiro|mar[çc]o|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro|"
    r"january|february|march|april|(?-i:May)|june|july|august|september|october|november|december|"
    r"jan|feb|fev|mar|apr|abr|jun|jul|aug|ago|sept|sep|set|oct|out|nov|dec|dez)\.?"
)
_DATE_PATTERNS = [
    re.compile(r"\b(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4}|\d{2})\b"),
    re.compile(r"\b(?P<d>\d{1,2})/(?P<m>\d{2})\b(?!/)"),  # "26/09"; "24/7" is not a date
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:º|°|o)?\s+de\s+{_MONTH}(?:\s+de\s+(?P<y>\d{{4}}))?", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}})\b)?", re.IGNORECASE),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+(?P<y>\d{{4}})\b)?", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}(?:\s+de|,)?\s+(?P<y>\d{{4}})\b", re.IGNORECASE),
]
_QUOTE = re.compile(r'"([^"\n]{2,300})"|“([^”\n]{2,300})”|«([^»\n]{2,300})»')
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+|\S+@\S+\.\w+")
_TOKEN = re.compile(
    r"(?P<cur>R\$|US\$|\$|€)"
    r"|(?P<num>\d\w*(?:[.,'’]\w+)*(?:-[^\W\d_]\w*)*)"  # "1-8" is a range of two numbers, "16-bit" one
    r"|(?P<word>[^\W\d_]\w*(?:[-.'’]\w+)*)"
    r"|(?P<sym>[%~–—\-:;,.()!?/])"
)
_PLAIN_NUMBER = re.compile(r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?")

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
class _Tok:
    kind: str
    text: str
    start: int
    end: int


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


def _number_values(text: str) -> frozenset[float]:
    """Every value a written number can mean: '1.234' is 1234 (pt) or 1.234 (en); '1.234,56' is 1234.56."""
    if "." in text and "," in text:
        decimal = "." if text.rfind(".") > text.rfind(",") else ","
        whole, fraction = text.rsplit(decimal, 1)
        if decimal in whole:
            return frozenset()  # "1,234.567,8" is no number
        return frozenset({float(whole.replace("," if decimal == "." else ".", "") + "." + fraction)})
    for sep in ".,":
        if sep in text:
            parts = text.split(sep)
            if len(parts) > 2:
                return frozenset({float("".join(parts))})
            if len(parts[1]) == 3:
                return frozenset({float("".join(parts)), float(".".join(parts))})
            return frozenset({float(".".join(parts))})
    return frozenset({float(text)})


def _singular(word: str) -> str:
    for plural, single in (("oes", "ao"), ("aes", "ao"), ("aos", "ao"), ("ns", "m"), ("ies", "y")):
        if word.endswith(plural) and len(word) > len(plural) + 2:
            return word[: -len(plural)] + single
    if word.endswith("s") and len(word) > 3 and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=8192)
def _forms(word: str) -> frozenset[str]:
    """The spellings a word is compared by: folded, without inner punctuation, singular and stemmed (pt and en)."""
    base = fold(re.sub(r"['’]s$", "", word))
    squashed = re.sub(r"[-.'’]", "", base)
    forms = {base, squashed, _singular(squashed)}
    forms |= {stemmer.stemWord(form) for stemmer in _STEMMERS for form in list(forms) if form.isalpha()}
    return frozenset(forms)


def _tokens(text: str) -> list[_Tok]:
    masked = _URL.sub(lambda m: " " * len(m.group()), text)
    return [_Tok(m.lastgroup or "", m.group(), m.start(), m.end()) for m in _TOKEN.finditer(masked)]


def _dates(text: str) -> tuple[list[tuple[int, int, frozenset]], str]:
    """Dates with their spans, and the text with them blanked out so their digits are not read again."""
    found: list[tuple[int, int, frozenset]] = []
    chars = list(text)
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer("".join(chars)):
            groups = m.groupdict()
            month = _MONTHS[fold(groups["mon"])] if groups.get("mon") else int(groups["m"])
            day = int(groups["d"]) if groups.get("d") else None
            year = int(groups["y"]) if groups.get("y") else None
            if year is not None and year < 100:
                year += 2000
            readings = {(day, month, year)}
            if groups.get("m") and day is not None and day <= 12:
                readings.add((month, day, year))  # 03/12 may be month first
            readings = {r for r in readings if 1 <= r[1] <= 12 and (r[0] is None or 1 <= r[0] <= 31)}
            if readings:
                found.append((m.start(), m.end(), frozenset(readings)))
                chars[m.start() : m.end()] = " " * (m.end() - m.start())
    return found, "".join(chars)


def _quantities(toks: list[_Tok]) -> tuple[list[tuple[_Tok, Fact]], set[int]]:
    """Numbers with their scale and unit; also the indexes of the tokens they used up."""
    found: list[tuple[_Tok, Fact]] = []
    used: set[int] = set()
    for i, tok in enumerate(toks):
        m = re.fullmatch(rf"({_PLAIN_NUMBER.pattern})([^\W\d_]*)((?:-[^\W\d_]+)*)", tok.text)
        if tok.kind != "num" or not m:
            continue
        glued = m.group(2)
        if glued and glued not in _GLUED_SCALES and glued not in _ORDINAL_OR_PLURAL:
            continue  # "8x7b", "3B2": a code, compared as a word
        start, unit = tok.start, None
        previous = toks[i - 1] if i else None
        if previous and fold(previous.text) in _CURRENCY_PREFIXES and previous.end >= tok.start - 1:
            start, unit = previous.start, _CURRENCY_PREFIXES[fold(previous.text)]
            used.add(i - 1)
        # What follows the digits: words glued by hyphens ("16-bit"), then the next tokens up to a number or a stop.
        followers: list[tuple[str, int | None]] = [(fold(w), None) for w in m.group(3).split("-") if w]
        for j in range(i + 1, min(i + 6, len(toks))):
            if toks[j].kind == "num" or (toks[j].kind == "sym" and toks[j].text != "%"):
                break
            followers.append((fold(toks[j].text), j))
        before = toks[i - 2] if i > 1 and toks[i - 1].text == ":" else previous
        if unit is None and before and before.kind == "word" and fold(before.text) in _UNITS:
            unit = _UNITS[fold(before.text)]  # a table or form: "Tokens 68", "Population: 8.9"
        scale, end, others, last = _GLUED_SCALES.get(glued, 1.0), tok.end, 0, i  # last: the last token it took
        for word, at in followers:
            if word in _SCALES and scale == 1.0:
                scale = _SCALES[word]
            elif word in _UNITS and unit is None and word not in _CURRENCY_PREFIXES:
                unit = _UNITS[word]
            elif word in _CONNECTORS or (others == 0 and at is not None and unit is None):
                others += word not in _CONNECTORS  # one other word may stand between: "1000 novos tokens"
                continue
            else:
                break
            if at is not None:
                used.add(at)
                end, last = toks[at].end, at
            if unit is not None:
                break
        rate = toks[last + 1 : last + 3]
        if unit and len(rate) == 2 and rate[0].text.lower() in _PER and fold(rate[1].text) in _UNITS:
            unit = f"{unit}/{_UNITS[fold(rate[1].text)]}"  # "4 horas por semana", "$13 a month"
            used |= {last + 1, last + 2}
            end = rate[1].end
        mantissas = _number_values(m.group(1))
        if not mantissas:
            continue
        fact = Fact("number", "", frozenset(v * scale for v in mantissas), mantissas, scale, unit)
        found.append((_Tok("num", tok.text, start, end), fact))
        used.add(i)
    _share_range_units(found, toks)
    return found, used


def _share_range_units(found: list[tuple[_Tok, Fact]], toks: list[_Tok]) -> None:
    """'de 8 a 16 GB', '1 to 3 billion': the first number of a range takes the scale and unit of the second."""
    starts = {t.start: k for k, t in enumerate(toks)}
    for n in range(len(found) - 2, -1, -1):
        (first_tok, first), (second_tok, second) = found[n], found[n + 1]
        k = starts.get(first_tok.start)
        between = [t for t in toks if first_tok.end <= t.start and t.end <= second_tok.start]
        if k is None or len(between) != 1:
            continue
        joiner = fold(between[0].text)
        opened = k > 0 and fold(toks[k - 1].text) in _BETWEEN
        if joiner not in _RANGE_WORDS and not (joiner in ("e", "and") and opened):
            continue
        scale = first.scale if first.scale != 1.0 else second.scale
        unit = first.unit or second.unit
        values = frozenset(v * scale for v in first.mantissas)
        found[n] = (first_tok, Fact("number", "", values, first.mantissas, scale, unit))


@lru_cache(maxsize=512)
def index_passage(text: str) -> Passage:
    """Index a passage once; passages repeat across the sentences of an answer."""
    dates, blanked = _dates(text)
    toks = _tokens(blanked)
    quantities, used = _quantities(toks)
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
            forms |= _forms(tok.text)
            forms |= {form for part in re.split(r"[-.'’]", tok.text) if part for form in _forms(part)}
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
    if _singular(folded) in _GENERIC or folded in _GENERIC:
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
        words = tuple(fold(t.text) for t in _tokens(quoted) if t.kind in ("word", "num"))
        if words:
            facts.append(Fact("quote", m.group(), tokens=words, start=m.start()))
            chars[m.start() : m.end()] = " " * (m.end() - m.start())
    dates, blanked = _dates("".join(chars))
    facts += [Fact("date", sentence[s:e].strip(), date=readings, start=s) for s, e, readings in dates]
    toks = _tokens(blanked)
    quantities, used = _quantities(toks)
    facts += [
        Fact("number", sentence[t.start : t.end], f.values, f.mantissas, f.scale, f.unit, start=t.start)
        for t, f in quantities
    ]
    facts += _names(toks, used, sentence, vocabulary)
    unique: dict[tuple[str, str], Fact] = {}
    for fact in sorted(facts, key=lambda f: f.start):
        unique.setdefault((fact.kind, fold(fact.text)), fact)
    return list(unique.values())


def _names(toks: list[_Tok], used: set[int], sentence: str, vocabulary: Vocabulary) -> list[Fact]:
    names: list[Fact] = []
    phrase: list[_Tok] = []
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
    return None if all(_forms(t) & forms for t in significant) else "missing"


def _check_number(fact: Fact, passages: list[Passage]) -> str | None:
    number_seen = False
    for p in passages:
        for held in p.numbers:
            same = _same_values(fact.values, held.values)
            # A table "in millions" writes 5.5 where the answer says 5.5 million.
            if not same and fact.scale != 1.0 and held.scale == 1.0 and _same_values(fact.mantissas, held.values):
                same = any(word in p.folded for word, value in _SCALES.items() if value == fact.scale)
            if same:
                number_seen = True
                if fact.unit is None or held.unit == fact.unit or (held.unit or "").startswith(f"{fact.unit}/"):
                    return None  # "4 horas" is in "4 horas por semana"
        if fact.unit is None and fact.scale == 1.0 and _same_values(fact.values, p.code_numbers):
            return None  # "Llama 3" against "Llama-3-70B"
    return "unit" if number_seen else "missing"


def _holds_sequence(sequence: tuple[str, ...], words: tuple[str, ...]) -> bool:
    n = len(words)
    targets = [_forms(w) for w in words]
    for i in range(len(sequence) - n + 1):
        if all(sequence[i + k] == words[k] or _forms(sequence[i + k]) & targets[k] for k in range(n)):
            return True
    return False
