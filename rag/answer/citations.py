"""Citation check: each answer sentence's numbers, names and quotes must be in the passages it cites; no model call."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal, Protocol

from rag.answer.facts import Vocabulary, check_fact, extract_facts, index_passage
from rag.answer.reading import Fact, fold

Kind = Literal["invalid_source", "unsupported_fact", "uncited"]


class SourceLike(Protocol):
    """Any numbered passage: `rag.retrieval.Source` and the bench's plain records both fit."""

    @property
    def number(self) -> int: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Unsupported:
    """A flagged sentence of an answer, with what is wrong in a short English reason and as fields.

    Attributes:
        sentence: the sentence as the answer wrote it, citations included; `answer[start:end] == sentence`.
        kind: "invalid_source" (cites a source that was not given), "unsupported_fact" (a fact is not in the
            sources it cites) or "uncited" (states facts without citing a source).
        citations: the source numbers the sentence cites.
        missing: the facts as the answer wrote them ("5 litros", "Meta"), or for invalid_source the markers ("[9]").
        found_in: given sources the sentence does not cite that do hold the missing facts.
        source_count: how many sources were given.
    """

    sentence: str
    start: int
    end: int
    kind: Kind
    reason: str
    citations: tuple[int, ...] = ()
    missing: tuple[str, ...] = ()
    found_in: tuple[int, ...] = ()
    source_count: int = 0

    def to_json(self) -> dict[str, object]:
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}


@dataclass(frozen=True)
class Sentence:
    """A sentence of an answer with the citations that belong to it."""

    start: int
    end: int
    text: str
    citations: tuple[int, ...]
    body: str  # the text with citation markers blanked out, for reading facts


_CITATION = re.compile(r"\[\s*(\d{1,3}(?:\s*[-–,;]\s*\d{1,3})*)\s*\]")
_CITATIONS_RUN = re.compile(rf"(?:[ \t]*{_CITATION.pattern})+")
_BULLET = re.compile(r"[ \t]*(?:#{1,6}\s+|>\s*|[-*+•–]\s+|\d{1,2}[.)]\s+)+")
_END = re.compile(r"[.!?…]+[\"”’)\]*_]*(?=\s|$)")
# Words after which a period does not end a sentence ("p. 3", "Sr. Silva", "e.g. this", "art. 321").
_ABBREVIATIONS = set(
    "p pp pg pag sr sra srs dr dra prof profa art arts fig figs cap vol ed eds ex obs n no nº num aprox approx "
    "etc vs cf al inc ltd co jr mr mrs av tel eg ie e.g i.e a.c d.c u.s".split()
)
_META = re.compile(
    r"\b(documentos?|fontes?|trechos?|textos?|passagens?|materia(?:l|is)|contexto|slides?|documents?|sources?|"
    r"passages?|excerpts?|texts?|context)\b.{0,40}\b(nao|do not|don't|does not|doesn't|did not|didn't)\b.{0,30}\b"
    r"(informa|menciona|diz|dizem|trata|cobre|cobrem|aborda|traz|trazem|fala|especifica|conte|apresenta|explica|"
    r"detalha|cita|parece|fornece|say|mention|cover|specify|state|include|contain|discuss|provide|address|"
    r"explain|detail|seem)"
    r"|\bnao (ha|encontrei|consta|foi possivel|sei)\b|\b(no information|not mentioned|not specified|"
    r"i (could|can)not find|i couldn't find|i don't know)\b"
)


def _numbers(marker: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", marker):
        if m := re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", part):
            low, high = int(m.group(1)), int(m.group(2))
            numbers += list(range(low, high + 1)) if 0 <= high - low <= 20 else [low, high]
        elif part.strip().isdigit():
            numbers.append(int(part))
    return numbers


def _ends_sentence(line: str, match: re.Match[str]) -> bool:
    if match.group().startswith("."):
        word = re.search(r"([\w.]+)$", line[: match.start()])
        if word and (fold(word.group(1)) in _ABBREVIATIONS or re.fullmatch(r"[A-Z]", word.group(1))):
            return False
        following = line[match.end() :].lstrip()
        if following[:1].islower():
            return False
    return True


def split_sentences(answer: str) -> list[Sentence]:
    """Sentences of a Portuguese or English answer; lines and list items are sentences too.

    A citation right after a sentence's period, or at the start of the next line, belongs to that sentence.
    """
    spans: list[tuple[int, int]] = []  # sentence bodies, then widened to take the citations that follow them
    offset = 0
    for line in answer.split("\n"):
        bullet = _BULLET.match(line)
        position = bullet.end() if bullet else 0
        leading = _CITATIONS_RUN.match(line, position)
        if leading and spans:
            spans[-1] = (spans[-1][0], offset + leading.end())
            position = leading.end()
        start = position
        for match in _END.finditer(line, position):
            if not _ends_sentence(line, match):
                continue
            end = match.end()
            trailing = _CITATIONS_RUN.match(line, end)
            end = trailing.end() if trailing else end
            spans.append((offset + start, offset + end))
            start = end
        if line[start:].strip():
            spans.append((offset + start, offset + len(line.rstrip())))
        offset += len(line) + 1
    sentences = []
    for start, end in spans:
        while start < end and answer[start].isspace():
            start += 1
        text = answer[start:end]
        citations = tuple(n for m in _CITATION.finditer(text) for n in _numbers(m.group(1)))
        body = _CITATION.sub(lambda m: " " * len(m.group()), text)
        if re.search(r"\w", body):
            sentences.append(Sentence(start, end, text, citations, body))
    return sentences


def is_meta(sentence: str) -> bool:
    """Whether a sentence talks about the documents ("Os documentos não tratam disso") rather than stating facts."""
    return bool(_META.search(fold(sentence)))


def check_answer(answer: str, sources: Sequence[SourceLike], covered: bool | None = True) -> list[Unsupported]:
    """Flag the sentences of `answer` whose citations or facts the numbered `sources` do not back.

    Args:
        answer: the model's answer, citing sources as [1], [1][2], [1, 2] or [1-3].
        sources: the passages the model was given, numbered as it was told to cite them.
        covered: False when the documents do not cover the question: then facts without a citation are not flagged
            (the answer is expected to say so, not to cite). None (unknown) counts as covered.

    Returns:
        One entry per problem, in answer order: a sentence can have an invalid_source and an unsupported_fact entry.
    """
    passages = {source.number: source.text for source in sources}
    vocabulary = Vocabulary.of(list(passages.values()))
    flags: list[Unsupported] = []
    for sentence in split_sentences(answer):
        invalid = tuple(dict.fromkeys(n for n in sentence.citations if n not in passages))
        if invalid:
            markers = tuple(f"[{n}]" for n in invalid)
            flags.append(
                _flag(sentence, len(passages), "invalid_source", _invalid_reason(invalid, len(passages)), markers)
            )
        facts = extract_facts(sentence.body, vocabulary)
        if not facts:
            continue
        cited = [n for n in dict.fromkeys(sentence.citations) if n in passages]
        if cited:
            indexed = [index_passage(passages[n]) for n in cited]
            missing = [fact for fact in facts if check_fact(fact, indexed) is not None]
            if missing:
                found_in = _found_in(missing, passages, exclude=cited)
                reason = _unsupported_reason(missing, cited, found_in)
                flags.append(_flag(sentence, len(passages), "unsupported_fact", reason, _texts(missing), found_in))
        elif not invalid and covered is not False and not is_meta(sentence.body):
            reason = f"states facts ({', '.join(_texts(facts))}) without citing a source"
            found_in = _found_in(facts, passages, exclude=[])
            flags.append(_flag(sentence, len(passages), "uncited", reason, _texts(facts), found_in))
    return flags


def _flag(
    sentence: Sentence, count: int, kind: Kind, reason: str, missing: tuple[str, ...], found_in: tuple[int, ...] = ()
) -> Unsupported:
    where = (sentence.text, sentence.start, sentence.end)
    return Unsupported(*where, kind, reason, sentence.citations, missing, found_in, count)


def _texts(facts: list[Fact]) -> tuple[str, ...]:
    return tuple(fact.text for fact in facts)


def _found_in(facts: list[Fact], passages: dict[int, str], exclude: list[int]) -> tuple[int, ...]:
    """The other sources that hold every one of these facts."""
    return tuple(
        n
        for n, text in passages.items()
        if n not in exclude and all(check_fact(fact, [index_passage(text)]) is None for fact in facts)
    )


def _refs(numbers: Sequence[int]) -> str:
    return ", ".join(f"[{n}]" for n in numbers)


def _invalid_reason(invalid: tuple[int, ...], count: int) -> str:
    given = f"{count} source{'s' if count != 1 else ''}"
    if len(invalid) == 1:
        return f"source [{invalid[0]}] was not given ({given})"
    return f"sources {_refs(invalid)} were not given ({given})"


def _unsupported_reason(missing: list[Fact], cited: list[int], found_in: tuple[int, ...]) -> str:
    texts = _texts(missing)
    what = texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]
    verb = "is" if len(texts) == 1 else "are"
    where = f"source {_refs(cited)}" if len(cited) == 1 else f"sources {_refs(cited)}"
    reason = f"{what} {verb} not in {where}"
    if found_in:
        reason += f" (but in {_refs(found_in)})"
    return reason


def mark_answer(answer: str, flags: Sequence[Unsupported]) -> str:
    """The answer as Markdown with ⚠️ after each flagged sentence and a footnote per reason; its words untouched."""
    if not flags:
        return answer
    ordered = sorted(enumerate(flags, 1), key=lambda pair: (pair[1].end, pair[0]))
    pieces: list[str] = []
    position = 0
    for number, flag in ordered:
        pieces += [answer[position : flag.end], f" ⚠️[^{number}]"]
        position = flag.end
    pieces.append(answer[position:])
    notes = "\n".join(f"[^{number}]: {flag.reason}" for number, flag in enumerate(flags, 1))
    return "".join(pieces) + "\n\n" + notes
