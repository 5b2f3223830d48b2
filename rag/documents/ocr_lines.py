"""Which lines recognised by OCR a passage covers: how an OCR passage finds its place on the page image."""

from __future__ import annotations

import unicodedata

from rag.documents.document import OcrLine

# A line split between two passages (chunks break at sentences, lines do not) still belongs to each passage that
# holds its first or its last characters: this many, compared folded, so a common word cannot match by chance.
_EDGE_CHARS = 12
# Shorter lines (a page number, a lone word) count only when the whole line is in the passage and this long.
_MIN_LINE_CHARS = 3


def fold(text: str) -> str:
    """Letters and digits only, lower case, without accents: OCR and cleaning differ in spacing and punctuation."""
    return "".join(part.casefold() for ch in text for part in unicodedata.normalize("NFKD", ch) if part.isalnum())


def lines_in_passage(passage: str, lines: tuple[OcrLine, ...] | list[OcrLine]) -> list[OcrLine]:
    """The lines of `lines` whose text the passage holds, whole or at one end, in page order."""
    haystack = fold(passage)
    found = []
    for line in lines:
        key = fold(line.text)
        if len(key) < _MIN_LINE_CHARS:
            continue
        if key in haystack or (
            len(key) >= 2 * _EDGE_CHARS and (key[:_EDGE_CHARS] in haystack or key[-_EDGE_CHARS:] in haystack)
        ):
            found.append(line)
    return found
