"""Cleaning of extracted page text: line-end hyphens, running headers and footers, whitespace."""

from __future__ import annotations

import re
from collections import Counter

_HYPHEN_AT_LINE_END = re.compile(r"(?<=[^\W\d_])-[ \t]*\n[ \t]*(?=[^\W\d_])")
_WHITESPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
# Only the first and last lines of a page are candidates: a repeated line in the body is content.
_EDGE_LINES = 2
_MIN_PAGES_FOR_RUNNING_LINES = 3


def collapse_whitespace(text: str) -> str:
    """One space for any run of whitespace, trimmed."""
    return _WHITESPACE.sub(" ", text).strip()


def rejoin_hyphenated(text: str) -> str:
    """Join words split by a hyphen at a line end ("decodifi-\\ncação" -> "decodificação")."""
    return _HYPHEN_AT_LINE_END.sub("", text)


def normalize_for_match(text: str) -> str:
    """The form in which a passage is compared with chunk text (evaluation, highlighting)."""
    return collapse_whitespace(re.sub(r"(?<=[^\W\d_])- (?=[^\W\d_])", "", collapse_whitespace(text)))


def _line_key(line: str) -> str:
    # "curso.pdf — página 3 de 42" and "página 4 de 42" are the same running footer; so is OCR's "página 2de 42"
    # (recognised lines gain and lose spaces).
    return _DIGITS.sub("#", _WHITESPACE.sub("", line).lower())


def running_lines(pages: list[str]) -> set[str]:
    """Keys of header/footer lines that appear at the top or bottom of at least half the pages."""
    if len(pages) < _MIN_PAGES_FOR_RUNNING_LINES:
        return set()
    counts: Counter[str] = Counter()
    for text in pages:
        lines = [line for line in text.splitlines() if line.strip()]
        edges = lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]
        counts.update({_line_key(line) for line in edges})
    threshold = max(_MIN_PAGES_FOR_RUNNING_LINES, (len(pages) + 1) // 2)
    return {key for key, n in counts.items() if n >= threshold and key}


def clean_pages(pages: list[str], drop_running_lines: bool = True) -> list[str]:
    """Clean every page of one document; the result keeps the page order and count."""
    running = running_lines(pages) if drop_running_lines else set()
    cleaned = []
    for text in pages:
        lines = text.splitlines()
        if running:
            nonblank = [i for i, line in enumerate(lines) if line.strip()]
            edge = set(nonblank[:_EDGE_LINES] + nonblank[-_EDGE_LINES:])
            lines = [line for i, line in enumerate(lines) if not (i in edge and _line_key(line) in running)]
        cleaned.append(collapse_whitespace(rejoin_hyphenated("\n".join(lines))))
    return cleaned
