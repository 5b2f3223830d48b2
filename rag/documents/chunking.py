"""Token-aware chunking: pages cut into overlapping passages that fit the embedding model's window."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.documents.document import LoadedDocument, OcrLine, Page, Section
from rag.documents.ocr_lines import lines_in_passage

TokenCounter = Callable[[list[str]], list[int]]

# Sentence ends, and the bullets slides use as sentence starts.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?;:])\s+(?=\S)|\s+(?=[•▪►–-]\s)")
# Tokenizers merge differently at piece boundaries than inside pieces: keep a margin under the window.
_WINDOW_MARGIN = 16


@dataclass(frozen=True)
class Chunk:
    """A passage of one page (or section) of one document; what the index stores and what a citation points to."""

    doc: str
    page: int
    text: str
    page_label: str | None = None
    section: Section | None = None
    ocr: bool = False
    """The page's text was recognised by OCR from its image."""
    lines: tuple[OcrLine, ...] = ()
    """For an OCR passage, the recognised lines it covers, with their boxes on the page (for highlighting)."""

    @property
    def key(self) -> str:
        """Content hash of the passage: equal passages embed to equal vectors."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def fit_to_window(chunk_tokens: int, overlap: int, max_tokens: int) -> tuple[int, int]:
    """Clamp chunk size and overlap so a chunk plus prefix and special tokens fits the model's window."""
    size = max(16, min(chunk_tokens, max_tokens - _WINDOW_MARGIN))
    return size, max(0, min(overlap, size // 2))


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_BREAK.split(text) if s.strip()]


def _cut_by_characters(word: str, cost: int, count: TokenCounter, budget: int) -> list[tuple[str, int]]:
    """A 'word' over the budget (a URL, base64, a line without spaces) cut into slices that each fit it."""
    # Slice at 90% of the word's own characters-per-token rate; re-cut the rare slice that still does not fit.
    size = max(1, len(word) * budget * 9 // (cost * 10))
    slices = [word[i : i + size] for i in range(0, len(word), size)]
    pieces: list[tuple[str, int]] = []
    for piece, piece_cost in zip(slices, count(slices), strict=True):
        if piece_cost <= budget or len(piece) == 1:
            pieces.append((piece, piece_cost))
        else:
            pieces.extend(_cut_by_characters(piece, piece_cost, count, budget))
    return pieces


def _pieces(text: str, count: TokenCounter, budget: int) -> list[tuple[str, int]]:
    """Sentences with their token costs; a sentence over the budget is cut between words, a word by characters."""
    sentences = split_sentences(text)
    costs = count(sentences)
    pieces: list[tuple[str, int]] = []
    for sentence, cost in zip(sentences, costs, strict=True):
        if cost <= budget:
            pieces.append((sentence, cost))
            continue
        words = sentence.split(" ")
        word_costs = count(words) if len(words) > 1 else [cost]
        current: list[str] = []
        used = 0
        for word, word_cost in zip(words, word_costs, strict=True):
            if current and used + word_cost > budget:
                pieces.append((" ".join(current), used))
                current, used = [], 0
            if word_cost > budget:
                pieces.extend(_cut_by_characters(word, word_cost, count, budget))
                continue
            current.append(word)
            used += word_cost
        if current:
            pieces.append((" ".join(current), used))
    return pieces


def chunk_text(text: str, count: TokenCounter, chunk_tokens: int, overlap: int) -> list[str]:
    """Pack sentences into passages of at most `chunk_tokens` tokens, neighbours sharing up to `overlap` tokens."""
    fixed_cost = count([""])[0]  # prefix and special tokens, paid once per passage
    budget = max(1, chunk_tokens - fixed_cost)
    # count() includes the fixed cost for every piece: subtract it to get each piece's own cost.
    pieces = [(piece, max(1, cost - fixed_cost)) for piece, cost in _pieces(text, count, budget + fixed_cost)]
    chunks: list[str] = []
    window: list[tuple[str, int]] = []
    used = 0
    for piece, cost in pieces:
        if window and used + cost > budget:
            chunks.append(" ".join(p for p, _ in window))
            carried: list[tuple[str, int]] = []
            carried_cost = 0
            for prev, prev_cost in reversed(window):
                if carried_cost + prev_cost > overlap or carried_cost + prev_cost + cost > budget:
                    break
                carried.insert(0, (prev, prev_cost))
                carried_cost += prev_cost
            window, used = carried, carried_cost
        window.append((piece, cost))
        used += cost
    if window:
        chunks.append(" ".join(p for p, _ in window))
    return chunks


def chunk_document(document: LoadedDocument, count: TokenCounter, chunk_tokens: int, overlap: int) -> list[Chunk]:
    """Chunks of every page (or section); a chunk never spans two, so its citation is exact."""
    return [
        _chunk(document.name, page, text)
        for page in document.pages
        for text in chunk_text(page.text, count, chunk_tokens, overlap)
    ]


def _chunk(doc: str, page: Page, text: str) -> Chunk:
    lines = tuple(lines_in_passage(text, page.lines)) if page.ocr else ()
    return Chunk(
        doc=doc, page=page.number, text=text, page_label=page.label, section=page.section, ocr=page.ocr, lines=lines
    )
