"""Numbers, their scales and units, and dates, read out of a sentence or a passage."""

from __future__ import annotations

import re

from rag.answer.reading import Fact, Tok, fold

# Scale words after a number. Single letters only count glued to the digits ("70B", "4k"): "3 m" is metres.
SCALES = {
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
_PLAIN_NUMBER = re.compile(r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?")


def number_values(text: str) -> frozenset[float]:
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


def find_dates(text: str) -> tuple[list[tuple[int, int, frozenset]], str]:
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


def find_quantities(toks: list[Tok]) -> tuple[list[tuple[Tok, Fact]], set[int]]:
    """Numbers with their scale and unit; also the indexes of the tokens they used up."""
    found: list[tuple[Tok, Fact]] = []
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
            if word in SCALES and scale == 1.0:
                scale = SCALES[word]
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
        mantissas = number_values(m.group(1))
        if not mantissas:
            continue
        fact = Fact("number", "", frozenset(v * scale for v in mantissas), mantissas, scale, unit)
        found.append((Tok("num", tok.text, start, end), fact))
        used.add(i)
    _share_range_units(found, toks)
    return found, used


def _share_range_units(found: list[tuple[Tok, Fact]], toks: list[Tok]) -> None:
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
