"""Markdown files: sections at the headings (`#` lines and underlined ones), outside code blocks and front matter."""

from __future__ import annotations

import re

from rag.documents.document import LoadedDocument
from rag.documents.sections import Block, document_of
from rag.documents.text import decode_text

_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*")
_SETEXT_UNDERLINE = re.compile(r" {0,3}(?:=+|-+)[ \t]*")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_FRONT_MATTER_END = ("---", "...")


def load_markdown(data: bytes, name: str) -> LoadedDocument:
    """A Markdown file, one section per heading (long ones cut between paragraphs), cited by heading and lines.

    Raises:
        DocumentError: the file is binary or holds no words.
    """
    return document_of(name, data, markdown_blocks(decode_text(data, name).split("\n")), "markdown")


def markdown_blocks(lines: list[str]) -> list[Block]:
    """Headings and paragraphs with their line numbers; a fenced code block is one paragraph, blank lines and all."""
    blocks: list[Block] = []
    start = _after_front_matter(lines)
    run: list[str] = []  # the paragraph (or fenced block) being read, from line `run_start`
    run_start = start + 1
    fence: str | None = None

    def close_run(end: int) -> None:
        if run:
            blocks.append(Block("\n".join(line.rstrip() for line in run), run_start, end))
            run.clear()

    for number, line in enumerate(lines[start:], start=start + 1):
        fence_mark = _FENCE.match(line)
        if fence is not None:
            run.append(line)
            if fence_mark and fence_mark.group(1)[0] == fence[0] and len(fence_mark.group(1)) >= len(fence):
                close_run(number)
                fence = None
            continue
        if fence_mark:
            close_run(number - 1)
            fence, run_start = fence_mark.group(1), number
            run.append(line)
            continue
        heading = _ATX.fullmatch(line)
        if heading:
            close_run(number - 1)
            blocks.append(Block(heading.group(2) or "", number, number, heading=True))
        elif _SETEXT_UNDERLINE.fullmatch(line):
            # The paragraph just above is the heading (CommonMark); with no paragraph, `---` is a rule.
            if run:
                blocks.append(Block(" ".join(s.strip() for s in run), run_start, number, heading=True))
                run.clear()
        elif not line.strip():
            close_run(number - 1)
        else:
            if not run:
                run_start = number
            run.append(line)
    close_run(len(lines))
    return blocks


def _after_front_matter(lines: list[str]) -> int:
    """Lines to skip: a YAML front matter block (`---` ... `---`) at the very top is metadata, not text."""
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].strip() in _FRONT_MATTER_END:
                return index + 1
    return 0
