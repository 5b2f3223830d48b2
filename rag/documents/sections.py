"""Files without pages (Word, Markdown, text, HTML) cut into sections: each heading starts one, and a long one is
cut between paragraphs, so a citation's heading and line range point at something a reader can find."""

from __future__ import annotations

from dataclasses import dataclass

from i18n import message
from rag.documents.cleaning import collapse_whitespace
from rag.documents.document import DocumentError, LoadedDocument, Page, Section, SectionUnit, sha256_of

# About three passages of the default chunk size: a range a reader scans at a glance. Longer sections are cut
# between paragraphs (a single longer paragraph stays whole; the chunker cuts it into passages).
MAX_SECTION_CHARS = 4_000
# Headings are shown in every citation: a heading-sized paragraph (some Word files style whole paragraphs as
# headings) is cut short there.
_MAX_HEADING_CHARS = 80


@dataclass(frozen=True)
class Block:
    """A paragraph (or heading) of a file and the lines (or paragraphs) it spans, 1-based."""

    text: str
    first: int
    last: int
    heading: bool = False


def pages_of(blocks: list[Block], unit: SectionUnit = "lines") -> list[Page]:
    """Sections as pages numbered from 1: a heading starts a new section (headings with nothing between them
    share one, under the last), and a section grows to about MAX_SECTION_CHARS before it is cut."""
    pages: list[Page] = []
    heading: str | None = None
    current: list[Block] = []

    def close() -> None:
        if current:
            section = Section(heading, current[0].first, current[-1].last, unit)
            text = "\n\n".join(b.text for b in current)
            pages.append(Page(number=len(pages) + 1, text=text, section=section))
            current.clear()

    for block in blocks:
        has_body = any(not b.heading for b in current)
        if block.heading:
            if has_body:
                close()
            heading = _heading_label(block.text)
        elif has_body and sum(len(b.text) for b in current) + len(block.text) > MAX_SECTION_CHARS:
            close()
        current.append(block)
    close()
    return pages


def document_of(
    name: str, data: bytes, blocks: list[Block], format: str, unit: SectionUnit = "lines"
) -> LoadedDocument:
    """The loaded document of a file read into blocks.

    Raises:
        DocumentError: the blocks hold no words (only blanks, punctuation or symbols).
    """
    blocks = [b for b in blocks if b.text.strip()]
    if not any(ch.isalnum() for b in blocks for ch in b.text):
        raise DocumentError(name, "no_text", message("format.no_words"))
    pages = pages_of(blocks, unit)
    return LoadedDocument(name=name, sha256=sha256_of(data), page_count=len(pages), pages=pages, format=format)


def _heading_label(text: str) -> str:
    label = collapse_whitespace(text)
    return label if len(label) <= _MAX_HEADING_CHARS else label[: _MAX_HEADING_CHARS - 1] + "…"
